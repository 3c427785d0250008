/**
 * What a notifier reads from a SUBSCRIBE before it creates anything (RFC 6665 §4.2.1): the event
 * package, the body types the subscriber accepts, and the duration it asks for, checked against
 * the notifier's bounds. Pure: the answers are data the caller sends.
 */
import type { SipRequest } from '../message/index.js';

export interface ExpiryBounds {
  /** Granted when the SUBSCRIBE has no Expires (the package's default, e.g. RFC 4235 §3.3). */
  defaultSeconds: number;
  /** A shorter non-zero duration gets 423 (RFC 6665 §4.2.1.1). */
  minSeconds: number;
  /** A longer one is shortened to this: the notifier may grant less than asked. */
  maxSeconds: number;
}

/** The duration to grant (0: a fetch or an unsubscribe), or the answer that refuses it. */
export type ExpiryDecision =
  | { ok: true; seconds: number }
  | { ok: false; status: 400 | 423; reason: string; headers: [string, string][] };

/** The Event header's package, lower-cased, without its parameters; undefined without one. */
export function eventPackageOf(request: SipRequest): string | undefined {
  const value = request.headers.get('Event');
  const name = value?.split(';')[0]?.trim().toLowerCase();
  return name === '' ? undefined : name;
}

/** RFC 6665 §4.2.1: no Accept means the package's default type; otherwise `type` must be listed. */
export function acceptsType(request: SipRequest, type: string): boolean {
  const accepts = request.headers.getAll('Accept');
  if (accepts.length === 0) return true;
  const [major] = type.split('/');
  return accepts
    .flatMap((value) => value.split(','))
    .map((entry) => entry.split(';')[0]?.trim().toLowerCase())
    .some((entry) => entry === type || entry === `${major}/*` || entry === '*/*');
}

export function grantedExpiry(request: SipRequest, bounds: ExpiryBounds): ExpiryDecision {
  const header = request.headers.get('Expires');
  if (header === undefined) return { ok: true, seconds: bounds.defaultSeconds };
  const text = header.trim();
  if (!/^\d{1,10}$/.test(text)) {
    return { ok: false, status: 400, reason: 'Bad Expires', headers: [] };
  }
  const asked = Number(text);
  if (asked === 0) return { ok: true, seconds: 0 };
  if (asked < bounds.minSeconds) {
    return {
      ok: false,
      status: 423,
      reason: 'Interval Too Brief',
      headers: [['Min-Expires', String(bounds.minSeconds)]],
    };
  }
  return { ok: true, seconds: Math.min(asked, bounds.maxSeconds) };
}
