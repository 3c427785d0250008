/**
 * Design §5: "A message being recorded when the PBX dies is still there after restart." A real
 * `renvoi start` takes a message from SIPp; it is killed (SIGKILL) mid-recording; started again on
 * the same data directory, the message is there, new, as long as what was recorded, with the
 * caller's tone in it; the call history no longer shows that call in progress (issue 14).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/data-dir.js';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { toneRatio } from '../../src/media/tone-analysis.js';
import { sayer } from '../../src/pbx/voicemail/prompt-catalog.js';
import { loadPromptSources } from '../../src/pbx/voicemail/prompt-sources.js';
import { VoicemailRepository, wavDurationMs } from '../../src/store/voicemail-repository.js';
import { ensureBuilt, startRenvoi } from '../e2e/harness.js';
import type { RunningRenvoi } from '../e2e/harness.js';
import { listCalls } from '../../src/store/call-history-repository.js';
import { sippWith } from './harness.js';

const DIRECTORY = `
outsideCalls: { allow: true }
extensions:
  - number: '101'
    name: Alice Martin
    password: 'secret-of-101'
`;
const TONE_440 = join(import.meta.dirname, 'fixtures', 'voice-tone-440.wav');
/** Apart from the other voice tests' range, so files running side by side do not collide. */
const RTP_PORTS = { RENVOI_RTP_PORTS: '31000-31199' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a recording cut by a crash', () => {
  let first: RunningRenvoi | undefined;
  let second: RunningRenvoi | undefined;
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);
  afterAll(async () => {
    await first?.kill();
    await second?.stop();
  });

  it('is kept, whole and new, when the PBX starts again', { timeout: 90_000 }, async () => {
    first = await startRenvoi(DIRECTORY, { env: RTP_PORTS });
    const { dataDir } = first;
    const say = sayer('fr', loadPromptSources(dataDir));
    const greetingMs =
      say({ prompt: 'greeting', extension: '101' }).reduce(
        (sum, file) => sum + (wavDurationMs(file) ?? 0),
        0,
      ) + 400;

    // SIPp waits out the greeting and the beep, then streams 3 s of 440 Hz.
    const caller = sippWith(
      { port: first.sipPort },
      'voice-deposit.xml',
      ['-s', '101', '-key', 'caller', '0491000000', '-d', String(greetingMs + 600)],
      { files: [TONE_440], timeoutS: 20 },
    );

    // Kill the PBX once about two seconds of the message are on disk.
    const db = await openStore(dataDir);
    let path: string | undefined;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const row = await db
        .selectFrom('voicemail_message')
        .select(['file', 'state'])
        .where('mailbox', '=', '101')
        .executeTakeFirst();
      if (row !== undefined) {
        path = join(dataDir, row.file);
        const bytes = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
        if (bytes > 44 + 2 * 16000) break;
      }
      if (Date.now() > deadline) throw new Error('the recording never reached two seconds');
      await sleep(50);
    }
    await db.destroy();
    await first.kill();
    await caller;

    // The file as the crash left it: its header still says less than it holds.
    const cut = statSync(path).size;
    second = await startRenvoi(DIRECTORY, { dataDir, env: RTP_PORTS });
    const store = await openStore(dataDir);
    try {
      const [message] = await new VoicemailRepository(store, dataDir).list('101');
      expect(message).toMatchObject({ state: 'new', callerNumber: '+33491000000' });
      const samples = decodeWavTo8kMono(readFileSync(message?.path ?? ''));
      const recordedMs = ((cut - 44) / 16000) * 1000;
      expect(samples.length / 8).toBeGreaterThan(recordedMs * 0.9);
      expect(Math.abs((message?.durationMs ?? 0) - samples.length / 8)).toBeLessThan(100);
      expect(toneRatio(samples.subarray(800), 440)).toBeGreaterThan(0.8);
      // The call the kill cut is closed at start, not "in progress" forever.
      const calls = await listCalls(store, { limit: 10 });
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ called: '101', outcome: 'interrupted' });
      expect(calls[0]?.endedAt).toEqual(expect.any(Number));
    } finally {
      await store.destroy();
    }
  });
});
