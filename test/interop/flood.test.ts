/**
 * Issue 14, point 2: 40 INVITE/s from one address (a raw socket on 127.0.0.2 that never ACKs, to
 * an extension whose voicemail answers) must not make a legitimate authenticated phone's calls
 * fail. The RTP range is kept small (10 pairs) so that a flood holding ports would show. Run with
 * outside SIP calls refused (the default: the flood is challenged and holds nothing) and allowed
 * (the flood gets its per-source share, then 503 with Retry-After).
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { callingAs, eventually, expectQuietMedia, sipp, startVoicePbx } from './harness.js';
import type { TestPbx } from './harness.js';
import type { MediaLayer } from '../../src/media/media-layer.js';

const FLOODER = '127.0.0.2';
const PER_SECOND = 40;
const LEGITIMATE_CALLS = 8;
/** 10 RTP pairs, apart from the other voice tests' ranges. */
const RTP_PORTS = '31400-31419';

const EXTENSIONS = [
  { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
  { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
  { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
];

/** Statuses of every response the flood got, by status line. */
interface Flood {
  sent: number;
  answers: Map<string, number>;
  retryAfter: string[];
  stop(): Promise<void>;
}

/** INVITEs with an SDP offer at `PER_SECOND` to `dialled`, each its own call, never ACKed. */
async function flood(port: number, dialled: string): Promise<Flood> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, FLOODER, resolve));
  const local = socket.address().port;
  const result: Flood = {
    sent: 0,
    answers: new Map(),
    retryAfter: [],
    stop: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
  socket.on('message', (data) => {
    const text = data.toString('utf8');
    const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
    if (status === undefined) return;
    result.answers.set(status, (result.answers.get(status) ?? 0) + 1);
    const retry = /^Retry-After:\s*(\S+)/im.exec(text)?.[1];
    if (status === '503' && retry !== undefined) result.retryAfter.push(retry);
  });
  const sdp = [
    'v=0',
    `o=flood 1 1 IN IP4 ${FLOODER}`,
    's=-',
    `c=IN IP4 ${FLOODER}`,
    't=0 0',
    'm=audio 40000 RTP/AVP 0',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
  const timer = setInterval(() => {
    // Bounded: at most a minute of flood whatever the test does.
    if (result.sent >= PER_SECOND * 60) return;
    const n = result.sent++;
    const invite = [
      `INVITE sip:${dialled}@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${FLOODER}:${local};branch=z9hG4bK-flood-${n}`,
      `From: <sip:0491000000@${FLOODER}>;tag=flood${n}`,
      `To: <sip:${dialled}@127.0.0.1>`,
      `Call-ID: flood-${n}-${Date.now()}@${FLOODER}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:flood@${FLOODER}:${local}>`,
      'Max-Forwards: 70',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    socket.send(invite, port, '127.0.0.1');
  }, 1000 / PER_SECOND);
  return result;
}

describe('a flood of INVITEs from one address', () => {
  let t: (TestPbx & { media: MediaLayer }) | undefined;
  afterEach(async () => {
    await t?.remove();
    t = undefined;
  });

  /** The legitimate phone's calls (101 → 100's voicemail, which needs RTP) during the flood. */
  async function legitimateCalls(pbx: TestPbx): Promise<number> {
    let answered = 0;
    for (let i = 0; i < LEGITIMATE_CALLS; i++) {
      const call = await sipp(pbx, 'uac-auth.xml', callingAs(pbx, '101', '100'));
      if (call.code === 0) answered++;
    }
    return answered;
  }

  it.each([
    ['refused (the default)', {}],
    ['allowed', { outsideCalls: { allow: true } }],
  ])(
    'with outside SIP calls %s, every call of an authenticated phone succeeds',
    { timeout: 120_000 },
    async (mode, settings) => {
      t = await startVoicePbx({ ...settings, extensions: EXTENSIONS }, { rtpPorts: RTP_PORTS });
      const pbx = t;
      const attack = await flood(pbx.port, '102');
      let answered: number;
      try {
        // The flood has filled what it can before the phone calls.
        await new Promise((r) => setTimeout(r, 1000));
        answered = await legitimateCalls(pbx);
      } finally {
        await attack.stop();
      }
      console.info(
        `flood ${mode}: ${attack.sent} INVITEs sent, answers ${JSON.stringify(
          Object.fromEntries(attack.answers),
        )}; legitimate calls answered ${answered}/${LEGITIMATE_CALLS}`,
      );
      expect(answered).toBe(LEGITIMATE_CALLS);
      expect(attack.sent).toBeGreaterThanOrEqual(PER_SECOND * 2);
      if (mode === 'allowed') {
        // Its share (2 at once, 10 a minute), then 503 with Retry-After (RFC 3261 §21.5.4).
        expect(attack.answers.get('503') ?? 0).toBeGreaterThan(0);
        expect(attack.retryAfter.length).toBe(attack.answers.get('503'));
        for (const value of attack.retryAfter) expect(Number(value)).toBeGreaterThan(0);
      } else {
        expect([...attack.answers.keys()].filter((s) => s !== '100' && s !== '407')).toEqual([]);
      }
      await eventually(() => pbx.pbx.stats().calls === 0, 'the flood calls to end', 10_000);
      await expectQuietMedia(pbx);
    },
  );
});
