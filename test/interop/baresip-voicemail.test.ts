/**
 * The walk-through with real softphones: Alice (baresip) calls Bruno (baresip), who does
 * not answer; she leaves a message in his voicemail; Bruno's phone gets message-waiting; he dials
 * *97, types his PIN and hears the message; the lamp goes off. Both phones live in a network
 * namespace the test creates (see baresip.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import { decodeWavTo8kMono, encodeWav } from '../../src/media/wav.js';
import { toneRatio } from '../../src/media/tone-analysis.js';
import type { MediaLayer } from '../../src/media/index.js';
import { Baresip, createNetns } from './baresip.js';
import type { Netns } from './baresip.js';
import { TEST_TIMERS, eventually, expectQuiet, startTestPbx } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  extensions: [
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    {
      number: '102',
      name: 'Bruno Petit',
      password: 'secret-of-102',
      voicemailPin: '4321',
      ringTimeout: 5,
    },
  ],
};

/** A 440 Hz tone long enough to outlast the ringing, the greeting and the message. */
function longTone(path: string, seconds: number): string {
  const pcm = new Int16Array(8000 * seconds);
  for (let i = 0; i < pcm.length; i++)
    pcm[i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  writeFileSync(path, encodeWav(pcm));
  return path;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for an answer the store gives asynchronously, bounded in time. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('voicemail between two baresip softphones', () => {
  let netns: Netns;
  let t: TestPbx;
  let media: MediaLayer;
  const phones: Baresip[] = [];
  beforeAll(async () => {
    netns = createNetns();
    t = await startTestPbx(DIRECTORY, undefined, TEST_TIMERS, undefined, netns.hostAddress);
    ({ media } = attachCallHandling(t.pbx, { t1: TEST_TIMERS.t1, t2: TEST_TIMERS.t2 }));
  });
  afterAll(async () => {
    for (const p of phones) p.remove();
    await t?.remove();
    netns?.remove();
  });

  it('leaves a message, lights the lamp, plays it back with *97, and turns the lamp off', async () => {
    const bruno = await Baresip.forExtension(netns, t.port, '102', { answer: 'manual', mwi: true });
    phones.push(bruno);
    const alice = await Baresip.forExtension(netns, t.port, '101', {
      source: longTone(join(t.dataDir, 'alice-tone.wav'), 60),
    });
    phones.push(alice);
    const pbx = `${netns.hostAddress}:${t.port}`;

    // Bruno's phone rings for his 5 s ring timeout; then the PBX answers with his voicemail.
    await alice.command('dial', `sip:102@${pbx}`);
    await bruno.waitFor((e) => e.type === 'CALL_INCOMING', 5000);
    await alice.waitFor((e) => e.type === 'CALL_ESTABLISHED', 15_000);
    const recording = async () =>
      (await t.pbx.voicemail.list('102')).length > 0 ||
      (
        await t.db
          .selectFrom('voicemail_message')
          .select('id')
          .where('state', '=', 'recording')
          .execute()
      ).length > 0;
    await until(recording, 'the greeting and beep to end and the recording to start', 20_000);
    await sleep(3000);
    await alice.command('hangup');

    await until(
      async () => (await t.pbx.voicemail.counts('102')).newCount === 1,
      'the message to be stored',
      10_000,
    );
    const [message] = await t.pbx.voicemail.list('102');
    if (message === undefined) throw new Error('no message');
    const stored = decodeWavTo8kMono(readFileSync(message.path));
    expect(stored.length / 8000).toBeGreaterThan(2.5);
    expect(stored.length / 8000).toBeLessThan(3.6);
    expect(toneRatio(stored, 440)).toBeGreaterThan(0.7);

    // Message-waiting reaches Bruno's phone.
    await bruno.waitFor(
      (e) => e.type === 'MWI_NOTIFY' && /Messages-Waiting:\s*yes/i.test(String(e.param)),
      10_000,
    );

    // *97: the PIN, then the message plays (it is heard to its end, so it becomes saved).
    await bruno.command('dial', `sip:*97@${pbx}`);
    await bruno.waitFor(
      (e) => e.type === 'CALL_ESTABLISHED' && String(e.peeruri).includes('*97'),
      10_000,
    );
    await sleep(2500);
    await bruno.command('sndcode', '4321#');
    await until(
      async () => (await t.pbx.voicemail.counts('102')).newCount === 0,
      'the message to be heard',
      40_000,
    );
    await bruno.command('hangup');
    await bruno.waitFor(
      (e) => e.type === 'MWI_NOTIFY' && /Messages-Waiting:\s*no/i.test(String(e.param)),
      10_000,
    );
    await expectQuiet(t);
    await eventually(() => media.openSessions === 0, 'every RTP session to be closed', 5000);

    // What Bruno heard on the *97 call holds Alice's tone.
    const heard = bruno
      .recordings()
      .filter((f) => f.endsWith('-dec.wav'))
      .map((f) => decodeWavTo8kMono(readFileSync(f)));
    const best = Math.max(...heard.map((pcm) => bestToneWindow(pcm, 440)));
    expect(best).toBeGreaterThan(0.7);
  }, 120_000);
});

/** The highest 440 Hz share over one-second windows: the message is one part of the call. */
function bestToneWindow(pcm: Int16Array, hz: number): number {
  let best = 0;
  for (let start = 0; start + 8000 <= pcm.length; start += 4000) {
    best = Math.max(best, toneRatio(pcm.subarray(start, start + 8000), hz));
  }
  return best;
}
