/**
 * The exception form by keyboard alone, every control with an accessible name on every page, and
 * a rule to a mobile number that was removed: kept, and shown broken on the list (design §4).
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
import type { BrowserDocument, BrowserElement } from './dom.js';

declare const document: BrowserDocument;

const SLOW = 120_000;

interface ExtensionDoc {
  number: string;
  role?: string;
  mobile?: string;
  exceptions?: { callerId: string; action: Record<string, unknown> }[];
}

function startingDocument(): string {
  const doc = parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as {
    extensions: ExtensionDoc[];
  };
  for (const ext of doc.extensions) if (ext.number === '100') ext.role = 'admin';
  return stringify(doc);
}

/** What the focused element is, in words a test can compare. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (el === null || el === document.body) return 'body';
    return el.getAttribute('data-keyboard-id') ?? '';
  });
}

/**
 * Form controls without an accessible name, from the accessibility tree as a screen reader gets
 * it (Playwright's ARIA snapshot): a control line without a quoted name is unlabelled.
 */
async function unnamedControls(page: Page): Promise<string[]> {
  const snapshot = await page.locator('body').ariaSnapshot();
  const control =
    /^\s*- (textbox|combobox|checkbox|radio|button|switch|spinbutton|slider|listbox|searchbox|link)\b(?!\s+")/;
  return snapshot.split('\n').filter((line) => control.test(line));
}

describe('web client: the exception form by keyboard, labels, a removed mobile', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  const exported = () =>
    (
      JSON.parse(renvoi(['export', '--data', app.dataDir, '--format', 'json'])) as {
        extensions: ExtensionDoc[];
      }
    ).extensions.find((e) => e.number === '101');
  const items = () => page.getByTestId('exception');

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(startingDocument());
    browser = await launchBrowser();
    ({ page, problems } = await frenchPage(browser));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  afterEach(() => {
    expect(problems.list).toEqual([]);
  });

  it(
    'reaches every control of the form with Tab, and saves with Enter',
    async () => {
      await signIn(page, problems, app.url, '101');
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => items().count()).toBe(3);
      await page.getByRole('button', { name: 'Ajouter une exception' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Exception à la règle' }).waitFor();
      // The caller-ID field has the focus when the form opens.
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('name')))
        .toBe('callerId');
      await page.keyboard.type('05*');

      const form = page.locator('form.exception-form');
      // Numbered once each, from a count kept on the form: controls that appear later (periods,
      // the extension picker) get new numbers, not those of the controls after them.
      const mark = () =>
        form.evaluate((f: BrowserElement) => {
          let n = Number(f.getAttribute('data-marked') ?? '0');
          for (const el of f.querySelectorAll('input, select, textarea, button, summary')) {
            if (!el.hasAttribute('data-keyboard-id'))
              el.setAttribute('data-keyboard-id', `c${n++}`);
          }
          f.setAttribute('data-marked', String(n));
        });
      const reachable = () =>
        form.evaluate((f: BrowserElement) =>
          [...f.querySelectorAll('input, select, textarea, button, summary')]
            .filter((el) => {
              const disabled = el.disabled === true;
              return !disabled && el.getClientRects().length > 0;
            })
            .map((el) => el.getAttribute('data-keyboard-id') ?? ''),
        );

      const reached = new Set<string>();
      const visit = async () => {
        await mark();
        reached.add(await focused(page));
      };
      await visit();
      const label = (name: string) => page.getByLabel(name, { exact: true });
      /** The focused control's label, tag and type, read without waiting for anything. */
      const focusedControl = () =>
        page.evaluate(() => {
          const el = document.activeElement;
          return {
            tag: el?.tagName.toLowerCase() ?? '',
            label: (el?.labels?.[0]?.textContent ?? el?.textContent ?? '').trim(),
          };
        });
      let saveReached = false;
      // Bounded: the form has fewer than 60 stops.
      for (let step = 0; step < 60 && !saveReached; step++) {
        await page.keyboard.press('Tab');
        await visit();
        const control = await focusedControl();
        if (control.tag === 'select' && control.label === 'Heures') {
          // Typing picks an option of a closed list, as with a real keyboard.
          await page.keyboard.type('Heures sp');
          await page.getByRole('group', { name: 'Période 1' }).waitFor();
        } else if (control.tag === 'select' && control.label === 'Transférer à') {
          await page.keyboard.type('Num');
          await label('Extension').waitFor();
        } else if (control.tag === 'select' && control.label === 'Extension') {
          // "Secrétariat (100)"
          await page.keyboard.type('Sec');
        } else if (control.tag === 'summary') {
          await page.keyboard.press('Enter');
          await page.getByRole('checkbox', { name: 'Exception active' }).waitFor();
        }
        saveReached = control.tag === 'button' && control.label === 'Sauvegarder';
      }
      expect(saveReached).toBe(true);
      // Annuler, after Sauvegarder.
      await page.keyboard.press('Tab');
      await visit();
      expect(await focusedControl()).toEqual({ tag: 'button', label: 'Annuler' });
      await mark();
      const all = await reachable();
      expect(all.length).toBeGreaterThan(15);
      expect(all.filter((id) => !reached.has(id))).toEqual([]);
      expect(await label('Transférer à').inputValue()).toBe('extension');
      expect(await label('Extension').inputValue()).toBe('100');

      // Back to a text field, Enter submits the form.
      await label('De').focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => items().count(), { timeout: 30_000 }).toBe(4);
      const saved = exported()?.exceptions?.[3];
      expect(saved).toMatchObject({
        callerId: '05*',
        hours: 'specific',
        action: { type: 'extension', target: '100' },
      });
    },
    SLOW,
  );

  it(
    'Escape closes the delete dialog, deletes nothing and gives the focus back',
    async () => {
      const remove = page.getByRole('button', { name: "Supprimer l'exception 4" });
      await remove.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Supprimer cette exception ?' });
      await dialog.waitFor();
      // The safe choice has the focus.
      expect(
        await dialog
          .getByRole('button', { name: 'Annuler' })
          .evaluate((b) => b === document.activeElement),
      ).toBe(true);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(await items().count()).toBe(4);
      expect(await remove.evaluate((b) => b === document.activeElement)).toBe(true);
      // And by keyboard to the end: Tab to Supprimer, Enter.
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await expect.poll(() => items().count(), { timeout: 30_000 }).toBe(3);
    },
    SLOW,
  );

  it(
    'gives every control an accessible name, on every page',
    async () => {
      const pages = [
        ['#/exceptions', 'Exceptions'],
        ['#/exceptions/new', 'Exception à la règle'],
        ['#/status', 'Statut'],
        ['#/tester', 'Testeur'],
        ['#/voicemail', 'Messagerie vocale'],
        ['#/history', 'Historique des appels'],
        ['#/contacts', 'Contacts'],
      ] as const;
      for (const [route, heading] of pages) {
        await page.goto(`${app.url}/${route}`);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        expect({ route, unnamed: await unnamedControls(page) }).toEqual({ route, unnamed: [] });
      }
      // The form with every part shown: periods, the extension picker, more options.
      await page.goto(`${app.url}/#/exceptions/new`);
      await page.getByLabel('Heures', { exact: true }).selectOption('specific');
      await page.getByLabel('Transférer à').selectOption('extension');
      await page.locator('summary').click();
      expect(await unnamedControls(page)).toEqual([]);
      // And the admin pages.
      const admin = await browser.newContext({
        viewport: { width: 1280, height: 860 },
        locale: 'fr-FR',
      });
      const adminPage = await admin.newPage();
      const adminProblems = new PageProblems(adminPage);
      await signIn(adminPage, adminProblems, app.url, '100');
      for (const [route, heading] of [
        ['#/admin/extensions', 'Extensions'],
        ['#/admin/ring-groups', "Groupes d'appel"],
        ['#/admin/trunks', 'Lignes (trunks) et numéros entrants'],
        ['#/admin/office-hours', 'Heures de bureau et jours fériés'],
        ['#/admin/outbound', "Politique d'appels sortants"],
        ['#/admin/prompts', 'Messages vocaux du système'],
        ['#/admin/mail', 'E-mail de la messagerie'],
        ['#/admin/import-export', 'Import/Export'],
      ] as const) {
        await adminPage.getByRole('navigation').getByRole('link', { name: heading }).click();
        await adminPage.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await adminPage.waitForLoadState('networkidle');
        expect({ route, unnamed: await unnamedControls(adminPage) }).toEqual({
          route,
          unnamed: [],
        });
      }
      await admin.close();
      expect(adminProblems.list).toEqual([]);
    },
    SLOW,
  );

  it(
    'lets Alice remove her mobile: the rule to it stays, marked broken, and Mon mobile is off',
    async () => {
      await page.goto(`${app.url}/#/status`);
      const mobile = page.getByLabel('Mon numéro de mobile');
      await mobile.fill('');
      await mobile.press('Enter');
      await page.getByText('Numéro de mobile enregistré.').waitFor({ timeout: 30_000 });
      expect(exported()?.mobile).toBeUndefined();
      expect(exported()?.exceptions?.[2]?.action).toEqual({ type: 'mobile', bounce: true });

      await page.getByRole('navigation').getByRole('link', { name: 'Exceptions' }).click();
      const broken = items().nth(2);
      await expect
        .poll(() => broken.locator('.warnings').textContent(), { timeout: 30_000 })
        .toContain('101, exception 3 est cassée : aucun numéro de mobile n’est renseigné.');
      // The warning is part of the rule's description for a screen reader.
      const described = await broken.getAttribute('aria-describedby');
      expect(await page.locator(`[id="${described}"]`).textContent()).toContain('cassée');

      // A new rule cannot choose Mon mobile.
      await page.getByRole('button', { name: 'Ajouter une exception' }).click();
      const option = page.getByLabel('Transférer à').locator('option', { hasText: 'Mon mobile' });
      expect(await option.isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Annuler' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
    },
    SLOW,
  );
});
