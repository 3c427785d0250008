/**
 * UDP retransmission of the INVITE the PBX sends a phone (RFC 3261 §17.1.1.2): timed against a
 * bare socket, and answered by SIPp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OUTSIDE_CALLERS,
  TEST_TIMERS,
  eventually,
  expectQuiet,
  finalStatus,
  phone,
  registerContact,
  sipp,
  startCallPbx,
  udpPeer,
} from './harness.js';
import type { Datagram, TestPbx } from './harness.js';

const DIRECTORY = {
  ...OUTSIDE_CALLERS,
  extensions: [{ number: '100', name: 'Secrétariat', password: 'secret-of-100' }],
};

/** A response to `request` (a SIP request as text), with `status` and a To tag of ours. */
function respond(request: string, status: string): string {
  const lines = request.split('\r\n');
  const copied = lines.filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l));
  const to = lines.find((l) => /^To:/i.test(l)) ?? '';
  return [`SIP/2.0 ${status}`, ...copied, `${to};tag=phone`, 'Content-Length: 0', '', ''].join(
    '\r\n',
  );
}

describe('Timer A: the INVITE to a silent phone is retransmitted at T1, 2·T1, 4·T1', () => {
  const T1 = 100;
  let t: TestPbx;
  beforeAll(async () => {
    t = await startCallPbx(DIRECTORY, { ...TEST_TIMERS, t1: T1, t2: 4 * T1 });
  });
  afterAll(async () => {
    await t.remove();
  });

  it('sends copies 100, 200 and 400 ms apart (±50 ms)', { timeout: 15_000 }, async () => {
    const silent = await udpPeer();
    try {
      await registerContact(t, '100', silent.port);
      const invites = (): Datagram[] => silent.received.filter((d) => d.text.startsWith('INVITE '));
      const caller = sipp(t, 'uac.xml', ['-s', '100', '-key', 'caller', '0491000000']);
      await eventually(() => invites().length >= 4, 'four copies of the INVITE', 3000);
      const copies = invites().slice(0, 4);
      // Retransmissions, not new requests: one transaction, one branch.
      const branches = new Set(copies.map((c) => /branch=([^;\s]+)/.exec(c.text)?.[1]));
      expect(branches.size).toBe(1);
      const intervals = copies.slice(1).map((c, i) => c.at - (copies[i]?.at ?? 0));
      [T1, 2 * T1, 4 * T1].forEach((expected, i) =>
        expect(
          Math.abs((intervals[i] ?? 0) - expected),
          `interval ${i}: ${intervals[i]} ms`,
        ).toBeLessThanOrEqual(50),
      );
      // Busy ends the ring step; the voicemail step that follows answers the call.
      const first = copies[0];
      if (first === undefined) throw new Error('no INVITE');
      silent.send(respond(first.text, '486 Busy Here'), first.from);
      const done = await caller;
      expect(done.code, done.stdout + done.stderr).toBe(0);
      expect(finalStatus(done.messages)).toBe(200);
      await eventually(
        () => silent.received.some((d) => d.text.startsWith('ACK ')),
        'the ACK for our 486',
      );
      // The REGISTER transactions wait out Timer J (64·T1) too.
      await expectQuiet(t, 64 * T1 + 2000);
    } finally {
      await silent.close();
    }
  });
});

describe('a phone that misses the first INVITE answers a retransmission (SIPp)', () => {
  let t: TestPbx;
  beforeAll(async () => {
    t = await startCallPbx(DIRECTORY);
  });
  afterAll(async () => {
    await t.remove();
  });

  it('connects the call', async () => {
    // -nr: SIPp would otherwise take the copy for a retransmission and never match the 2nd recv.
    const callee = await phone(t, '100', 'uas-late.xml', ['-nr']);
    const caller = await sipp(t, 'uac.xml', ['-s', '100', '-key', 'caller', '0491000000']);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const answered = await callee.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    const received = answered.messages.match(/^INVITE /gm) ?? [];
    expect(received.length).toBeGreaterThanOrEqual(2);
    await expectQuiet(t);
  });
});
