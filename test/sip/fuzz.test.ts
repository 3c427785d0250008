import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamParser, parseMessage } from '../../src/sip/message/parser.js';
import { serializeMessage } from '../../src/sip/message/serializer.js';
import type { SipMessage } from '../../src/sip/message/types.js';
import { validateMessage } from '../../src/sip/message/validate.js';
import type { ValidateOptions } from '../../src/sip/message/validate.js';
import { sdp, wire } from './helpers.js';

const VALID = wire(
  [
    'INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0',
    'Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.5',
    'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
    'Authorization: Digest username="a", realm="r", nonce="n", uri="sip:b", response="0"',
    'Require: 100rel',
    'Date: Sat, 13 Nov 2010 23:29:00 GMT',
    'Content-Type: application/sdp',
    'Content-Length: 150',
  ],
  sdp(150),
);

// Bytes that matter to the grammar, so that mutations hit interesting paths.
const SPECIAL = [...'\r\n \t:;,<>"\\@%=/?[]*0123456789'].map((c) => c.charCodeAt(0));

// The entry points catch internal exceptions as a last resort; the fuzzer must still see them.
function checkValidation(m: SipMessage, options?: ValidateOptions): void {
  const v = validateMessage(m, options);
  if (!v.ok && v.reason === 'Bad Request') throw new Error('validateMessage hit an exception');
}

function exercise(data: Buffer): void {
  const r = parseMessage(data);
  if (!r.ok && r.error.reason.startsWith('internal')) throw new Error(r.error.reason);
  if (r.ok) {
    checkValidation(r.message);
    checkValidation(r.message, { role: 'proxy', responseContentTypes: ['application/sdp'] });
    serializeMessage(r.message);
  }
  const stream = new StreamParser({ maxHeaderBytes: 4096 });
  for (let i = 0; i < data.length; i += 97) {
    for (const ev of stream.push(data.subarray(i, i + 97))) {
      if (ev.type === 'message') checkValidation(ev.message);
      if (ev.type === 'error' && ev.error.reason.startsWith('internal')) {
        throw new Error(ev.error.reason);
      }
    }
  }
}

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'insert', 'delete'),
  byte: fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 })),
  len: fc.integer({ min: 1, max: 8 }),
});

function mutate(
  base: Buffer,
  edits: { at: number; kind: string; byte: number; len: number }[],
): Buffer {
  let buf = base;
  for (const e of edits) {
    const at = e.at % (buf.length + 1);
    const fill = Buffer.alloc(e.len, e.byte);
    if (e.kind === 'insert') buf = Buffer.concat([buf.subarray(0, at), fill, buf.subarray(at)]);
    else if (e.kind === 'delete')
      buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + e.len)]);
    else buf = Buffer.concat([buf.subarray(0, at), fill, buf.subarray(at + e.len)]);
  }
  return buf;
}

describe('fuzz: nothing throws', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(() => exercise(Buffer.from(bytes))).not.toThrow();
      }),
      { numRuns: 400 },
    );
  });

  it('random mutations of a valid INVITE', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (edits) => {
        expect(() => exercise(mutate(VALID, edits))).not.toThrow();
      }),
      { numRuns: 1500 },
    );
  });

  it('random printable header lines', () => {
    const line = fc.string({
      unit: fc.constantFrom(...[...'abcVia:;,<>"\\@ =/sip2.0UDP']),
      maxLength: 60,
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const data = wire(['OPTIONS sip:a@b SIP/2.0', ...lines]);
        expect(() => exercise(data)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
