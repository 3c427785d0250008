import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { promptTexts } from '../../src/i18n/catalog/prompts.js';
import { decodeWavTo8kMono } from '../../src/media/wav.js';
import { promptFile } from '../../src/pbx/voicemail/prompt-catalog.js';
import { bundledPromptsDir, loadPromptSources } from '../../src/pbx/voicemail/prompt-sources.js';
import { ensureBuilt } from '../e2e/harness.js';
import { as, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

interface PromptView {
  language: string;
  name: string;
  text: string;
  replaced: boolean;
}

/** One second of a 440 Hz tone as 44.1 kHz 16-bit stereo: what a desktop recorder saves. */
function desktopWav(): Buffer {
  const rate = 44_100;
  const left = new Int16Array(rate);
  for (let i = 0; i < rate; i++)
    left[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(2, rate, '16', [left, left]);
  return Buffer.from(wav.toBuffer());
}

describe('admin: system prompts', () => {
  let h: Harness;
  let alice: Login;
  let bruno: Login;
  const replacement = () => join(h.dataDir, 'prompts', 'fr', 'unavailable.wav');
  const bundled = (lang: string, name: string) =>
    readFileSync(join(bundledPromptsDir(), lang, `${name}.wav`));
  const upload = (who: Login, url: string, payload: Buffer) =>
    h.app.inject({
      method: 'PUT',
      url,
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'audio/wav' },
      payload,
    });
  const list = async () =>
    ((await as(h.app, bruno)('GET', '/api/admin/prompts')).json() as { prompts: PromptView[] })
      .prompts;
  const find = (prompts: PromptView[], language: string, name: string) =>
    prompts.find((p) => p.language === language && p.name === name);

  beforeAll(async () => {
    // Uploaded recordings are converted by a worker that runs from the build.
    await ensureBuilt();
    h = await startHarness();
    alice = await login(h.app, '101', 'change-me-101');
    bruno = await login(h.app, '102', 'change-me-102');
  }, 300_000);
  afterAll(async () => h.close());

  it('lists every prompt of both languages with its catalog text, none replaced at first', async () => {
    const prompts = await list();
    expect(prompts).toHaveLength(promptTexts('fr').size + promptTexts('en').size);
    expect(find(prompts, 'fr', 'unavailable')).toEqual({
      language: 'fr',
      name: 'unavailable',
      text: 'Utilisateur indisponible, redirection vers la boîte vocale.',
      replaced: false,
    });
    expect(find(prompts, 'en', 'number-42')).toMatchObject({ text: '42', replaced: false });
    expect(prompts.every((p) => !p.replaced)).toBe(true);
    const audio = await as(h.app, bruno)('GET', '/api/admin/prompts/fr/unavailable/audio');
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.rawPayload.equals(bundled('fr', 'unavailable'))).toBe(true);
  });

  it('stores an uploaded WAV as 8 kHz 16-bit mono, plays it, and the PBX takes it', async () => {
    const put = await upload(bruno, '/api/admin/prompts/fr/unavailable', desktopWav());
    expect(put.statusCode).toBe(204);

    const stored = new wavefile.WaveFile(readFileSync(replacement()));
    const fmt = stored.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
    expect(fmt).toMatchObject({ numChannels: 1, sampleRate: 8000, bitsPerSample: 16 });
    const samples = decodeWavTo8kMono(readFileSync(replacement()), 'stored prompt');
    expect(Math.abs(samples.length - 8000)).toBeLessThanOrEqual(2);
    expect(Math.max(...samples.slice(100, 1000))).toBeGreaterThan(6000);
    // Written under a temporary name and renamed: nothing else is left in the folder.
    expect(readdirSync(join(h.dataDir, 'prompts', 'fr'))).toEqual(['unavailable.wav']);

    const prompts = await list();
    expect(find(prompts, 'fr', 'unavailable')?.replaced).toBe(true);
    expect(find(prompts, 'en', 'unavailable')?.replaced).toBe(false);
    expect(prompts.filter((p) => p.replaced)).toHaveLength(1);

    const audio = await as(h.app, bruno)('GET', '/api/admin/prompts/fr/unavailable/audio');
    expect(audio.rawPayload.equals(readFileSync(replacement()))).toBe(true);
    const english = await as(h.app, bruno)('GET', '/api/admin/prompts/en/unavailable/audio');
    expect(english.rawPayload.equals(bundled('en', 'unavailable'))).toBe(true);

    // What the PBX reads for each call (call-handling.ts reads the sources at each use).
    expect(promptFile('unavailable', 'fr', loadPromptSources(h.dataDir))).toBe(replacement());
  });

  it('DELETE goes back to the bundled prompt, and again is harmless', async () => {
    expect(existsSync(replacement())).toBe(true);
    for (let i = 0; i < 2; i++) {
      const del = await as(h.app, bruno)('DELETE', '/api/admin/prompts/fr/unavailable');
      expect(del.statusCode).toBe(204);
    }
    expect(existsSync(replacement())).toBe(false);
    expect(find(await list(), 'fr', 'unavailable')?.replaced).toBe(false);
    const audio = await as(h.app, bruno)('GET', '/api/admin/prompts/fr/unavailable/audio');
    expect(audio.rawPayload.equals(bundled('fr', 'unavailable'))).toBe(true);
    expect(promptFile('unavailable', 'fr', loadPromptSources(h.dataDir))).toBe(
      join(bundledPromptsDir(), 'fr', 'unavailable.wav'),
    );
  });

  it('refuses a file that is not a WAV, in French and in English, writing nothing', async () => {
    const fr = await upload(bruno, '/api/admin/prompts/fr/goodbye', Buffer.from('MP3? no.'));
    expect(fr.statusCode).toBe(400);
    expect(fr.json()).toMatchObject({
      error: 'invalid',
      message:
        'Ce fichier n’est pas un enregistrement WAV lisible : envoyez un fichier .wav (PCM, µ-law ou A-law).',
    });
    const en = await upload(bruno, '/api/admin/prompts/fr/goodbye?lang=en', Buffer.from('RIFF'));
    expect(en.statusCode).toBe(400);
    expect(en.json().message).toBe(
      'This file is not a readable WAV recording: send a .wav file (PCM, µ-law or A-law).',
    );
    const empty = new wavefile.WaveFile();
    empty.fromScratch(1, 8000, '16', []);
    const silent = await upload(
      bruno,
      '/api/admin/prompts/fr/goodbye?lang=en',
      Buffer.from(empty.toBuffer()),
    );
    expect(silent.statusCode).toBe(400);
    expect(silent.json().message).toMatch(/more than an instant and at most 120 s/);
    expect(existsSync(join(h.dataDir, 'prompts', 'fr', 'goodbye.wav'))).toBe(false);
  });

  it('answers 404 for an unknown language or prompt, without touching the disk', async () => {
    const cases = [
      ['de', 'unavailable'],
      ['fr', 'no-such-prompt'],
      ['fr', 'number-100'],
      ['fr', '..%2F..%2Fdirectory'],
    ] as const;
    for (const [lang, name] of cases) {
      const audio = await as(h.app, bruno)('GET', `/api/admin/prompts/${lang}/${name}/audio`);
      expect(audio.statusCode, `${lang}/${name}`).toBe(404);
      expect(audio.json().error).toBe('not-found');
      const put = await upload(bruno, `/api/admin/prompts/${lang}/${name}`, desktopWav());
      expect(put.statusCode, `${lang}/${name}`).toBe(404);
      const del = await as(h.app, bruno)('DELETE', `/api/admin/prompts/${lang}/${name}`);
      expect(del.statusCode, `${lang}/${name}`).toBe(404);
    }
    const worded = await as(h.app, bruno)('GET', '/api/admin/prompts/de/goodbye/audio?lang=en');
    expect(worded.json().message).toBe('There is no system prompt "goodbye" in language "de".');
    // Only the folder of the French replacement made and removed earlier.
    expect(readdirSync(join(h.dataDir, 'prompts'), { recursive: true })).toEqual(['fr']);
  });

  it('is for admins only: 403 for a user on every endpoint', async () => {
    const user = as(h.app, alice);
    for (const response of [
      await user('GET', '/api/admin/prompts'),
      await user('GET', '/api/admin/prompts/fr/unavailable/audio'),
      await upload(alice, '/api/admin/prompts/fr/unavailable', desktopWav()),
      await user('DELETE', '/api/admin/prompts/fr/unavailable'),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        error: 'forbidden',
        message: 'Cette page est réservée aux administrateurs.',
      });
    }
    expect(existsSync(replacement())).toBe(false);
  });
});
