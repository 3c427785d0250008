/**
 * The park lot (issue 10 §4): numbered slots, each holding at most one parked call. A call parked
 * (a blind transfer to `*0`) takes the lowest free slot, as FreePBX's and 3CX's lots do, so the
 * numbers the receptionist says stay small; the lot is bounded, a full lot parks nothing. A slot is
 * freed when its call is retrieved (`*1` + slot), rung back to its parker, or ends.
 */

/** How many slots by default: `*11` … `*19`, one digit each. */
export const DEFAULT_PARK_SLOTS = 9;

/** How long a parked call waits before it rings its parker back, by default. */
export const DEFAULT_PARK_TIMEOUT_MS = 120_000;

/** The code that parks (a blind transfer's Refer-To) and the prefix that retrieves. */
export const PARK_CODE = '*0';
export const RETRIEVE_PREFIX = '*1';

/** The slot a retrieve code names (`*1` + slot), undefined when `dialled` is none. */
export function retrieveSlot(dialled: string): number | undefined {
  const match = /^\*1([1-9]\d?)$/.exec(dialled);
  return match === null ? undefined : Number(match[1]);
}

export class ParkLot<C> {
  private readonly slots = new Map<number, C>();

  constructor(readonly size: number = DEFAULT_PARK_SLOTS) {
    if (!Number.isInteger(size) || size < 1 || size > 99) {
      throw new Error(`park lot size ${size}: between 1 and 99`);
    }
  }

  /** How many slots are taken. */
  get taken(): number {
    return this.slots.size;
  }

  /** Put `call` in the lowest free slot; null when every slot is taken. */
  park(call: C): number | null {
    for (let slot = 1; slot <= this.size; slot++) {
      if (this.slots.has(slot)) continue;
      this.slots.set(slot, call);
      return slot;
    }
    return null;
  }

  /** The call in `slot`, if any, left there. */
  peek(slot: number): C | undefined {
    return this.slots.get(slot);
  }

  /** The call in `slot`, taken out of the lot (retrieved or rung back). */
  take(slot: number): C | undefined {
    const call = this.slots.get(slot);
    this.slots.delete(slot);
    return call;
  }

  /** Forget the calls `ended` says ended, wherever they are parked. */
  release(ended: (call: C) => boolean): void {
    for (const [slot, parked] of this.slots) {
      if (ended(parked)) this.slots.delete(slot);
    }
  }
}
