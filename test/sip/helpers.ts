import { expect } from 'vitest';
import { parseMessage } from '../../src/sip/message/parser.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { validateMessage } from '../../src/sip/message/validate.js';
import type { ValidateOptions, ValidationStatus } from '../../src/sip/message/validate.js';

/** Header lines joined with CRLF, the empty line, then the body. */
export function wire(lines: readonly string[], body: string | Buffer = ''): Buffer {
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** A plausible SDP body of exactly `length` bytes. */
export function sdp(length: number): string {
  const base =
    'v=0\r\no=- 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\nt=0 0\r\n' +
    'm=audio 49217 RTP/AVP 0 12\r\n';
  const pad = length - base.length - 'a=x:\r\n'.length;
  if (pad < 0) throw new Error(`SDP of ${length} bytes is too short`);
  return `${base}a=x:${'p'.repeat(pad)}\r\n`;
}

export function parseOk(data: Buffer): SipMessage {
  const r = parseMessage(data);
  if (!r.ok) throw new Error(`expected a parse, got: ${r.error.reason}`);
  return r.message;
}

export function validRequest(data: Buffer, options?: ValidateOptions): SipRequest {
  const m = parseOk(data);
  expect(validateMessage(m, options)).toEqual({ ok: true });
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

export function validResponse(data: Buffer): SipResponse {
  const m = parseOk(data);
  expect(validateMessage(m)).toEqual({ ok: true });
  if (m.kind !== 'response') throw new Error('expected a response');
  return m;
}

/** The message is refused: parse error, or validation failure with `status`. */
export type Refusal =
  | { stage: 'parse'; reason: string; canReply: boolean }
  | {
      stage: 'validate';
      status: ValidationStatus;
      reason: string;
    };

export function refusal(data: Buffer, options?: ValidateOptions): Refusal {
  const r = parseMessage(data);
  if (!r.ok) return { stage: 'parse', reason: r.error.reason, canReply: r.error.canReply };
  const v = validateMessage(r.message, options);
  if (v.ok) throw new Error('expected the message to be refused');
  return { stage: 'validate', status: v.status, reason: v.reason };
}
