/**
 * A phone behind a NAT (issue 9 §2): baresip on a private LAN whose router masquerades it
 * (nftables, in namespaces of the test's own). Its Contact names its private address, which the
 * PBX cannot reach; the PBX reaches it where its REGISTER came from (RFC 3581), through the NAT's
 * binding, and carries its media, sending it where the phone's RTP comes from (symmetric RTP).
 * A phone on the PBX's other network calls it: the call connects and each hears the other. The
 * PBX keeps the NAT's binding open with OPTIONS.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import { Baresip, createNetns } from '../interop/baresip.js';
import type { Netns } from '../interop/baresip.js';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import { TEST_TIMERS, expectQuiet, lastCall, startTestPbx } from '../interop/harness.js';
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
    t = await startTestPbx(DIRECTORY, undefined, TEST_TIMERS, undefined, '0.0.0.0', {
      natKeepaliveMs: 1000,
    });
    attachCallHandling(t.pbx, { t1: TEST_TIMERS.t1, t2: TEST_TIMERS.t2 });
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

  it('keeps the NAT binding open: OPTIONS every interval reach the phone through it, and only it', async () => {
    const [bruno, alice] = phones;
    if (bruno === undefined || alice === undefined) throw new Error('the call test runs first');
    const pings = (phone: Baresip) => traced(phone, /^OPTIONS sip:/).length;
    const before = pings(bruno);
    await new Promise((r) => setTimeout(r, 2500));
    expect(pings(bruno) - before).toBeGreaterThanOrEqual(2);
    // To the Contact it registered (its private address), sent where its REGISTER came from.
    expect(traced(bruno, /^OPTIONS sip:102[^@]*@192\.168\.77\.2:/).length).toBe(pings(bruno));
    // Alice is not behind a NAT: nothing to keep open.
    expect(alice.output).not.toMatch(/^OPTIONS sip:/m);
  }, 10_000);
});
