/**
 * Reflection and amplification (issue 14, point 5), with bare UDP sockets against a running PBX:
 * a Via `maddr` does not aim responses at a third address unless a trunk sent it, and requests
 * nobody ACKs get one answer each, not a train of Timer G retransmissions.
 */
import { createSocket } from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delay } from '../sip/transport/net-fixtures.js';
import { TEST_TIMERS, eventually, expectQuiet, startCallPbx, udpPeer } from './harness.js';
import type { Datagram, TestPbx } from './harness.js';

const EXTENSIONS = [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }];
/** Timer H (64·T1): after it the PBX sends nothing more for a transaction. */
const TIMER_H = 64 * TEST_TIMERS.t1;

/** A UDP socket on a loopback address of its own, recording what it receives. */
async function socketOn(address: string): Promise<{
  port: number;
  received: Datagram[];
  close(): Promise<void>;
}> {
  const socket = createSocket('udp4');
  const received: Datagram[] = [];
  socket.on('message', (message, from) =>
    received.push({ text: message.toString('utf8'), at: performance.now(), from }),
  );
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return {
    port: socket.address().port,
    received,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function request(
  method: 'OPTIONS' | 'INVITE',
  pbxPort: number,
  via: string,
  callId = randomUUID(),
  branch = `z9hG4bK-${randomUUID()}`,
): string {
  return [
    `${method} sip:101@127.0.0.1:${pbxPort} SIP/2.0`,
    `Via: ${via};branch=${branch}`,
    'Max-Forwards: 70',
    // The From claims an extension: the PBX challenges it (407) and nobody ever answers that.
    `From: <sip:101@127.0.0.1>;tag=${randomUUID().slice(0, 8)}`,
    `To: <sip:101@127.0.0.1>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    'Contact: <sip:101@127.0.0.1>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const isResponse = (d: Datagram): boolean => d.text.startsWith('SIP/2.0 ');
const isFinal = (d: Datagram): boolean => /^SIP\/2\.0 [2-6]\d\d /.test(d.text);

describe('Via maddr (RFC 3261 §18.2.2) is no reflection vector', () => {
  let t: TestPbx;
  let trunk: Awaited<ReturnType<typeof udpPeer>>;
  beforeAll(async () => {
    trunk = await udpPeer();
    t = await startCallPbx({
      extensions: EXTENSIONS,
      trunks: [{ name: 'carrier', host: '127.0.0.1', port: trunk.port }],
    });
  });
  afterAll(async () => {
    await t.remove();
    await trunk.close();
  });

  it('answers an unknown source where it is, not at the maddr it names', async () => {
    const victim = await socketOn('127.0.0.2');
    const attacker = await udpPeer();
    try {
      // Without maddr the response would go to the source (rport asked); maddr names the victim.
      const via = `SIP/2.0/UDP 127.0.0.1:${victim.port};rport;maddr=127.0.0.2`;
      for (const method of ['OPTIONS', 'INVITE'] as const) {
        attacker.send(request(method, t.port, via), {
          address: '127.0.0.1',
          port: t.port,
          family: 'IPv4',
          size: 0,
        });
      }
      await eventually(
        () => attacker.received.filter(isFinal).length >= 2,
        'the answers at the source',
      );
      await delay(TIMER_H + 200);
      expect(victim.received).toEqual([]);
      await expectQuiet(t);
    } finally {
      await victim.close();
      await attacker.close();
    }
  });

  it('still honours maddr from a trusted trunk', async () => {
    const target = await socketOn('127.0.0.2');
    try {
      const via = `SIP/2.0/UDP 127.0.0.1:${target.port};maddr=127.0.0.2`;
      trunk.send(request('OPTIONS', t.port, via), {
        address: '127.0.0.1',
        port: t.port,
        family: 'IPv4',
        size: 0,
      });
      await eventually(() => target.received.length >= 1, 'the answer at the trunk maddr');
      expect(target.received[0]?.text).toMatch(/^SIP\/2\.0 200 /);
      await expectQuiet(t);
    } finally {
      await target.close();
    }
  });
});

describe('no response amplification toward sources that never complete a transaction', () => {
  let t: TestPbx;
  beforeAll(async () => {
    t = await startCallPbx({ extensions: EXTENSIONS });
  });
  afterAll(async () => {
    await t.remove();
  });

  it('100 INVITEs never ACKed get about 100 responses, not 11 each', async () => {
    const attacker = await udpPeer();
    try {
      const via = `SIP/2.0/UDP 127.0.0.1:${attacker.port};rport`;
      const to = { address: '127.0.0.1', port: t.port, family: 'IPv4' as const, size: 0 };
      for (let i = 0; i < 100; i++) attacker.send(request('INVITE', t.port, via), to);
      await eventually(() => attacker.received.filter(isFinal).length >= 100, '100 answers');
      // Every transaction reaches Timer H, so anything Timer G would send has been sent.
      await delay(TIMER_H + 300);
      await expectQuiet(t);
      const responses = attacker.received.filter(isResponse);
      const finals = responses.filter(isFinal);
      // One final answer per INVITE (a 100 Trying may precede it on a slow machine).
      expect(finals.length).toBe(100);
      expect(new Set(finals.map((d) => /^Call-ID: (.*)$/m.exec(d.text)?.[1])).size).toBe(100);
      expect(responses.length).toBeLessThanOrEqual(200);
    } finally {
      await attacker.close();
    }
  });

  it('a retransmitted INVITE gets the same single answer again', async () => {
    const attacker = await udpPeer();
    try {
      const via = `SIP/2.0/UDP 127.0.0.1:${attacker.port};rport`;
      const to = { address: '127.0.0.1', port: t.port, family: 'IPv4' as const, size: 0 };
      const invite = request('INVITE', t.port, via);
      attacker.send(invite, to);
      await eventually(() => attacker.received.filter(isFinal).length >= 1, 'the first answer');
      attacker.send(invite, to);
      await eventually(() => attacker.received.filter(isFinal).length >= 2, 'the second answer');
      await delay(TIMER_H + 200);
      const finals = attacker.received.filter(isFinal);
      expect(finals).toHaveLength(2);
      expect(finals[1]?.text).toBe(finals[0]?.text);
      await expectQuiet(t);
    } finally {
      await attacker.close();
    }
  });
});
