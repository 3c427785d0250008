/**
 * The "Messages vocaux du système" admin page in real Chromium against a real `renvoi start`: a
 * WAV uploaded through the file input replaces the French `unavailable` prompt on disk (as 8 kHz
 * mono), is played back by the page, and « Rétablir » goes back to the bundled one.
 */
import { existsSync, readFileSync } from 'node:fs';
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

describe('web client: the system prompts page', () => {
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
    'replaces « unavailable » in French by an uploaded WAV, plays it, and restores the original',
    async () => {
      const heading = 'Messages vocaux du système';
      await page.getByRole('navigation').getByRole('link', { name: heading }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      expect(await page.getByLabel('Langue des messages').inputValue()).toBe('fr');
      const item = page.getByRole('listitem', { name: 'unavailable', exact: true });
      await item.getByText('Utilisateur indisponible, redirection vers la boîte vocale.').waitFor();
      expect(await item.locator('.badge').textContent()).toBe('D’origine');
      // Every control of the page has a name a screen reader can say.
      const snapshot = await page.locator('main').ariaSnapshot();
      const unnamed = /^\s*- (textbox|combobox|button|link)\b(?!\s+")/;
      expect(snapshot.split('\n').filter((line) => unnamed.test(line))).toEqual([]);

      // 24 000 samples at 16 kHz (1.5 s), as a desktop recorder might save it: stored at 8 kHz.
      await item.getByLabel('Fichier WAV pour « unavailable »').setInputFiles({
        name: 'indisponible.wav',
        mimeType: 'audio/wav',
        buffer: encodeWav(tone(440, 3000), 16_000),
      });
      const answered = page.waitForResponse((r) => r.request().method() === 'PUT', {
        timeout: 30_000,
      });
      await item.getByRole('button', { name: 'Envoyer' }).click();
      expect((await answered).status()).toBe(204);
      await page
        .getByText('Le message « unavailable » est remplacé par votre enregistrement.')
        .waitFor();
      await item.getByText('Remplacé', { exact: true }).waitFor();

      const stored = join(app.dataDir, 'prompts', 'fr', 'unavailable.wav');
      expect(decodeWavTo8kMono(readFileSync(stored), 'stored prompt').length).toBe(12_000);
      // The sample rate field of the WAV header's fmt chunk, at byte 24.
      expect(readFileSync(stored).readUInt32LE(24)).toBe(8000);
      // The player's address gives the replacement now.
      const src = await item.getByLabel('Écouter « unavailable »').getAttribute('src');
      const played = await page.request.get(new URL(src ?? '', app.url).toString());
      expect(Buffer.from(await played.body()).equals(readFileSync(stored))).toBe(true);

      await item.getByRole('button', { name: 'Rétablir' }).click();
      await page.getByText('Le message « unavailable » est rétabli.').waitFor();
      await item.getByText('D’origine', { exact: true }).waitFor();
      expect(existsSync(stored)).toBe(false);
      expect(problems.list).toEqual([]);
    },
    SLOW,
  );
});
