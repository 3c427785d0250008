/**
 * The call table's bound: every call holds a session, its legs, dialogs and timers (about 20 KiB
 * of heap, docs/benchmarks.md §2), and phone-to-phone calls hold no RTP port that would stop them
 * first. Past `maxCalls` a new INVITE gets 503 with Retry-After (RFC 3261 §21.5.4) before any
 * authentication, routing or history row; calls in progress are untouched.
 */
import type { Logger } from 'pino';
import { buildReply } from '../../../sip/stack.js';
import type { AdmissionStep } from './chain.js';
import { decided } from './chain.js';

/** Default bound: the default RTP range's 5,000 port pairs, and about 100 MiB of heap. */
export const DEFAULT_MAX_CALLS = 5000;
/** A short call's length: when a place is likely free again. */
const RETRY_AFTER_S = 10;

export function callCapacity(
  activeCalls: () => number,
  maxCalls: number,
  onFull: () => void,
  log: Logger,
): AdmissionStep {
  return (attempt, next) => {
    if (activeCalls() < maxCalls) {
      next();
      return;
    }
    decided(log, attempt, 'capacity', `${maxCalls} calls in progress: 503`);
    const response = buildReply(attempt.request, 503, 'Service Unavailable');
    response.headers.append('Retry-After', String(RETRY_AFTER_S));
    attempt.tx.respond(response);
    onFull();
  };
}
