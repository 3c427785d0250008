/**
 * How a call ends, and what the caller hears when no step of the plan connects it.
 *
 * Decisions:
 * - A B-leg's 486, 600 or 603 is `busy`; 404, 408, 410, 480, 484, 503, 604, a Timer B timeout and
 *   a transport error are `unreachable`; any other final response (403, 488, 5xx…) is `rejected`.
 * - Several devices rung at once: the step is `busy` if any of them was busy, else `unreachable`
 *   if any was, else `rejected`. Ringing for the whole step timeout is `no-answer`.
 * - When every step has failed, the LAST step's failure decides the caller's final response: that
 *   is what the caller was waiting for last. `busy` gives 486 Busy Here; everything else gives 480
 *   Temporarily Unavailable, as FreeSWITCH does for NO_ANSWER: 408 Request Timeout would tell the
 *   caller's UA that its request timed out in transit, which is not what happened.
 * - A plan without steps gives 404 Not Found for an unknown destination, else 480.
 */

export type StepFailure = 'busy' | 'unreachable' | 'no-answer' | 'rejected';

import type { CallOutcome } from '../../store/call-history-repository.js';

export type { CallOutcome };

export interface FinalResponse {
  status: number;
  reason: string;
  /** Headers saying why, e.g. the Warning of a 488 (RFC 3261 §20.43). */
  headers?: readonly (readonly [string, string])[];
}

const BUSY = new Set([486, 600, 603]);
const UNREACHABLE = new Set([404, 408, 410, 480, 484, 503, 604]);

/** A B-leg's final non-2xx status, or null for a timeout or transport error. */
export function failureOfStatus(status: number | null): StepFailure {
  if (status === null || UNREACHABLE.has(status)) return 'unreachable';
  return BUSY.has(status) ? 'busy' : 'rejected';
}

const PRIORITY: readonly StepFailure[] = ['busy', 'unreachable', 'rejected'];

/** One failure for a step whose devices all failed. */
export function combineFailures(failures: readonly StepFailure[]): StepFailure {
  for (const f of PRIORITY) if (failures.includes(f)) return f;
  return 'unreachable';
}

export const BUSY_HERE: FinalResponse = { status: 486, reason: 'Busy Here' };
export const TEMPORARILY_UNAVAILABLE: FinalResponse = {
  status: 480,
  reason: 'Temporarily Unavailable',
};
export const NOT_FOUND: FinalResponse = { status: 404, reason: 'Not Found' };

/** The caller's final response and the recorded outcome when the plan ran out. */
export function planExhausted(
  last: StepFailure | null,
  unknownDestination: boolean,
): FinalResponse & { outcome: CallOutcome } {
  switch (last) {
    case 'busy':
      return { ...BUSY_HERE, outcome: 'busy' };
    case 'no-answer':
      return { ...TEMPORARILY_UNAVAILABLE, outcome: 'no-answer' };
    case 'unreachable':
      return { ...TEMPORARILY_UNAVAILABLE, outcome: 'unavailable' };
    case 'rejected':
      return { ...TEMPORARILY_UNAVAILABLE, outcome: 'failed' };
    case null:
      return unknownDestination
        ? { ...NOT_FOUND, outcome: 'failed' }
        : { ...TEMPORARILY_UNAVAILABLE, outcome: 'unavailable' };
  }
}
