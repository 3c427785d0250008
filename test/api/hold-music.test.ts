/**
 * Admin: music-on-hold tracks over the real HTTP app and a real SQLite file: an uploaded WAV is
 * stored converted and listed, played back, read by the PBX in order, removed; bad uploads are
 * refused in French and English with nothing written; users get 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { HoldMusicRepository } from '../../src/store/hold-music-repository.js';
import { ensureBuilt } from '../e2e/harness.js';
import { as, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

interface Track {
  id: number;
  name: string;
  durationMs: number;
  addedAt: number;
}

/** Two seconds of a 523 Hz tone as 44.1 kHz 16-bit stereo: what a desktop recorder saves. */
function desktopWav(seconds = 2): Buffer {
  const rate = 44_100;
  const left = new Int16Array(rate * seconds);
  for (let i = 0; i < left.length; i++)
    left[i] = Math.round(8000 * Math.sin((2 * Math.PI * 523 * i) / rate));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(2, rate, '16', [left, left]);
  return Buffer.from(wav.toBuffer());
}

describe('admin: music on hold', () => {
  let h: Harness;
  let alice: Login;
  let bruno: Login;
  const folder = () => join(h.dataDir, 'hold-music');
  const filesOnDisk = () => (existsSync(folder()) ? readdirSync(folder()) : []);
  const upload = (who: Login, query: string, payload: Buffer, type = 'audio/wav') =>
    h.app.inject({
      method: 'POST',
      url: `/api/admin/hold-music${query}`,
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': type },
      payload,
    });
  const list = async () =>
    ((await as(h.app, bruno)('GET', '/api/admin/hold-music')).json() as { tracks: Track[] }).tracks;

  beforeAll(async () => {
    // Uploaded recordings are converted by a worker that runs from the build.
    await ensureBuilt();
    h = await startHarness();
    alice = await login(h.app, '101', 'change-me-101');
    bruno = await login(h.app, '102', 'change-me-102');
  }, 300_000);
  afterAll(async () => h.close());

  it('has no track at first: the built-in melody plays', async () => {
    expect(await list()).toEqual([]);
    expect(await new HoldMusicRepository(h.db, h.dataDir).files()).toEqual([]);
  });

  it('stores uploads as 8 kHz 16-bit mono, lists them in order, plays them back', async () => {
    const first = await upload(bruno, '?name=Vivaldi%20(libre)', desktopWav(2));
    expect(first.statusCode).toBe(201);
    const track = first.json() as Track;
    expect(track).toMatchObject({ name: 'Vivaldi (libre)' });
    expect(Math.abs(track.durationMs - 2000)).toBeLessThan(5);
    const second = await upload(bruno, '?name=Jazz', desktopWav(1));
    expect(second.statusCode).toBe(201);
    expect((await list()).map((t) => t.name)).toEqual(['Vivaldi (libre)', 'Jazz']);

    // What the PBX plays, in order: the converted files, nothing else in the folder.
    const files = await new HoldMusicRepository(h.db, h.dataDir).files();
    expect(files).toHaveLength(2);
    expect(filesOnDisk().sort()).toEqual(files.map((f) => f.split('/').at(-1)).sort());
    const stored = new wavefile.WaveFile(readFileSync(files[0] as string));
    const fmt = stored.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
    expect(fmt).toMatchObject({ numChannels: 1, sampleRate: 8000, bitsPerSample: 16 });
    const samples = decodeWavTo8kMono(readFileSync(files[0] as string), 'stored track');
    expect(Math.abs(samples.length - 16_000)).toBeLessThanOrEqual(2);

    const audio = await as(h.app, bruno)('GET', `/api/admin/hold-music/${track.id}/audio`);
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.rawPayload.equals(readFileSync(files[0] as string))).toBe(true);
  });

  it('removes a track with its file; an unknown one is 404', async () => {
    const [first, second] = await list();
    const del = await as(h.app, bruno)('DELETE', `/api/admin/hold-music/${first?.id}`);
    expect(del.statusCode).toBe(204);
    expect((await list()).map((t) => t.id)).toEqual([second?.id]);
    expect(filesOnDisk()).toHaveLength(1);
    const again = await as(h.app, bruno)('DELETE', `/api/admin/hold-music/${first?.id}?lang=en`);
    expect(again.statusCode).toBe(404);
    expect(again.json().message).toBe(`There is no music-on-hold track number "${first?.id}".`);
    for (const id of ['0', 'abc', '..%2F..%2Frenvoi.db']) {
      expect((await as(h.app, bruno)('GET', `/api/admin/hold-music/${id}/audio`)).statusCode).toBe(
        404,
      );
    }
  });

  it('refuses a bad file or name, in French and in English, writing nothing', async () => {
    const before = await list();
    const onDisk = filesOnDisk();
    const fr = await upload(bruno, '?name=Radio', Buffer.from('MP3? no.'));
    expect(fr.statusCode).toBe(400);
    expect(fr.json()).toMatchObject({
      error: 'invalid',
      message:
        'Ce fichier n’est pas un enregistrement WAV lisible : envoyez un fichier .wav (PCM, µ-law ou A-law).',
    });
    const en = await upload(bruno, '?name=Radio&lang=en', Buffer.from('RIFF'));
    expect(en.statusCode).toBe(400);
    expect(en.json().message).toBe(
      'This file is not a readable WAV recording: send a .wav file (PCM, µ-law or A-law).',
    );
    const empty = new wavefile.WaveFile();
    empty.fromScratch(1, 8000, '16', []);
    const silent = await upload(bruno, '?name=Rien&lang=en', Buffer.from(empty.toBuffer()));
    expect(silent.statusCode).toBe(400);
    expect(silent.json().message).toMatch(/^Music on hold must last more than an instant/);
    const unnamed = await upload(bruno, '', desktopWav(1));
    expect(unnamed.statusCode).toBe(400);
    // The message names the field at fault.
    expect(unnamed.json().message).toBe(
      'name : Donnez un nom à cette musique (de 1 à 80 caractères, sans retour à la ligne).',
    );
    const long = await upload(bruno, `?name=${'x'.repeat(81)}&lang=en`, desktopWav(1));
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toMatch(
      /^name\W+Give this music a name \(1 to 80 characters, on one line\)\.$/,
    );
    const mp3 = await upload(bruno, '?name=Radio', Buffer.from('ID3'), 'audio/mpeg');
    expect(mp3.statusCode).toBe(415);
    expect(await list()).toEqual(before);
    expect(filesOnDisk()).toEqual(onDisk);
  });

  it('is for admins only: 403 for a user on every endpoint', async () => {
    const [track] = await list();
    const user = as(h.app, alice);
    for (const response of [
      await user('GET', '/api/admin/hold-music'),
      await user('GET', `/api/admin/hold-music/${track?.id}/audio`),
      await upload(alice, '?name=Mine', desktopWav(1)),
      await user('DELETE', `/api/admin/hold-music/${track?.id}`),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        error: 'forbidden',
        message: 'Cette page est réservée aux administrateurs.',
      });
    }
    expect(await list()).toHaveLength(1);
  });
});
