/**
 * Fuzzing of the SIP parser and validator, the SDP reader and the offer check at the edge: random
 * bytes, mutations of the corpus in fuzz-corpus/ (seeds, and minimised crashers once found), and
 * properties on the numbers an SDP carries. Bounded for CI (a few seconds);
 * RENVOI_FUZZ_SCALE=100 runs a hundred times more when hunting.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SdpError, buildAnswer, parseRemoteSdp } from '../../src/media/sdp.js';
import { offerProblem } from '../../src/pbx/calls/offer-check.js';
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

const SCALE = Math.max(1, Number(process.env.RENVOI_FUZZ_SCALE ?? 1) || 1);
const runs = (n: number): number => n * SCALE;
/** Per property: a scaled run takes that much longer. */
const BOUND = { timeout: 20_000 * SCALE };

const CORPUS = join(import.meta.dirname, 'fuzz-corpus');

/** A corpus file as sent: LF line ends become CRLF, `Content-Length: auto` the body's length. */
function seed(path: string): Buffer {
  const text = readFileSync(path, 'utf8').replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  const body = split < 0 ? '' : text.slice(split + 4);
  return Buffer.from(
    text.replace(/^Content-Length: auto$/m, `Content-Length: ${Buffer.byteLength(body)}`),
  );
}

function corpus(ext: string): { name: string; data: Buffer }[] {
  return [ext.slice(1), 'crashers'].flatMap((dir) =>
    readdirSync(join(CORPUS, dir))
      .filter((name) => name.endsWith(ext))
      .map((name) => ({ name: `${dir}/${name}`, data: seed(join(CORPUS, dir, name)) })),
  );
}

const SIP_SEEDS = corpus('.sip');
const SDP_SEEDS = corpus('.sdp');

const LOCAL = { address: '192.0.2.10', port: 20000, sessionId: '1', sessionVersion: 0 };

/**
 * An SDP is either refused with an `SdpError` or read with every number in range; an answer
 * built to it reads back. Anything else thrown is a crasher.
 */
