/** Requests derived from an INVITE: the ACK for a non-2xx response and the CANCEL. */
import { createRequest, getCSeq, Headers } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';

function copy(from: Headers, to: Headers, name: string): void {
  for (const value of from.getAll(name)) to.append(name, value);
}

function derive(invite: SipRequest, method: 'ACK' | 'CANCEL', to: string | undefined): SipRequest {
  const h = new Headers();
  const topVia = invite.headers.get('Via');
  if (topVia !== undefined) h.append('Via', topVia);
  h.append('Max-Forwards', '70');
  copy(invite.headers, h, 'Route');
  copy(invite.headers, h, 'From');
  if (to !== undefined) h.append('To', to);
  copy(invite.headers, h, 'Call-ID');
  const seq = getCSeq(invite)?.seq;
  if (seq !== undefined) h.append('CSeq', `${seq} ${method}`);
  return createRequest(method, invite.uri, h);
}

/**
 * RFC 3261 §17.1.1.3: the ACK for a non-2xx final response has the INVITE's Request-URI, Call-ID,
 * From, CSeq number and Route, its top Via only (same branch), and the response's To (with tag).
 */
export function buildAckForError(invite: SipRequest, response: SipResponse): SipRequest {
  return derive(invite, 'ACK', response.headers.get('To'));
}

/**
 * RFC 3261 §9.1: a CANCEL copies the INVITE's Request-URI, Call-ID, From, To, CSeq number, Route
 * and top Via (same branch, so that the UAS can match it to the INVITE).
 */
export function buildCancel(invite: SipRequest): SipRequest {
  return derive(invite, 'CANCEL', invite.headers.get('To'));
}
