/**
 * Issue 14, points 1 and 8: hostile SDP in an unauthenticated INVITE, sent from a raw UDP socket
 * as an attacker would, never ACKed.
 *
 * - Against a real `renvoi start` process: `m=audio 65535` (no port left for RTCP), 70000, and
 *   `a=rtcp:65536` to an extension that ends in voicemail made the process exit a few seconds
 *   later (RangeError from the RTCP timer). Each now gets 488 with a Warning 305 saying why, at
 *   once, and the PBX keeps answering: a SIPp call to the same voicemail during the attack and
 *   another after it both complete, and the process still answers OPTIONS and HTTP.
 * - `c=IN IP4 some.name.invalid` made the PBX resolve the name for every RTP packet. From an
 *   unknown peer it is now refused (488, Warning 301) and nothing is resolved; from a trusted
 *   trunk the name is resolved once for the session, however many packets go there.
 * - The error boundary behind the edge: a call whose RTP send throws (what the RTCP timer did) is
 *   ended with a BYE, and the next call goes through.
 */
import dns from 'node:dns';
import { Socket, createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { isIP } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBuilt, startRenvoi } from '../e2e/harness.js';
import type { RunningRenvoi } from '../e2e/harness.js';
import {
  OUTSIDE_CALLERS,
  QUIET_RTP_PORTS,
  RtpPeer,
  eventually,
  expectQuietMedia,
  finalStatus,
  quietPort,
  sippWith,
  startVoicePbx,
  udpPeer,
} from './harness.js';
import type { Datagram, TestPbx } from './harness.js';
import type { MediaLayer } from '../../src/media/media-layer.js';

const DIRECTORY = `
outsideCalls: { allow: true, concurrent: 1000, perMinute: 100000 }
extensions:
  - number: '101'
    name: Alice Martin
    password: 'secret-of-101'
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An unauthenticated INVITE from `from` to extension `to`, with `media` as its SDP's last lines. */
function invite(
  pbxPort: number,
  from: { port: number },
  to: string,
  media: { connection: string; lines: readonly string[] },
): { text: string; callId: string } {
  const callId = `${randomBytes(8).toString('hex')}@attacker`;
  const sdp = [
    'v=0',
    'o=x 1 1 IN IP4 127.0.0.1',
    's=-',
    media.connection,
    't=0 0',
    ...media.lines,
    '',
  ].join('\r\n');
  const text = [
    `INVITE sip:${to}@127.0.0.1:${pbxPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${from.port};branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    'Max-Forwards: 70',
    `From: <sip:0491000000@127.0.0.1:${from.port}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:${to}@127.0.0.1:${pbxPort}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:0491000000@127.0.0.1:${from.port}>`,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
  return { text, callId };
}

/** The first final response the peer received for `callId`. */
function finalFor(received: readonly Datagram[], callId: string): string | undefined {
  return received.find(
    (d) => /^SIP\/2\.0 [2-6]\d\d /.test(d.text) && d.text.includes(`Call-ID: ${callId}`),
  )?.text;
}

