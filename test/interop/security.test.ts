/**
 * Toll fraud and enumeration, against SIPp and svwar: nobody reaches the trunk without
 * authenticating, the outbound policy holds for those who do, and INVITE scans learn nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callingAs,
  expectQuiet,
  finalStatus,
  runPeer,
  sipp,
  startCallPbx,
  udpPeer,
} from './harness.js';
import type { TestPbx } from './harness.js';

const EXTENSIONS = [
  { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
  { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
];

describe('only authenticated extensions reach the trunk, within the outbound policy', () => {
  let t: TestPbx;
  // A bare socket as the carrier: it answers nothing and records anything the PBX sends it.
  let carrier: Awaited<ReturnType<typeof udpPeer>>;
  beforeAll(async () => {
    carrier = await udpPeer();
    t = await startCallPbx({
      extensions: EXTENSIONS,
      trunks: [{ name: 'carrier', host: '127.0.0.1', port: carrier.port }],
    });
  });
  afterAll(async () => {
    await t.remove();
    await carrier.close();
  });

  it('an unauthenticated caller dialling a mobile gets 407, the trunk nothing', async () => {
    const caller = await sipp(t, 'uac-refused.xml', [
      '-s',
      '0612345678',
      '-key',
      'caller',
      '0491000000',
    ]);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    expect(finalStatus(caller.messages)).toBe(407);
    await expectQuiet(t);
    expect(carrier.received).toEqual([]);
  });

  it('an extension dialling a premium-rate number gets 480, the trunk nothing', async () => {
    const caller = await sipp(t, 'uac-auth-refused.xml', callingAs(t, '101', '0899123456'));
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    // The trunk dialler refuses the number: the plan's only step is unreachable, which is 480.
    expect(finalStatus(caller.messages)).toBe(480);
    await expectQuiet(t);
    expect(carrier.received).toEqual([]);
  });
});

describe('extensions cannot be listed with INVITE (svwar)', () => {
  it('finds no extension among 100-110 although 100 and 101 exist', async () => {
    const t = await startCallPbx({ extensions: EXTENSIONS });
    try {
      const r = await runPeer(
        'svwar',
        ['--force', '-e100-110', '-m', 'INVITE', `udp://127.0.0.1:${t.port}`],
        { timeoutMs: 60_000 },
      );
      const output = r.stdout + r.stderr;
      expect(output).not.toMatch(/\|\s*10[01]\s*\|/);
      expect(output).toMatch(/found nothing|no extensions? found/i);
      await expectQuiet(t);
    } finally {
      await t.remove();
    }
  });
});
