/**
 * The decision a blind transfer (RFC 3515 REFER) makes the call follow. The target is routed as
 * if the original caller had called it (its exceptions see the caller's number: a `06…` caller
 * passed by the secretary to Alice fires Alice's `06*` rule); the trace says who transferred.
 *
 * A failed transfer returns to the transferor (as 3CX does): when no exception fired, the
 * target's status forwarding (its voicemail when busy or unanswered) gives way to ringing the
 * transferor back; the target's own ringing steps run first, with their timeouts. An exception
 * that fired is the target's rule and is followed as is.
 */
import type { Decision, Step } from './types.js';

export interface TransferTarget {
  /** Who transferred: an extension number, or the number of a trunk's party. */
  by: string;
  /** The Refer-To target as dialled. */
  target: string;
  /**
   * The transferor's extension, rung back when the transfer fails; null when there is nobody to
   * return to (a trunk's party) or nothing to fail (a transfer to a voicemail box).
   */
  returnTo: string | null;
  /** How long the transferor is rung back, in seconds. */
  returnTimeout: number;
}

export interface TransferDecision {
  decision: Decision;
  /** Index in the plan of the ring-back step, null when there is none. */
  returnStep: number | null;
}

export function transferDecision(routed: Decision, transfer: TransferTarget): TransferDecision {
  const trace = [
    { code: 'transferred' as const, extension: transfer.by, target: transfer.target },
    ...routed.trace,
  ];
  const ringing = (s: Step): boolean => s.do === 'ring' || s.do === 'dial';
  if (routed.exception !== null || transfer.returnTo === null) {
    return { decision: { ...routed, trace }, returnStep: null };
  }
  const first = routed.plan.findIndex((s) => !ringing(s));
  const kept = first === -1 ? routed.plan : routed.plan.slice(0, first);
  const back: Step = {
    do: 'ring',
    extensions: [transfer.returnTo],
    timeout: transfer.returnTimeout,
  };
  return { decision: { ...routed, trace, plan: [...kept, back] }, returnStep: kept.length };
}
