/**
 * Blind transfer with baresip softphones, each in the network namespace the test creates: Alice
 * (101) calls the receptionist (100), who answers and transfers her with baresip's `/transfer` to
 * Bruno (102); then the other way round, Alice (the caller) transfers the receptionist. The PBX
 * re-INVITEs the party transferred to carry its media itself (it went phone to phone), rings
 * Bruno, bridges the two, and hangs up on the transferor; the two left hear each other's tone
 * through the PBX. Nothing is left afterwards, media included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaLayer } from '../../src/media/media-layer.js';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';
import { listCalls } from '../../src/store/call-history-repository.js';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import { Baresip, createNetns } from './baresip.js';
import type { Netns } from './baresip.js';
import { TEST_TIMERS, expectQuietMedia, startTestPbx } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
  ],
};

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The last `seconds` of what a phone heard (`-dec`). */
function heardLast(phone: Baresip, seconds: number): Int16Array {
  const file = phone.recordings().find((f) => f.endsWith('-dec.wav'));
  if (file === undefined) throw new Error(`no recording in ${phone.dir}`);
  const samples = decodeWavTo8kMono(readFileSync(file));
  return samples.subarray(Math.max(0, samples.length - seconds * 8000));
}

describe('blind transfer between baresip softphones', () => {
  let netns: Netns;
  let t: TestPbx & { media: MediaLayer };
  const phones: Baresip[] = [];
  beforeAll(async () => {
    netns = createNetns();
    const started = await startTestPbx(
      DIRECTORY,
      undefined,
      TEST_TIMERS,
      undefined,
      netns.hostAddress,
    );
    const { media } = attachCallHandling(started.pbx, { t1: TEST_TIMERS.t1, t2: TEST_TIMERS.t2 });
    t = { ...started, media };
  });
  // Each test's phones quit (unregistering) before the next test registers the same extensions.
  afterEach(() => {
    for (const p of phones.splice(0)) p.remove();
  });
  afterAll(async () => {
    await t?.remove();
    netns?.remove();
  });

  it('the receptionist transfers Alice to Bruno with /transfer; they hear each other', async () => {
    const pbx = `${netns.hostAddress}:${t.port}`;
    const alice = await Baresip.forExtension(netns, t.port, '101', {
      source: join(FIXTURES, 'tone-440.wav'),
    });
    phones.push(alice);
    const receptionist = await Baresip.forExtension(netns, t.port, '100');
    phones.push(receptionist);
    const bruno = await Baresip.forExtension(netns, t.port, '102', {
      source: join(FIXTURES, 'tone-1000.wav'),
    });
    phones.push(bruno);

    await alice.command('dial', `sip:100@${pbx}`);
    await receptionist.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await alice.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await new Promise((r) => setTimeout(r, 500));
    await receptionist.command('transfer', `sip:102@${pbx}`);
    await bruno.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await receptionist.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
    await new Promise((r) => setTimeout(r, 2500));
    await alice.command('hangup');
    await bruno.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
    await expectQuietMedia(t);

    const brunoHeard = heardLast(bruno, 2);
    expect(rms(brunoHeard)).toBeGreaterThan(1000);
    expect(toneRatio(brunoHeard, 440)).toBeGreaterThan(0.8);
    const aliceHeard = heardLast(alice, 2);
    expect(toneRatio(aliceHeard, 1000)).toBeGreaterThan(0.8);
    // History writes are asynchronous: the transferred call's line, with its outcome, within 5 s.
    const line = async () =>
      (await listCalls(t.db, { limit: 5 })).find(
        (c) => c.trace[0]?.code === 'transferred' && c.outcome !== null,
      );
    let transferred = await line();
    for (let i = 0; i < 250 && transferred === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      transferred = await line();
    }
    expect(transferred).toMatchObject({ called: '102', answeredBy: '102', outcome: 'answered' });
    expect(transferred?.trace[0]).toMatchObject({ extension: '100', target: '102' });
  });

  it('the caller transfers: Alice passes the receptionist to Bruno with /transfer', async () => {
    const pbx = `${netns.hostAddress}:${t.port}`;
    const alice = await Baresip.forExtension(netns, t.port, '101');
    phones.push(alice);
    const receptionist = await Baresip.forExtension(netns, t.port, '100', {
      source: join(FIXTURES, 'tone-440.wav'),
    });
    phones.push(receptionist);
    const bruno = await Baresip.forExtension(netns, t.port, '102', {
      source: join(FIXTURES, 'tone-1000.wav'),
    });
    phones.push(bruno);

    await alice.command('dial', `sip:100@${pbx}`);
    await receptionist.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await alice.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await new Promise((r) => setTimeout(r, 500));
    await alice.command('transfer', `sip:102@${pbx}`);
    await bruno.waitFor((e) => e.type === 'CALL_ESTABLISHED', 5000);
    await alice.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
    await new Promise((r) => setTimeout(r, 2500));
    await bruno.command('hangup');
    await receptionist.waitFor((e) => e.type === 'CALL_CLOSED', 5000);
    await expectQuietMedia(t);

    expect(toneRatio(heardLast(bruno, 2), 440)).toBeGreaterThan(0.8);
    expect(toneRatio(heardLast(receptionist, 2), 1000)).toBeGreaterThan(0.8);
  });
});
