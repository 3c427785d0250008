/**
 * Building a response from a request's headers (RFC 3261 §8.2.6.2). Works on a bare `Headers`
 * so that the transport can answer 400 to a request it could only partly parse.
 */
import { parseNameAddr } from './headers.js';
import { Headers, createResponse } from './types.js';
import type { SipResponse } from './types.js';
import { randomToken } from '../random.js';

/** A random token for a To or From tag (RFC 3261 §19.3: at least 32 bits of randomness). */
export function createTag(): string {
  return randomToken(6, 'hex');
}

/**
 * A response copying Via (all, in order), From, Call-ID, CSeq and To; a To tag is added to any
 * response but 100 when the request had none (RFC 3261 §8.2.6.2). `toTag` fixes that tag, e.g.
 * the dialog's local tag.
 */
export function buildReply(
  request: { headers: Headers },
  status: number,
  reason: string,
  toTag?: string,
): SipResponse {
  const h = new Headers();
  for (const via of request.headers.getAll('Via')) h.append('Via', via);
  for (const name of ['From', 'Call-ID', 'CSeq']) {
    const value = request.headers.get(name);
    if (value !== undefined) h.append(name, value);
  }
  const to = request.headers.get('To');
  if (to !== undefined) {
    const hasTag = parseNameAddr(to)?.tag !== undefined;
    h.append('To', hasTag || status === 100 ? to : `${to};tag=${toTag ?? createTag()}`);
  }
  // RFC 3261 §8.2.6.1: a 100 echoes the request's Timestamp.
  const timestamp = request.headers.get('Timestamp');
  if (status === 100 && timestamp !== undefined) h.append('Timestamp', timestamp);
  return createResponse(status, reason, h);
}
