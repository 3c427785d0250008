/**
 * Issue 9's failing story: a PBX listening on every address (the default) of a machine with two
 * networks, a baresip phone on each (each in a namespace of the test's own, joined to this one by
 * its own veth link, with no route to the other). Before, the PBX wrote one address for the whole
 * machine in its Contact and SDP, which the phones could not reach: the ACK never came and the
 * call dropped. Now each phone is given the address it reaches the PBX at, and since the phones
 * cannot reach each other the PBX carries their media: the call holds and each hears the other.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import { Baresip, createNetns } from '../interop/baresip.js';
import type { Netns } from '../interop/baresip.js';
import { TEST_TIMERS, expectQuiet, lastCall, startCallPbx } from '../interop/harness.js';
import type { TestPbx } from '../interop/harness.js';
import { heard, traced } from './netns.js';

const DIRECTORY = {
  extensions: [
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
  ],
};

const FIXTURES = join(import.meta.dirname, '..', 'interop', 'fixtures');

describe('a PBX on every address, a phone on each of two networks', () => {
  let lanA: Netns;
  let lanB: Netns;
  let t: TestPbx;
  const phones: Baresip[] = [];
  beforeAll(async () => {
    lanA = createNetns();
    lanB = createNetns();
    t = await startCallPbx(DIRECTORY, TEST_TIMERS, undefined, '0.0.0.0');
  });
  afterAll(async () => {
    for (const p of phones) p.remove();
    await t?.remove();
    lanA?.remove();
    lanB?.remove();
  });

  it('gives each phone its own network address in Contact and SDP; the call holds, audio both ways', async () => {
    const alice = await Baresip.forExtension(lanA, t.port, '101', {
      source: join(FIXTURES, 'tone-440.wav'),
      trace: true,
    });
    phones.push(alice);
    const bruno = await Baresip.forExtension(lanB, t.port, '102', {
      source: join(FIXTURES, 'tone-1000.wav'),
      trace: true,
    });
    phones.push(bruno);

    await alice.command('dial', `sip:102@${lanA.hostAddress}:${t.port}`);
    await bruno.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await alice.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    // Longer than the 2xx retransmissions last without an ACK at these timers (64·T1).
    await new Promise((r) => setTimeout(r, 3000));
    expect(alice.events.some((e) => e.type === 'CALL_CLOSED')).toBe(false);

    // The 200 OK Alice received names the PBX on her network, in its Contact and its SDP; the
    // INVITE Bruno received, on his.
    const [ok] = traced(alice, /^SIP\/2\.0 200 OK[\s\S]*CSeq: \d+ INVITE/);
    expect(ok).toContain(`Contact: <sip:renvoi@${lanA.hostAddress}:${t.port}>`);
    expect(ok).toContain(`c=IN IP4 ${lanA.hostAddress}`);
    const [invite] = traced(bruno, /^INVITE sip:/);
    expect(invite).toMatch(new RegExp(`Via: SIP/2\\.0/UDP ${lanB.hostAddress}:${t.port};`));
    expect(invite).toContain(`Contact: <sip:renvoi@${lanB.hostAddress}:${t.port}>`);
    expect(invite).toContain(`c=IN IP4 ${lanB.hostAddress}`);

    await alice.command('hangup');
    await bruno.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
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
