/**
 * The web client speaks the browser's language, French or English, until the user chooses one:
 * real Chromium with its locale set to en-US, fr-FR and de-DE (a language the client does not
 * speak) against a real `renvoi start`; the choice made on the login page then outlives a reload.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PageProblems, ROOT, ensureBuilt, launchBrowser, startRenvoi } from './harness.js';
import type { RunningRenvoi } from './harness.js';
import type { BrowserDocument } from './dom.js';

declare const document: BrowserDocument & { documentElement: { lang: string } };

const SLOW = 120_000;

describe('the language of the web client', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8'));
    browser = await launchBrowser();
  }, SLOW);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await app?.stop();
  });

  async function open(locale: string): Promise<{ page: Page; problems: PageProblems }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale });
    contexts.push(context);
    const page = await context.newPage();
    const problems = new PageProblems(page);
    await page.goto(app.url);
    return { page, problems };
  }

  const pageLanguage = (page: Page) => page.evaluate(() => document.documentElement.lang);

  it(
    'is English in an English browser, the server’s words included',
    async () => {
      const { page, problems } = await open('en-US');
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      expect(await pageLanguage(page)).toBe('en');
      await page.getByLabel('Extension').fill('101');
      await page.getByLabel('Password').fill('change-me-101');
      problems.loggedIn();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation').getByRole('link', { name: 'Call history' }).waitFor();
      // Worded by the API, in the language the client asked for.
      await page.getByText('Extension 100, voicemail box').first().waitFor();
      expect(problems.list).toEqual([]);
    },
    SLOW,
  );

  it(
    'is French in a French browser, and in a browser whose language it does not speak',
    async () => {
      for (const locale of ['fr-FR', 'de-DE']) {
        const { page, problems } = await open(locale);
        await page.getByRole('heading', { name: 'Connexion', level: 1 }).waitFor();
        expect({ locale, lang: await pageLanguage(page) }).toEqual({ locale, lang: 'fr' });
        expect(problems.list).toEqual([]);
      }
    },
    SLOW,
  );

  it(
    'keeps the language the user chose over the browser’s, after a reload too',
    async () => {
      const { page, problems } = await open('en-US');
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      await page.getByLabel('Language').selectOption('fr');
      await page.getByRole('heading', { name: 'Connexion', level: 1 }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Connexion', level: 1 }).waitFor();
      expect(await pageLanguage(page)).toBe('fr');
      expect(problems.list).toEqual([]);
    },
    SLOW,
  );
});
