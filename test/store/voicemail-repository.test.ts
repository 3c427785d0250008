import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/data-dir.js';
import type { Db } from '../../src/store/database.js';
import { migrationNames } from '../../src/store/migrations.js';
import {
  VoicemailError,
  VoicemailRepository,
  wavDurationMs,
} from '../../src/store/voicemail-repository.js';
import { repairWav } from '../../src/media/wav.js';
import { tempDir } from './helpers.js';

/** A 16-bit 8 kHz mono WAV header (44 bytes) with the given sizes, and `audioBytes` of audio. */
function wav(audioBytes: number, declared = audioBytes): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + declared, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(declared, 40);
  return Buffer.concat([header, Buffer.alloc(audioBytes, 1)]);
}

describe('voicemail repository (real SQLite)', () => {
  let dir: string;
  let remove: () => void;
  let db: Db;
  let repo: VoicemailRepository;
  let now: number;

  beforeEach(async () => {
    ({ dir, remove } = tempDir('voicemail'));
    db = await openStore(dir);
    now = 1_700_000_000_000;
    repo = new VoicemailRepository(db, dir, () => now);
  });
  afterEach(async () => {
    await db.destroy();
    remove();
  });

  it('appends the voicemail migration after those before it', () => {
    expect(migrationNames().indexOf('0005-voicemail')).toBe(4);
  });

  it('creates a message in state recording, with its folder, when recording starts', async () => {
    const message = await repo.startMessage({
      mailbox: '101',
      callerNumber: '+33612345678',
      callerName: 'Bob',
    });
    expect(message).toMatchObject({
      mailbox: '101',
      callerNumber: '+33612345678',
      callerName: 'Bob',
      receivedAt: now,
      durationMs: 0,
      state: 'recording',
      file: join('voicemail', '101', `${message.id}.wav`),
      path: join(dir, 'voicemail', '101', `${message.id}.wav`),
    });
    expect(existsSync(join(dir, 'voicemail', '101'))).toBe(true);
    expect(await repo.list('101')).toEqual([]);
    expect(await repo.counts('101')).toEqual({ newCount: 0, oldCount: 0 });
  });

  it('finishes a recording into a new message, once', async () => {
    const started = await repo.startMessage({
      mailbox: '101',
      callerNumber: null,
      callerName: null,
    });
    const done = await repo.finishMessage(started.id, 4200);
    expect(done).toMatchObject({ state: 'new', durationMs: 4200 });
    expect(await repo.counts('101')).toEqual({ newCount: 1, oldCount: 0 });
    await expect(repo.finishMessage(started.id, 10)).rejects.toThrow(VoicemailError);
    await expect(repo.finishMessage('nope', 10)).rejects.toThrow(/no message nope/);
    await expect(repo.finishMessage(started.id, -1)).rejects.toThrow(/-1 ms/);
  });

  it('lists new messages first, then saved ones, each oldest first, and counts them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      now += 1000;
      const m = await repo.startMessage({
        mailbox: '101',
        callerNumber: `10${i}`,
        callerName: null,
      });
      await repo.finishMessage(m.id, 2000);
      ids.push(m.id);
    }
    await repo.startMessage({ mailbox: '101', callerNumber: 'still', callerName: null });
    const other = await repo.startMessage({ mailbox: '102', callerNumber: null, callerName: null });
    await repo.finishMessage(other.id, 2000);
    await repo.markSaved(ids[0] ?? '');
    await repo.markSaved(ids[2] ?? '');
    const listed = await repo.list('101');
    expect(listed.map((m) => [m.id, m.state])).toEqual([
      [ids[1], 'new'],
      [ids[3], 'new'],
      [ids[0], 'saved'],
      [ids[2], 'saved'],
    ]);
    expect(await repo.counts('101')).toEqual({ newCount: 2, oldCount: 2 });
    expect(await repo.counts('102')).toEqual({ newCount: 1, oldCount: 0 });
  });

  it('marks saved only a message one can listen to', async () => {
    const recording = await repo.startMessage({
      mailbox: '101',
      callerNumber: null,
      callerName: null,
    });
    await expect(repo.markSaved(recording.id)).rejects.toThrow(/no message .* to save/);
    await repo.finishMessage(recording.id, 1500);
    await repo.markSaved(recording.id);
    await repo.markSaved(recording.id);
    expect((await repo.get(recording.id))?.state).toBe('saved');
  });

  it('deletes a message and its file', async () => {
    const m = await repo.startMessage({ mailbox: '101', callerNumber: null, callerName: null });
    writeFileSync(m.path, wav(16000));
    await repo.finishMessage(m.id, 1000);
    await repo.delete(m.id);
    expect(existsSync(m.path)).toBe(false);
    expect(await repo.get(m.id)).toBeUndefined();
    await expect(repo.delete(m.id)).rejects.toThrow(VoicemailError);
  });

  it('refuses a mailbox that is not an extension number, before touching the disk', async () => {
    await expect(
      repo.startMessage({ mailbox: '../etc', callerNumber: null, callerName: null }),
    ).rejects.toThrow(/"..\/etc" is not a mailbox/);
    expect(() => repo.greetingRecordingPath('a/b')).toThrow(VoicemailError);
  });

  it('keeps the default greeting until a recorded one is committed', async () => {
    expect(await repo.greeting('101')).toBeNull();
    const recording = repo.greetingRecordingPath('101');
    writeFileSync(recording, wav(8000));
    expect(await repo.greeting('101')).toBeNull();
    const path = await repo.commitGreeting('101');
    expect(path).toBe(join(dir, 'voicemail', '101', 'greeting.wav'));
    expect(await repo.greeting('101')).toBe(path);
    expect(existsSync(recording)).toBe(false);

    writeFileSync(recording, wav(4000));
    repo.discardGreetingRecording('101');
    expect(existsSync(recording)).toBe(false);
    expect(readFileSync(path).length).toBe(44 + 8000);
    await expect(repo.commitGreeting('101')).rejects.toThrow(/no greeting recorded/);

    await repo.deleteGreeting('101');
    expect(await repo.greeting('101')).toBeNull();
    expect(existsSync(path)).toBe(false);
  });

  it('falls back to the default greeting when its file has gone', async () => {
    writeFileSync(repo.greetingRecordingPath('101'), wav(8000));
    const path = await repo.commitGreeting('101');
    expect(await repo.greeting('101')).toBe(path);
    rmSync(path);
    expect(await repo.greeting('101')).toBeNull();
  });

  describe('recovering recordings a crash interrupted', () => {
    it('repairs each file, computes its duration from its size and makes it new', async () => {
      const m = await repo.startMessage({ mailbox: '101', callerNumber: '100', callerName: null });
      // As a killed recorder leaves it: sizes in the header still zero, 2.5 s of audio after it.
      writeFileSync(m.path, wav(40000, 0));
      const repaired: string[] = [];
      const report = await repo.recoverInterruptedRecordings((path) => {
        repaired.push(path);
        return Promise.resolve();
      });
      expect(repaired).toEqual([m.path]);
      expect(report).toEqual({ mailboxes: ['101'], failed: [] });
      expect(await repo.get(m.id)).toMatchObject({ state: 'new', durationMs: 2500 });
      expect(await repo.counts('101')).toEqual({ newCount: 1, oldCount: 0 });
    });

    it('survives a reopened store, as after a real restart', async () => {
      const m = await repo.startMessage({ mailbox: '102', callerNumber: null, callerName: null });
      writeFileSync(m.path, wav(24000, 0));
      await db.destroy();
      db = await openStore(dir);
      repo = new VoicemailRepository(db, dir);
      expect((await repo.recoverInterruptedRecordings(repairWav)).mailboxes).toEqual(['102']);
      expect((await repo.list('102')).map((x) => x.durationMs)).toEqual([1500]);
    });

    it('deletes a message with no file, no audio chunk, or too short to keep', async () => {
      const none = { callerNumber: null, callerName: null };
      const noFile = await repo.startMessage({ mailbox: '101', ...none });
      const headless = await repo.startMessage({ mailbox: '101', ...none });
      writeFileSync(headless.path, 'RIFF\0\0\0\0WAVE');
      const short = await repo.startMessage({ mailbox: '103', ...none });
      writeFileSync(short.path, wav(8000, 0));
      const report = await repo.recoverInterruptedRecordings(() => Promise.resolve(), {
        minDurationMs: 1000,
      });
      expect(report).toEqual({ mailboxes: ['101', '103'], failed: [] });
      for (const m of [noFile, headless, short]) expect(await repo.get(m.id)).toBeUndefined();
      expect(existsSync(headless.path)).toBe(false);
      expect(existsSync(short.path)).toBe(false);
    });

    it('leaves a recording whose repair fails as it is, and reports it', async () => {
      const garbage = await repo.startMessage({
        mailbox: '101',
        callerNumber: null,
        callerName: null,
      });
      writeFileSync(garbage.path, 'not a wav at all');
      const report = await repo.recoverInterruptedRecordings(repairWav);
      expect(report.mailboxes).toEqual([]);
      expect(report.failed.map((f) => f.id)).toEqual([garbage.id]);
      expect(report.failed[0]?.error).toBeInstanceOf(Error);
      expect((await repo.get(garbage.id))?.state).toBe('recording');
      expect(existsSync(garbage.path)).toBe(true);
    });

    it("works with the media layer's repairWav on a file cut mid-sample", async () => {
      const m = await repo.startMessage({ mailbox: '101', callerNumber: null, callerName: null });
      writeFileSync(m.path, wav(32001, 0));
      expect((await repo.recoverInterruptedRecordings(repairWav)).mailboxes).toEqual(['101']);
      expect((await repo.get(m.id))?.durationMs).toBe(2000);
      expect(readFileSync(m.path).readUInt32LE(40)).toBe(32000);
    });

    it('leaves finished messages alone', async () => {
      const m = await repo.startMessage({ mailbox: '101', callerNumber: null, callerName: null });
      await repo.finishMessage(m.id, 3000);
      let calls = 0;
      const report = await repo.recoverInterruptedRecordings(() => Promise.resolve(calls++));
      expect(report.mailboxes).toEqual([]);
      expect(calls).toBe(0);
    });
  });
});

describe('wavDurationMs', () => {
  it('reads the byte rate from fmt and counts the bytes after the data header', () => {
    const { dir, remove } = tempDir('wav');
    try {
      const file = join(dir, 'a.wav');
      writeFileSync(file, wav(16000 * 3 + 7, 12));
      expect(wavDurationMs(file)).toBe(3000);
      writeFileSync(file, Buffer.from('RIFF....WAVEdata\0\0\0\0'));
      expect(wavDurationMs(file)).toBeNull();
      writeFileSync(file, '');
      expect(wavDurationMs(file)).toBeNull();
    } finally {
      remove();
    }
  });
});
