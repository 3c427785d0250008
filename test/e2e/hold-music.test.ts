/**
 * The "Musique d'attente" admin page in real Chromium against a real `renvoi start`: the built-in
 * melody is said to play at first; a WAV uploaded through the file input is added (stored as
 * 8 kHz mono, listed with its name and length, played back by the page); a file that is not a
 * WAV is refused in French with nothing added; « Supprimer » removes the track and its file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { decodeWavTo8kMono, encodeWav } from '../../src/media/wav.js';
import {
  PageProblems,
  ROOT,
  ensureBuilt,
  launchBrowser,
  signIn,
  startRenvoi,
  tone,
} from './harness.js';
import type { RunningRenvoi } from './harness.js';

const SLOW = 120_000;

/** The guide with the Secrétariat (100) as admin. */
function startingDocument(): string {
  const doc = parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as {
    extensions: { number: string; role?: string }[];
  };
  const secretary = doc.extensions.find((e) => e.number === '100');
  if (secretary !== undefined) secretary.role = 'admin';
  return stringify(doc);
}

describe('web client: the music-on-hold page', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(startingDocument());
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      locale: 'fr-FR',
    });
    page = await context.newPage();
    problems = new PageProblems(page);
    await signIn(page, problems, app.url, '100');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it(
    'adds an uploaded WAV, plays it, refuses a non-WAV, and removes the track',
    async () => {
      const heading = 'Musique d’attente';
      await page.getByRole('navigation').getByRole('link', { name: heading }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.getByText('Aucune musique envoyée : la mélodie du standard est jouée.').waitFor();
      // Every control of the page has a name a screen reader can say.
      const snapshot = await page.locator('main').ariaSnapshot();
      const unnamed = /^\s*- (textbox|combobox|button|link)\b(?!\s+")/;
      expect(snapshot.split('\n').filter((line) => unnamed.test(line))).toEqual([]);

      // Not a WAV: refused, in French, and nothing is added.
      await page.getByLabel('Fichier WAV').setInputFiles({
        name: 'radio.mp3',
        mimeType: 'audio/wav',
        buffer: Buffer.from('ID3 not a wav'),
      });
      await page.getByRole('button', { name: 'Envoyer' }).click();
      await page
        .getByText(
          'Ce fichier n’est pas un enregistrement WAV lisible : envoyez un fichier .wav (PCM, µ-law ou A-law).',
        )
        .waitFor();
      const folder = join(app.dataDir, 'hold-music');
      expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
      await page.getByText('Aucune musique envoyée : la mélodie du standard est jouée.').waitFor();

      // 3 s at 16 kHz, named on the page: stored at 8 kHz.
      await page.getByLabel('Nom (par défaut, celui du fichier)').fill('Valse');
      await page.getByLabel('Fichier WAV').setInputFiles({
        name: 'valse.wav',
        mimeType: 'audio/wav',
        buffer: encodeWav(tone(523, 6000), 16_000),
      });
      const answered = page.waitForResponse((r) => r.request().method() === 'POST', {
        timeout: 30_000,
      });
      await page.getByRole('button', { name: 'Envoyer' }).click();
      expect((await answered).status()).toBe(201);
      await page.getByText('La musique « Valse » est ajoutée.').waitFor();
      const item = page.getByRole('listitem', { name: 'Valse', exact: true });
      await item.getByText('3 s', { exact: true }).waitFor();

      const files = readdirSync(folder);
      expect(files).toHaveLength(1);
      const stored = join(folder, files[0] as string);
      expect(decodeWavTo8kMono(readFileSync(stored), 'stored track').length).toBe(24_000);
      const src = await item.getByLabel('Écouter « Valse »').getAttribute('src');
      const played = await page.request.get(new URL(src ?? '', app.url).toString());
      expect(Buffer.from(await played.body()).equals(readFileSync(stored))).toBe(true);

      await item.getByRole('button', { name: 'Supprimer « Valse »' }).click();
      await page.getByText('La musique « Valse » est supprimée.').waitFor();
      await page.getByText('Aucune musique envoyée : la mélodie du standard est jouée.').waitFor();
      expect(existsSync(stored)).toBe(false);
      // The one refusal (400 to the non-WAV, which the browser also logs) and nothing else.
      const refused = (p: string) => p.includes('400') && p.includes('/api/admin/hold-music');
      expect(problems.list.filter((p) => !refused(p))).toEqual([]);
      expect(problems.list.filter(refused).length).toBeGreaterThanOrEqual(1);
    },
    SLOW,
  );
});
