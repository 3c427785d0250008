/**
 * Issue 13 §4 and §5 in the exception form: which number a forward to the mobile shows, with a
 * warning while the chosen identity is one the trunk refuses (it only accepts its own numbers),
 * and answer confirmation; both saved to the directory and said by the tester, in French and in
 * English.
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

interface ExceptionDoc {
  callerId: string;
  action: Record<string, unknown>;
}

/** The guide, its trunk a carrier that only accepts the company's numbers. */
function startingDocument(): string {
  const doc = parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as {
    trunks: Record<string, unknown>[];
  };
  for (const trunk of doc.trunks) trunk.ownNumbersOnly = true;
  return stringify(doc);
}

describe('web client: caller ID and answer confirmation in the exception form', () => {
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
    'warns while the caller’s number would go to the trunk, saves the choice and the confirmation',
    async () => {
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => items().count()).toBe(3);
      await page.getByRole('button', { name: 'Ajouter une exception' }).click();
      await label("Appels de l'ID d'appelant").fill('04 91 00 00 00');
      await label('Transférer à').selectOption({ label: 'Mon mobile' });
      const warning = page.getByRole('status').filter({ hasText: 'Attention' });
      // No bounce, no choice: the caller's number, which this carrier refuses.
      await warning.waitFor();
      expect(await warning.textContent()).toContain("n'accepte que les numéros de l'entreprise");
      const shown = label('Numéro présenté');
      expect(await shown.getAttribute('aria-describedby')).toBe(await warning.getAttribute('id'));
      // A bounce shows a private number: no warning; untick, then choose the company's number.
      await page.getByRole('checkbox', { name: 'Rebond' }).check();
      await expect.poll(() => warning.count()).toBe(0);
      expect(await shown.locator('option').first().textContent()).toBe('Par défaut (Numéro privé)');
      await page.getByRole('checkbox', { name: 'Rebond' }).uncheck();
      await warning.waitFor();
      await shown.selectOption({ label: "Numéro de l'entreprise" });
      await expect.poll(() => warning.count()).toBe(0);
      await page.getByRole('checkbox', { name: 'Confirmation de réponse' }).check();
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => items().count(), { timeout: 30_000 }).toBe(4);
      expect(exceptions()[3]).toEqual({
        callerId: '04 91 00 00 00',
        action: { type: 'mobile', presentCallerId: 'company', confirm: true },
      });

      // Opened again, the form shows what was saved.
      await page.getByRole('link', { name: /Modifier l.exception 4/ }).click();
      await page.getByRole('heading', { name: 'Exception à la règle 4' }).waitFor();
      expect(await label('Numéro présenté').inputValue()).toBe('company');
      expect(
        await page.getByRole('checkbox', { name: 'Confirmation de réponse' }).isChecked(),
      ).toBe(true);
      await page.getByRole('button', { name: 'Annuler' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
    },
    SLOW,
  );

  it(
    'the tester says which number is shown and that the answer must be confirmed',
    async () => {
      // Put the new rule first, before the guide's rules that may take every caller.
      for (const n of [4, 3, 2]) {
        await page.getByRole('button', { name: `Monter l'exception ${n}` }).click();
        await expect
          .poll(() => exceptions()[n - 2]?.callerId, { timeout: 30_000 })
          .toBe('04 91 00 00 00');
      }
      await page.getByRole('navigation').getByRole('link', { name: 'Testeur' }).click();
      await page.getByRole('heading', { name: 'Testeur', level: 1 }).waitFor();
      await page.getByLabel("Numéro de l'appelant").fill('04 91 00 00 00');
      await page.getByRole('button', { name: 'Tester' }).click();
      const steps = page.locator('.plan li');
      await expect
        .poll(() => steps.allTextContents())
        .toEqual([
          'Appeler le +33611223344 en affichant le numéro de l’entreprise ; la personne qui répond doit appuyer sur 1 pour accepter',
          'Messagerie vocale du 101',
        ]);
      const cli = JSON.parse(
        renvoi([
          'simulate',
          '--data',
          app.dataDir,
          '--to',
          '101',
          '--from',
          '0491000000',
          '--json',
        ]),
      ) as { plan: unknown[] };
      expect(cli.plan[0]).toEqual({
        do: 'dial',
        number: '+33611223344',
        presentation: 'company',
        timeout: null,
        extension: '101',
        confirm: true,
      });
    },
    SLOW,
  );

  it(
    'in English: the tester, the choice and the warning',
    async () => {
      await page.getByLabel('Langue').selectOption('en');
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByRole('button', { name: 'Test' }).click();
      await expect
        .poll(() => page.locator('.plan li').first().textContent())
        .toBe(
          "Call +33611223344 showing the company's number; whoever answers must press 1 to accept",
        );
      await page.getByRole('navigation').getByRole('link', { name: 'Exceptions' }).click();
      await page.getByRole('button', { name: 'Add an exception' }).click();
      await label('Forward to').selectOption({ label: 'My mobile' });
      await page
        .getByRole('status')
        .filter({ hasText: "Warning: the carrier only accepts the company's numbers" })
        .waitFor();
      await label('Caller ID shown').selectOption({ label: 'A private number' });
      await expect
        .poll(() => page.getByRole('status').filter({ hasText: 'Warning' }).count())
        .toBe(0);
      expect(await page.getByRole('checkbox', { name: 'Answer confirmation' }).isChecked()).toBe(
        false,
      );
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByLabel('Language').selectOption('fr');
      await page.getByRole('button', { name: 'Ajouter une exception' }).waitFor();
      expect(exceptions()).toHaveLength(4);
    },
    SLOW,
  );
});
