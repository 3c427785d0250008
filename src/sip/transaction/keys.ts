/** Transaction matching keys (RFC 3261 §17.1.3, §17.2.3). */
import { getCSeq, getCallId, getFrom, getTopVia, isRfc3261Branch } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';

/** Key of a client transaction: branch and method (CANCEL shares the INVITE's branch). */
export function clientKey(branch: string, method: string): string {
  return `${branch}\n${method}`;
}

/** RFC 3261 §17.1.3: top Via branch and CSeq method of a response; undefined if unreadable. */
export function responseKey(response: SipResponse): string | undefined {
  const branch = getTopVia(response)?.branch;
  const method = getCSeq(response)?.method;
  return branch !== undefined && method !== undefined ? clientKey(branch, method) : undefined;
}

/**
 * RFC 3261 §17.2.3: branch, sent-by and method, ACK counting as INVITE. For RFC 2543 requests
 * (no magic cookie) the Request-URI, Call-ID, From tag, CSeq number and top Via stand in for the
 * branch (§17.2.3 second part, minus the To tag, which an ACK carries and the INVITE lacks).
 */
export function serverKey(request: SipRequest, methodOverride?: string): string | undefined {
  const via = getTopVia(request);
  if (!via) return undefined;
  const method = methodOverride ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
  if (isRfc3261Branch(via.branch)) return `${via.branch}\n${sentBy}\n${method}`;
  const cseq = getCSeq(request);
  const callId = getCallId(request);
  if (!cseq || callId === null) return undefined;
  const fromTag = getFrom(request)?.tag ?? '';
  return `2543\n${request.uri}\n${callId}\n${fromTag}\n${cseq.seq}\n${sentBy}\n${via.branch ?? ''}\n${method}`;
}
