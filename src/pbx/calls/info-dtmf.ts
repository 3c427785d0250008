/**
 * DTMF sent in SIP INFO (RFC 6086) instead of RFC 4733 events, as phones configured for "SIP
 * INFO" do: `application/dtmf-relay` (`Signal=5`, `Duration=160`, one per line; Cisco's `10` and
 * `11` for `*` and `#`, which are RFC 4733's event numbers) or `application/dtmf` (the digit alone).
 * The digit goes where RFC 4733 digits go: the caller's RTP session, as if it came in band.
 */
import { digitForEvent } from '../../media/telephone-event.js';
import type { DtmfDigit } from '../../media/telephone-event.js';
import type { SipRequest } from '../../sip/message/index.js';

const DIGIT = /^[0-9*#A-D]$/;

/** The digit an INFO carries; null when it carries none; 'malformed' for an unreadable one. */
export function dtmfOfInfo(request: SipRequest): DtmfDigit | null | 'malformed' {
  const type = (request.headers.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase();
  const body = request.body.toString('utf8');
  if (type === 'application/dtmf') return digitOf(body.trim());
  if (type !== 'application/dtmf-relay') return null;
  for (const line of body.split(/\r?\n/)) {
    const [name, value] = line.split('=', 2).map((part) => part.trim());
    if (name?.toLowerCase() === 'signal' && value !== undefined) return digitOf(value);
  }
  return 'malformed';
}

function digitOf(text: string): DtmfDigit | 'malformed' {
  const upper = text.toUpperCase();
  if (DIGIT.test(upper)) return upper as DtmfDigit;
  if (/^1[0-5]$/.test(text)) return digitForEvent(Number(text)) ?? 'malformed';
  return 'malformed';
}