function exerciseSdp(text: string): void {
  let remote;
  try {
    remote = parseRemoteSdp(text);
  } catch (error) {
    if (error instanceof SdpError) return;
    throw error;
  }
  for (const port of [remote.port, remote.rtcpPort]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${port}`);
  }
  const types = [...remote.codecs.map((c) => c.payloadType), remote.telephoneEventPt ?? 0];
  if (types.some((pt) => !Number.isInteger(pt) || pt < 0 || pt > 127)) {
    throw new Error(`payload types ${types.join(' ')}`);
  }
  for (const address of [remote.address, remote.rtcpAddress]) {
    if (isIP(address) === 0 && !/^[a-z0-9.-]+$/i.test(address)) throw new Error(address);
  }
  try {
    parseRemoteSdp(buildAnswer(text, LOCAL).sdp);
  } catch (error) {
    if (!(error instanceof SdpError) || error.code !== 'no-common-codec') throw error;
  }
}

function exercise(data: Buffer): void {
  const r = parseMessage(data);
  if (!r.ok && r.error.reason.startsWith('internal')) throw new Error(r.error.reason);
  if (r.ok) {
    checkValidation(r.message);
    checkValidation(r.message, { role: 'proxy', responseContentTypes: ['application/sdp'] });
    serializeMessage(r.message);
    if (r.message.kind === 'request' && r.message.body.length > 0) {
      // The edge: what the router runs on every new INVITE, trusted or not.
      offerProblem(r.message, false);
      offerProblem(r.message, true);
      exerciseSdp(r.message.body.toString('utf8'));
    }
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
  it('random bytes', BOUND, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(() => exercise(Buffer.from(bytes))).not.toThrow();
      }),
      { numRuns: runs(400) },
    );
  });

  it('random mutations of a valid INVITE', BOUND, () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (edits) => {
        expect(() => exercise(mutate(VALID, edits))).not.toThrow();
      }),
      { numRuns: runs(1500) },
    );
  });

  it('random printable header lines', BOUND, () => {
    const line = fc.string({
      unit: fc.constantFrom(...[...'abcVia:;,<>"\\@ =/sip2.0UDP']),
      maxLength: 60,
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const data = wire(['OPTIONS sip:a@b SIP/2.0', ...lines]);
        expect(() => exercise(data)).not.toThrow();
      }),
      { numRuns: runs(500) },
    );
  });
});

describe('fuzz: the corpus', () => {
  it('has seeds of both kinds', () => {
    expect(SIP_SEEDS.length).toBeGreaterThanOrEqual(8);
    expect(SDP_SEEDS.length).toBeGreaterThanOrEqual(5);
  });

  it.each(SIP_SEEDS)('replays $name', ({ data }) => {
    expect(() => exercise(data)).not.toThrow();
  });

  it.each(SDP_SEEDS)('replays $name', ({ data }) => {
    expect(() => exerciseSdp(data.toString('utf8'))).not.toThrow();
  });

  it('random mutations of every SIP seed', BOUND, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SIP_SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (s, edits) => {
          expect(() => exercise(mutate(s.data, edits))).not.toThrow();
        },
      ),
      { numRuns: runs(1000) },
    );
  });

  it('random mutations of every SDP seed', BOUND, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SDP_SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (s, edits) => {
          expect(() => exerciseSdp(mutate(s.data, edits).toString('latin1'))).not.toThrow();
        },
      ),
      { numRuns: runs(1000) },
    );
  });

  it('numbers of the SDP seeds replaced by any number', BOUND, () => {
    const number = fc.oneof(
      fc.integer({ min: -2, max: 70_000 }),
      fc.constantFrom(0, 1, 127, 128, 65534, 65535, 65536, 2 ** 31, 2 ** 53, 1e21),
      fc.stringMatching(/^0{0,3}[0-9]{1,22}$/),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...SDP_SEEDS),
        fc.array(number, { minLength: 1, maxLength: 40 }),
        (s, numbers) => {
          let i = 0;
          const text = s.data
            .toString('utf8')
            .replace(/\d+/g, (n) => String(numbers[i++ % numbers.length] ?? n));
          expect(() => exerciseSdp(text)).not.toThrow();
        },
      ),
      { numRuns: runs(1000) },
    );
  });
});

describe('property: the numbers of an offer', () => {
  const offer = (port: string, rtcp: string | null, pt: string, ptime: string) =>
    [
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.5',
      's=-',
      'c=IN IP4 192.0.2.5',
      't=0 0',
      `m=audio ${port} RTP/AVP 0 ${pt}`,
      `a=rtpmap:${pt} telephone-event/8000`,
      ...(rtcp === null ? [] : [`a=rtcp:${rtcp}`]),
      `a=ptime:${ptime}`,
      '',
    ].join('\r\n');
  const digits = fc.oneof(fc.nat({ max: 200_000 }).map(String), fc.stringMatching(/^[0-9]{1,12}$/));

  it('is accepted exactly when every port, payload type and ptime is in range', BOUND, () => {
    fc.assert(
      fc.property(digits, fc.option(digits), digits, digits, (port, rtcp, pt, ptime) => {
        const p = Number(port);
        const r = rtcp === null ? p + 1 : Number(rtcp);
        const inRange =
          p >= 1 &&
          p <= 65535 &&
          r >= 1 &&
          r <= 65535 &&
          Number(pt) <= 127 &&
          Number(ptime) >= 1 &&
          Number(ptime) <= 1000;
        let accepted = true;
        try {
          parseRemoteSdp(offer(port, rtcp, pt, ptime));
        } catch (error) {
          expect(error).toBeInstanceOf(SdpError);
          accepted = false;
        }
        expect(accepted).toBe(inRange);
      }),
      { numRuns: runs(500) },
    );
  });
});
