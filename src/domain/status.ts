/**
 * The status routing uses (issue 13 §6), computed from what the user set, a status chosen "until"
 * a time, the weekly schedule of statuses, and the instant. Pure.
 *
 * Choices:
 * - A status chosen until a time wins until then; afterwards the status set before it is back,
 *   whatever is stored (nothing has to wake up and write it).
 * - The schedule applies only while the set status is `available`: it is there for "Lunch at
 *   12:30, Away after hours", not to undo a "Business trip" chosen on purpose.
 * - The first scheduled entry that holds wins; entries are in the user's order.
 */
import type { Extension, Settings, Status, StatusSource } from './types.js';
import { hoursApply } from './schedule.js';

export interface EffectiveStatus {
  status: Status;
  source: StatusSource;
  /** `until`: when it ends (epoch ms). */
  until?: number;
}

export function effectiveStatus(ext: Extension, settings: Settings, now: Date): EffectiveStatus {
  const temporary = ext.temporaryStatus;
  if (temporary !== null && now.getTime() < temporary.until) {
    return { status: temporary.status, source: 'until', until: temporary.until };
  }
  if (ext.status === 'available') {
    for (const entry of ext.statusSchedule) {
      if (hoursApply(entry.hours, entry.periods, settings, now)) {
        return { status: entry.status, source: 'schedule' };
      }
    }
  }
  return { status: ext.status, source: 'set' };
}