/** RFC 3261 §13.2.2.4: the ACK for the 2xx `response` to `request` (both as text). */
function ackFor(request: string, response: string, from: { port: number }): string {
  const header = (text: string, name: string): string =>
    new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1] ?? '';
  const contact = /<([^>]+)>/.exec(header(response, 'Contact'))?.[1] ?? '';
  return [
    `ACK ${contact} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${from.port};branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    'Max-Forwards: 70',
    `From: ${header(request, 'From')}`,
    `To: ${header(response, 'To')}`,
    `Call-ID: ${header(request, 'Call-ID')}`,
    'CSeq: 1 ACK',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The host names (not IP literals: every socket's bind goes through lookup) resolved. */
function namesLookedUp(calls: readonly unknown[][]): unknown[] {
  return calls.map(([name]) => name).filter((name) => typeof name !== 'string' || isIP(name) === 0);
}

const PORT_ATTACKS = [
  { name: 'm=audio 65535', lines: ['m=audio 65535 RTP/AVP 0'], why: /no port for RTCP/ },
  { name: 'm=audio 70000', lines: ['m=audio 70000 RTP/AVP 0'], why: /RTP port 70000/ },
  {
    name: 'a=rtcp:65536',
    lines: ['m=audio 40000 RTP/AVP 0', 'a=rtcp:65536'],
    why: /RTCP port 65536/,
  },
];

describe('hostile ports in an unauthenticated INVITE, against renvoi start', () => {
  let pbx: RunningRenvoi | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    pbx = await startRenvoi(DIRECTORY, { env: { RENVOI_RTP_PORTS: '31400-31599' } });
  }, 120_000);
  afterAll(async () => {
    await pbx?.stop();
  });

  it(
    'each gets 488 with a Warning 305, and legitimate calls to the same voicemail go through',
    { timeout: 60_000 },
    async () => {
      const running = pbx as RunningRenvoi;
      const target = { port: running.sipPort };
      const attacker = await udpPeer();
      try {
        // A legitimate caller leaves the voicemail during the attack (uac.xml: 200, ACK, BYE).
        const during = sippWith(target, 'uac.xml', ['-s', '101', '-key', 'caller', '0491000001']);
        const sent: { callId: string; attack: (typeof PORT_ATTACKS)[number] }[] = [];
        for (const attack of PORT_ATTACKS) {
          const { text, callId } = invite(running.sipPort, attacker, '101', {
            connection: 'c=IN IP4 127.0.0.1',
            lines: attack.lines,
          });
          attacker.send(text, {
            address: '127.0.0.1',
            port: running.sipPort,
            family: 'IPv4',
            size: 0,
          });
          sent.push({ callId, attack });
        }
        await eventually(
          () => sent.every(({ callId }) => finalFor(attacker.received, callId) !== undefined),
          'a final response to every attack',
        );
        // Found by fuzzing: a codec name of digits threw a TypeError while the PBX answered the
        // offer, an unhandled rejection that ended the process. The offer is usable: answered.
        const numeric = invite(running.sipPort, attacker, '101', {
          connection: 'c=IN IP4 127.0.0.1',
          lines: ['m=audio 40000 RTP/AVP 9 0', 'a=rtpmap:9 22/8000'],
        });
        attacker.send(numeric.text, {
          address: '127.0.0.1',
          port: running.sipPort,
          family: 'IPv4',
          size: 0,
        });
        await eventually(
          () => finalFor(attacker.received, numeric.callId) !== undefined,
          'the answer to the numeric codec name',
        );
        expect(finalFor(attacker.received, numeric.callId)).toMatch(/^SIP\/2\.0 200 /);
        for (const { callId, attack } of sent) {
          const response = finalFor(attacker.received, callId) ?? '';
          expect(response, attack.name).toMatch(/^SIP\/2\.0 488 /);
          const warning = /^Warning: (.*)$/m.exec(response)?.[1] ?? '';
          expect(warning, attack.name).toMatch(/^305 \S+ ".*"$/);
          expect(warning, attack.name).toMatch(attack.why);
        }
        const legitimate = await during;
        expect(legitimate.code, legitimate.stdout + legitimate.stderr).toBe(0);
        expect(finalStatus(legitimate.messages)).toBe(200);

        // The crash came from the RTCP timer, 2.5 to 7.5 s after the answer: past that, the PBX
        // is still there and a new call goes through.
        await sleep(7600);
        const after = await sippWith(target, 'uac.xml', [
          '-s',
          '101',
          '-key',
          'caller',
          '0491000002',
        ]);
        expect(after.code, after.stdout + after.stderr).toBe(0);
        expect(finalStatus(after.messages)).toBe(200);
        const options = [
          `OPTIONS sip:127.0.0.1:${running.sipPort} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${attacker.port};branch=z9hG4bKopts1`,
          'Max-Forwards: 70',
          `From: <sip:probe@127.0.0.1:${attacker.port}>;tag=p1`,
          `To: <sip:127.0.0.1:${running.sipPort}>`,
          'Call-ID: options-after-attack',
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        attacker.send(options, {
          address: '127.0.0.1',
          port: running.sipPort,
          family: 'IPv4',
          size: 0,
        });
        await eventually(
          () => finalFor(attacker.received, 'options-after-attack') !== undefined,
          'the answer to OPTIONS',
        );
        expect(finalFor(attacker.received, 'options-after-attack')).toMatch(/^SIP\/2\.0 200 /);
        expect((await fetch(`${running.url}/api/session`)).status).toBeLessThan(500);
      } finally {
        await attacker.close();
      }
    },
  );
});

describe('a host name as the media address', () => {
  let t: TestPbx & { media: MediaLayer };
  let trunkPort: number;
  let trunk: Socket;
  const trunkReceived: Datagram[] = [];
  beforeAll(async () => {
    trunkPort = await quietPort();
    t = await startVoicePbx(
      {
        ...OUTSIDE_CALLERS,
        extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
        trunks: [
          {
            name: 'carrier',
            host: '127.0.0.1',
            port: trunkPort,
            trusted: true,
            inbound: { '0442000000': '101' },
          },
        ],
      },
      { rtpPorts: QUIET_RTP_PORTS, mediaBindAddress: '127.0.0.1' },
    );
    trunk = createSocket('udp4');
    trunk.on('message', (message, from) =>
      trunkReceived.push({ text: message.toString('utf8'), at: performance.now(), from }),
    );
    await new Promise<void>((resolve) => trunk.bind(trunkPort, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => trunk.close(() => resolve()));
    await t.remove();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    syncBuiltinESMExports();
  });
  /** Every `dns.lookup`, however the code imported it (named imports follow after the sync). */
  const spyOnLookup = () => {
    const spy = vi.spyOn(dns, 'lookup');
    syncBuiltinESMExports();
    return spy;
  };

  it(
    'from an unknown peer: 488 with a Warning 301, nothing resolved',
    { timeout: 20_000 },
    async () => {
      const lookup = spyOnLookup();
      const attacker = await udpPeer();
      try {
        const { text, callId } = invite(t.port, attacker, '101', {
          connection: 'c=IN IP4 some.name.invalid',
          lines: ['m=audio 40000 RTP/AVP 0'],
        });
        attacker.send(text, { address: '127.0.0.1', port: t.port, family: 'IPv4', size: 0 });
        await eventually(
          () => finalFor(attacker.received, callId) !== undefined,
          'the final response',
        );
        const response = finalFor(attacker.received, callId) ?? '';
        expect(response).toMatch(/^SIP\/2\.0 488 /);
        expect(response).toMatch(/^Warning: 301 \S+ ".*host name.*"$/m);
        // Long enough for a few dozen packets had the call been answered.
        await sleep(500);
        expect(namesLookedUp(lookup.mock.calls)).toEqual([]);
        await expectQuietMedia(t);
      } finally {
        await attacker.close();
      }
    },
  );

  it(
    'from a trusted trunk: resolved once for the session, not once per packet',
    { timeout: 20_000 },
    async () => {
      const lookup = spyOnLookup();
      const media = await RtpPeer.open();
      try {
        const { text, callId } = invite(t.port, { port: trunkPort }, '0442000000', {
          connection: 'c=IN IP4 localhost',
          lines: [`m=audio ${media.port} RTP/AVP 0`],
        });
        trunk.send(text, t.port, '127.0.0.1');
        await eventually(
          () => finalFor(trunkReceived, callId) !== undefined,
          'the voicemail to answer the trunk',
        );
        const ok = finalFor(trunkReceived, callId) ?? '';
        expect(ok).toMatch(/^SIP\/2\.0 200 /);
        trunk.send(ackFor(text, ok, { port: trunkPort }), t.port, '127.0.0.1');
        // The greeting streams to "localhost" at 50 packets a second.
        await eventually(() => media.heard.length >= 50, 'fifty packets of the greeting', 5000);
        expect(namesLookedUp(lookup.mock.calls)).toEqual(['localhost']);
      } finally {
        await media.close();
      }
    },
  );
});

describe('an error inside a call', () => {
  let t: TestPbx & { media: MediaLayer };
  beforeAll(async () => {
    t = await startVoicePbx(
      {
        ...OUTSIDE_CALLERS,
        extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
      },
      { rtpPorts: QUIET_RTP_PORTS, mediaBindAddress: '127.0.0.1' },
    );
  });
  afterAll(async () => {
    await t.remove();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('ends that call with a BYE; the PBX serves the next call', { timeout: 30_000 }, async () => {
    const caller = await udpPeer();
    const media = await RtpPeer.open();
    // Sending to the caller's RTP port throws, as dgram did for port 65536.
    const send = Socket.prototype.send;
    vi.spyOn(Socket.prototype, 'send').mockImplementation(function (
      this: Socket,
      ...args: unknown[]
    ) {
      if (args[1] === media.port) throw new RangeError('Port should be > 0 and < 65536');
      return Reflect.apply(send, this, args) as undefined;
    });
    try {
      const { text, callId } = invite(t.port, caller, '101', {
        connection: 'c=IN IP4 127.0.0.1',
        lines: [`m=audio ${media.port} RTP/AVP 0`],
      });
      caller.send(text, { address: '127.0.0.1', port: t.port, family: 'IPv4', size: 0 });
      await eventually(() => finalFor(caller.received, callId) !== undefined, 'the answer');
      const ok = finalFor(caller.received, callId) ?? '';
      expect(ok).toMatch(/^SIP\/2\.0 200 /);
      caller.send(ackFor(text, ok, caller), {
        address: '127.0.0.1',
        port: t.port,
        family: 'IPv4',
        size: 0,
      });
      // The greeting's first packet throws: the call is ended from the PBX's side.
      await eventually(
        () => caller.received.some((d) => d.text.startsWith('BYE ') && d.text.includes(callId)),
        'the BYE of the failed call',
      );
      vi.restoreAllMocks();
      const next = await sippWith(t, 'uac.xml', ['-s', '101', '-key', 'caller', '0491000003']);
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(finalStatus(next.messages)).toBe(200);
      await expectQuietMedia(t);
    } finally {
      await media.close();
      await caller.close();
    }
  });
});
