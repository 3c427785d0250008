/** The router's park lot, and the plan that rings a parker back (park.ts). */
import type { Directory } from '../../../domain/types.js';
import { DEFAULT_PARK_SLOTS, ParkLot } from './park-lot.js';
import type { ParkedCall, Parking } from './park.js';

export function parkingOf(
  directory: () => Directory,
  timeoutMs: number,
  slots = DEFAULT_PARK_SLOTS,
): Parking {
  return {
    lot: new ParkLot<ParkedCall>(slots),
    timeoutMs,
    ringBack: (parker) => {
      const extension = directory().extensions.get(parker);
      if (extension === undefined) return null;
      return {
        to: parker,
        exception: null,
        action: null,
        plan: [{ do: 'ring', extensions: [parker], timeout: extension.ringTimeout }],
        trace: [],
      };
    },
  };
}
