/**
 * The `Replaces` header (RFC 3891 §6.1): `callid *(SEMI replaces-param)`, with `to-tag` and
 * `from-tag` required and `early-only` a flag. It arrives in an INVITE, or percent-encoded as a
 * header of a REFER's Refer-To URI (RFC 3891 §5, RFC 5589 §7).
 */
import { percentDecode } from './syntax.js';

export interface Replaces {
  callId: string;
  toTag: string;
  fromTag: string;
  /** Only an early dialog may be replaced (RFC 3891 §3: a confirmed one gets 486). */
  earlyOnly: boolean;
}

/** The header's value, or null when it is not one (400 then). */
export function parseReplaces(value: string): Replaces | null {
  const [rawCallId, ...params] = value.split(';').map((part) => part.trim());
  const callId = rawCallId ?? '';
  if (callId === '' || /\s/.test(callId)) return null;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    const tag = eq < 0 ? undefined : param.slice(eq + 1).trim();
    if (name === 'early-only' && eq < 0) earlyOnly = true;
    else if (name === 'to-tag' && toTag === undefined) toTag = tag;
    else if (name === 'from-tag' && fromTag === undefined) fromTag = tag;
    else if (name === 'to-tag' || name === 'from-tag' || name === '') return null;
  }
  if (toTag === undefined || fromTag === undefined || toTag === '' || fromTag === '') return null;
  return { callId, toTag, fromTag, earlyOnly };
}

/** The Replaces header of a Refer-To URI's headers (still percent-encoded), if any. */
export function uriReplaces(headers: ReadonlyMap<string, string>): string | undefined {
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'replaces') return percentDecode(value) ?? undefined;
  }
  return undefined;
}
