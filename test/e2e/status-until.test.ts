/**
 * Issue 13 §6 in the web client: a status chosen "for 1 hour" or "until 14:00", shown with when it
 * ends and what comes back, and the user's weekly schedule of statuses shown on the Statut page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import {
  PageProblems,
  ROOT,
  ensureBuilt,
  frenchPage,
  launchBrowser,
  renvoi,
  signIn,
  startRenvoi,
} from './harness.js';
import type { RunningRenvoi } from './harness.js';

const SLOW = 120_000;

interface ExtensionDoc {
  number: string;
  status?: string;
  temporaryStatus?: { status: string; until: string };
  statusSchedule?: unknown[];
}

function startingDocument(): string {
  const doc = parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as {
    extensions: ExtensionDoc[];
  };
  for (const ext of doc.extensions) {
    if (ext.number === '101') {
      ext.statusSchedule = [{ status: 'lunch', periods: { 'mon-fri': ['12:30-14:00'] } }];
    }
  }
  return stringify(doc);
}

describe('web client: a status until a time, and the status schedule', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  const alice = () =>
    (
      JSON.parse(renvoi(['export', '--data', app.dataDir, '--format', 'json'])) as {
        extensions: ExtensionDoc[];
      }
    ).extensions.find((e) => e.number === '101');

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(startingDocument());
    browser = await launchBrowser();
    ({ page, problems } = await frenchPage(browser));
    await signIn(page, problems, app.url, '101');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  afterEach(() => {
    expect(problems.list).toEqual([]);
  });

  it(
    'sets Ne pas déranger for 1 hour: shown with its end, then Disponible; stored as temporary',
    async () => {
      await page.goto(`${app.url}/#/status`);
      await page.getByRole('heading', { name: 'Statut', level: 1 }).waitFor();
      await page.getByText('Planning de statuts (quand vous êtes Disponible)').waitFor();
      expect(await page.locator('.status-schedule li').textContent()).toBe(
        'Déjeuner : Heures spécifiques (lundi, mardi, mercredi, jeudi, vendredi 12:30–14:00)',
      );
      await page.getByLabel('Pendant').selectOption('60');
      const started = Date.now();
      await page.getByRole('radio', { name: 'Ne pas déranger' }).check();
      const state = page.getByTestId('status-state');
      await expect
        .poll(() => state.textContent(), { timeout: 30_000 })
        .toMatch(/^Ne pas déranger jusqu’à .+, puis de nouveau Disponible\.$/);
      expect(await page.getByRole('radio', { name: 'Ne pas déranger' }).isChecked()).toBe(true);
      const stored = alice();
      expect(stored?.status).toBeUndefined();
      expect(stored?.temporaryStatus?.status).toBe('dnd');
      const end = Date.parse(stored?.temporaryStatus?.until ?? '');
      expect(Math.abs(end - (started + 3_600_000))).toBeLessThan(60_000);
      // The state is part of the group's description for a screen reader.
      const group = page.getByRole('group', { name: 'Mon statut' });
      expect(await group.getAttribute('aria-describedby')).toBe(await state.getAttribute('id'));
    },
    SLOW,
  );

  it(
    'until a given time, and back to a status for good',
    async () => {
      await page.getByLabel('Pendant').selectOption('at');
      await page.getByLabel("Jusqu'à", { exact: true }).fill('23:59');
      await page.getByRole('radio', { name: 'Déjeuner' }).check();
      await expect.poll(() => alice()?.temporaryStatus?.status, { timeout: 30_000 }).toBe('lunch');
      const until = new Date(alice()?.temporaryStatus?.until ?? '');
      expect(`${until.getHours()}:${until.getMinutes()}`).toBe('23:59');

      await page.getByLabel('Pendant').selectOption('');
      await page.getByRole('radio', { name: 'Absent' }).check();
      await expect.poll(() => alice()?.status, { timeout: 30_000 }).toBe('away');
      expect(alice()?.temporaryStatus).toBeUndefined();
      await expect.poll(() => page.getByTestId('status-state').count()).toBe(0);
    },
    SLOW,
  );
});
