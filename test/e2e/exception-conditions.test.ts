/**
 * Issue 13 in the exception form: "Du … au …" (validity dates) and "Appels répétés" (repeat
 * caller), saved to the directory, shown on the list (expired rules marked, not deleted), and bad
 * values named beside their fields.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
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

interface ExceptionDoc {
  callerId: string;
  from?: string;
  until?: string;
  repeat?: { calls: number; minutes: number };
  action: Record<string, unknown>;
}

describe('web client: validity dates and repeat callers in the exception form', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  const exceptions = () =>
    (
      JSON.parse(renvoi(['export', '--data', app.dataDir, '--format', 'json'])) as {
        extensions: { number: string; exceptions?: ExceptionDoc[] }[];
      }
    ).extensions.find((e) => e.number === '101')?.exceptions ?? [];
  const items = () => page.getByTestId('exception');
  const label = (name: string) => page.getByLabel(name, { exact: true });

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8'));
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
    'saves "Du … au …" and "3 appels en 10 minutes", and lists them in words',
    async () => {
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => items().count()).toBe(3);
      await page.getByRole('button', { name: 'Ajouter une exception' }).click();
      await label("Appels de l'ID d'appelant").fill('*');
      await label('Du').fill('2026-12-20');
      await label('Au').fill('2026-12-31');
      await label('Heure de fin (facultative)').fill('18:00');
      await label('Seulement si le même appelant insiste').check();
      // Ticking the box proposes 3 calls in 10 minutes; the user asks for 4 in 15.
      expect(await label("Nombre d'appels").inputValue()).toBe('3');
      await label("Nombre d'appels").fill('4');
      await label('En (minutes)').fill('15');
      await label('Transférer à').selectOption('busy');
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => items().count(), { timeout: 30_000 }).toBe(4);
      expect(exceptions()[3]).toEqual({
        callerId: '*',
        from: '2026-12-20',
        until: '2026-12-31T18:00',
        repeat: { calls: 4, minutes: 15 },
        action: { type: 'busy' },
      });
      expect(await items().nth(3).locator('.summary-hours').textContent()).toBe(
        'à toute heure, du 20/12/2026 au 31/12/2026 18:00, au 4ᵉ appel en 15 min',
      );

      // Opened again, the form shows what was saved.
      await page.getByRole('link', { name: /Modifier l.exception 4/ }).click();
      await page.getByRole('heading', { name: 'Exception à la règle 4' }).waitFor();
      expect(await label('Du').inputValue()).toBe('2026-12-20');
      expect(await label('Heure de fin (facultative)').inputValue()).toBe('18:00');
      expect(await label('En (minutes)').inputValue()).toBe('15');
      // Unticking the box and clearing the dates removes both conditions.
      await label('Seulement si le même appelant insiste').uncheck();
      await label('Du').fill('');
      await label('Au').fill('');
      await label('Heure de fin (facultative)').fill('');
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => exceptions()[3]).toEqual({ callerId: '*', action: { type: 'busy' } });
    },
    SLOW,
  );

  it(
    'names a bad period and a bad count beside their fields, and saves nothing',
    async () => {
      await page.getByRole('link', { name: /Modifier l.exception 4/ }).click();
      await page.getByRole('heading', { name: 'Exception à la règle 4' }).waitFor();
      // A time without its date is caught before sending.
      await label('Heure de début (facultative)').fill('08:00');
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await page.getByText("Indiquez aussi la date, ou effacez l'heure.").waitFor();
      await label('Heure de début (facultative)').fill('');
      // The server refuses an end before the start and a single call.
      await label('Du').fill('2026-12-31');
      await label('Au').fill('2026-12-20');
      await label('Seulement si le même appelant insiste').check();
      await label("Nombre d'appels").fill('1');
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await page
        .getByText('Au : la fin (2026-12-20) doit venir après le début (2026-12-31)')
        .waitFor();
      await page.getByText('Appels répétés : 1 est hors limites (2 à 20)').waitFor();
      problems.expectAndClear(/HTTP 400: PUT .*\/exceptions\/3/);
      problems.expectAndClear(/status of 400/);
      expect(await label('Au').getAttribute('aria-invalid')).toBe('true');
      expect(exceptions()[3]).toEqual({ callerId: '*', action: { type: 'busy' } });
      await page.getByRole('button', { name: 'Annuler' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
    },
    SLOW,
  );

  it(
    'marks a rule whose dates have passed as expired, keeps it, and shows check’s warning',
    async () => {
      await page.getByRole('link', { name: /Modifier l.exception 4/ }).click();
      await page.getByRole('heading', { name: 'Exception à la règle 4' }).waitFor();
      await label('Du').fill('2020-12-20');
      await label('Au').fill('2020-12-31');
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      const expired = items().nth(3);
      await expect.poll(() => expired.locator('.badge.expired').textContent()).toBe('Expirée');
      expect(await expired.locator('.warnings').textContent()).toContain(
        '101, exception 4 (« * ») a expiré : elle valait jusqu’au 31/12/2020',
      );
      expect(exceptions()).toHaveLength(4);
    },
    SLOW,
  );
});
