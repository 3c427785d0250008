/**
 * Two baresip softphones, each in the network namespace the test creates, call each other through
 * the PBX: digest registration, the call, and audio end to end in both directions (a call between
 * phones keeps its media between the phones; the PBX only carries the SDP).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import { Baresip, createNetns } from './baresip.js';
import type { Netns } from './baresip.js';
import { TEST_TIMERS, expectQuiet, lastCall, startCallPbx } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  extensions: [
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
  ],
};

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The samples of the heard side of the call (`-dec`), skipping the first half second of set-up. */
function heard(phone: Baresip): Int16Array {
  const file = phone.recordings().find((f) => f.endsWith('-dec.wav'));
  if (file === undefined) throw new Error(`no recording in ${phone.dir}`);
  return decodeWavTo8kMono(readFileSync(file)).subarray(4000);
}

describe('two baresip softphones call each other through the PBX', () => {
  let netns: Netns;
  let t: TestPbx;
  const phones: Baresip[] = [];
  beforeAll(async () => {
    netns = createNetns();
    t = await startCallPbx(DIRECTORY, TEST_TIMERS, undefined, netns.hostAddress);
  });
  afterAll(async () => {
    for (const p of phones) p.remove();
    await t?.remove();
    netns?.remove();
  });

  it('connects 101 to 102, each hears the tone the other sends, and both hang up', async () => {
    const alice = await Baresip.forExtension(netns, t.port, '101', {
      source: join(FIXTURES, 'tone-440.wav'),
    });
    phones.push(alice);
    const bruno = await Baresip.forExtension(netns, t.port, '102', {
      source: join(FIXTURES, 'tone-1000.wav'),
    });
    phones.push(bruno);

    await alice.command('dial', `sip:102@${netns.hostAddress}:${t.port}`);
    await bruno.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await alice.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await new Promise((r) => setTimeout(r, 2000));
    await alice.command('hangup');
    await bruno.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
    await expectQuiet(t);

    const brunoHeard = heard(bruno);
    const aliceHeard = heard(alice);
    expect(brunoHeard.length).toBeGreaterThan(8000);
    expect(rms(brunoHeard)).toBeGreaterThan(1000);
    expect(toneRatio(brunoHeard, 440)).toBeGreaterThan(0.8);
    expect(toneRatio(brunoHeard, 1000)).toBeLessThan(0.1);
    expect(toneRatio(aliceHeard, 1000)).toBeGreaterThan(0.8);
    expect(await lastCall(t)).toMatchObject({ outcome: 'answered', answeredBy: '102' });
  });
});
