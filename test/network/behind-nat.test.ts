/**
 * A phone behind a NAT (issue 9 §2): baresip on a private LAN whose router masquerades it
 * (nftables, in namespaces of the test's own). Its Contact names its private address, which the
 * PBX cannot reach; the PBX reaches it where its REGISTER came from (RFC 3581), through the NAT's
 * binding, and carries its media, sending it where the phone's RTP comes from (symmetric RTP).
 * A phone on the PBX's other network calls it: the call connects and each hears the other.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import { Baresip, createNetns } from '../interop/baresip.js';
import type { Netns } from '../interop/baresip.js';
import { TEST_TIMERS, expectQuiet, lastCall, startCallPbx } from '../interop/harness.js';
import type { TestPbx } from '../interop/harness.js';
import { createNat, heard, traced } from './netns.js';
import type { NatNetwork } from './netns.js';

const DIRECTORY = {
  extensions: [
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
  ],
};

const FIXTURES = join(import.meta.dirname, '..', 'interop', 'fixtures');
/** Baresip.forExtension's control port for 102. */
const BRUNO_CONTROL = 4402;

describe('a phone behind a masquerading NAT', () => {
  let office: Netns;
  let nat: NatNetwork;
  let t: TestPbx;
  const phones: Baresip[] = [];
  beforeAll(async () => {
    office = createNetns();
    nat = createNat(BRUNO_CONTROL);
    t = await startCallPbx(DIRECTORY, TEST_TIMERS, undefined, '0.0.0.0');
  });
  afterAll(async () => {
    for (const p of phones) p.remove();
    await t?.remove();
    office?.remove();
    nat?.remove();
  });

  it('registers from behind the NAT, is called through it, and media flows both ways', async () => {
    const bruno = await Baresip.forExtension(nat.phone, t.port, '102', {
      source: join(FIXTURES, 'tone-1000.wav'),
      trace: true,
      controlAddress: nat.publicAddress,
    });
    phones.push(bruno);
    // The binding keeps the private Contact, and where the REGISTER really came from.
    const [binding] = t.pbx.registrar.contactsOf('102');
    expect(binding?.contact).toContain('192.168.77.2');
    expect(binding?.source.address).toBe(nat.publicAddress);

    const alice = await Baresip.forExtension(office, t.port, '101', {
      source: join(FIXTURES, 'tone-440.wav'),
    });
    phones.push(alice);
    await alice.command('dial', `sip:102@${office.hostAddress}:${t.port}`);
    await bruno.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await alice.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await new Promise((r) => setTimeout(r, 2500));
    expect(bruno.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);

    // The INVITE came through the NAT and named the PBX on the link the NAT reaches it by.
    const [invite] = traced(bruno, /^INVITE sip:/);
    expect(invite).toContain(`c=IN IP4 ${nat.phone.hostAddress}`);
    expect(invite).toContain(`Contact: <sip:renvoi@${nat.phone.hostAddress}:${t.port}>`);

    await bruno.command('hangup');
    await alice.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
    await expectQuiet(t);

    const brunoHeard = heard(bruno);
    const aliceHeard = heard(alice);
    expect(rms(brunoHeard)).toBeGreaterThan(1000);
    expect(toneRatio(brunoHeard, 440)).toBeGreaterThan(0.8);
    expect(rms(aliceHeard)).toBeGreaterThan(1000);
    expect(toneRatio(aliceHeard, 1000)).toBeGreaterThan(0.8);
    expect(await lastCall(t)).toMatchObject({ outcome: 'answered', answeredBy: '102' });
  }, 40_000);
});
