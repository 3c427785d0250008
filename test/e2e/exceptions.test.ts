/**
 * The guide's three worked examples set up through the web client, in French, in real Chromium
 * against a real `renvoi start`; the result is read back with `renvoi export` and `renvoi simulate`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import {
  PageProblems,
  ROOT,
  ensureBuilt,
  launchBrowser,
  renvoi,
  screenshotDir,
  startRenvoi,
} from './harness.js';
import type { RunningRenvoi } from './harness.js';

interface ExtensionDoc {
  number: string;
  role?: string;
  exceptions?: unknown[];
  mobile?: string;
}

const GUIDE = parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as {
  extensions: ExtensionDoc[];
  maxExceptions?: number;
};

/** The guide's directory with Alice's exceptions left to create, 100 as admin, a limit of 4. */
function startingDocument(): string {
  const doc = structuredClone(GUIDE);
  doc.maxExceptions = 4;
  for (const ext of doc.extensions) {
    if (ext.number === '101') delete ext.exceptions;
    if (ext.number === '100') ext.role = 'admin';
  }
  return stringify(doc);
}

function exportedExceptions(dataDir: string, number: string): unknown[] {
  const doc = JSON.parse(renvoi(['export', '--data', dataDir, '--format', 'json'])) as {
    extensions: ExtensionDoc[];
  };
  return doc.extensions.find((e) => e.number === number)?.exceptions ?? [];
}

const SLOW = 120_000;

describe('web client: the guide in the browser', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  /** The guide's own document imported into a second data dir: what the form must produce. */
  let reference = '';
  const shots = screenshotDir();

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(startingDocument());
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'fr-FR' });
    page = await context.newPage();
    problems = new PageProblems(page);
    reference = mkdtempSync(join(tmpdir(), 'renvoi-e2e-ref-'));
    renvoi(['import', join(ROOT, 'examples', 'guide.yaml'), '--data', reference]);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (reference !== '') rmSync(reference, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(problems.list).toEqual([]);
  });

  const items = () => page.getByTestId('exception');

  it(
    'opens in French on the login page and signs in',
    async () => {
      await page.goto(app.url);
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr');
      await page.getByRole('heading', { name: 'Connexion' }).waitFor();
      await page.screenshot({ path: join(shots, 'login.png') });
      await page.getByLabel('Extension').fill('101');
      await page.getByLabel('Mot de passe').fill('change-me-101');
      problems.loggedIn();
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Navigation principale' });
      for (const label of [
        'Statut',
        'Exceptions',
        'Messagerie vocale',
        'Historique des appels',
        'Testeur',
      ]) {
        await nav.getByRole('link', { name: label }).waitFor();
      }
      // Alice is no admin: the admin menu is not offered.
      expect(await nav.getByRole('link', { name: 'Import/Export' }).count()).toBe(0);
    },
    SLOW,
  );

  it(
    'creates the first example: 06* 07* to the Secrétariat voicemail, with live chips',
    async () => {
      await page.getByRole('button', { name: 'Ajouter une exception' }).click();
      await page.getByRole('heading', { name: 'Exception à la règle' }).waitFor();
      const callerId = page.getByLabel("Appels de l'ID d'appelant");
      await callerId.fill('06*a');
      // The server's parse names the offending part while typing.
      await page.locator('.field-error .error-part').waitFor();
      await callerId.fill('06* 07*');
      const chips = page.locator('.chips-area .chip-text');
      await expect.poll(() => chips.allTextContents()).toEqual(['06*', '07*']);
      await expect.poll(() => page.locator('.chips-area').textContent()).toContain('+336');

      const forwardTo = page.getByLabel('Transférer à');
      const options = await forwardTo.locator('option').allTextContents();
      expect(options).toEqual([
        'Messagerie vocale',
        "Numéro de l'extension",
        'Extension système',
        'Mon mobile',
        'Numéro externe',
        'Envoyer occupé(e)',
      ]);
      await forwardTo.selectOption({ label: "Numéro de l'extension" });
      await page.getByLabel('Extension', { exact: true }).selectOption('100');
      await page.getByRole('checkbox', { name: 'Messagerie vocale' }).check();
      expect(await page.getByRole('checkbox', { name: 'Rebond' }).count()).toBe(0);
      await page.screenshot({ path: join(shots, 'exception-form.png'), fullPage: true });
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await page.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      await expect.poll(() => items().count()).toBe(1);
      await expect.poll(() => items().first().textContent()).toMatch(/100/);
    },
    SLOW,
  );

  it(
    'creates the second example: every call to my mobile with Rebond',
    async () => {
      await page.getByRole('button', { name: 'Ajouter une exception' }).click();
      await page.getByLabel("Appels de l'ID d'appelant").fill('*');
      await page.getByLabel('Transférer à').selectOption({ label: 'Mon mobile' });
      await page.getByRole('checkbox', { name: 'Rebond' }).check();
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await expect.poll(() => items().count()).toBe(2);
    },
    SLOW,
  );

  it(
    'creates the third example: 06 00 00 00 00 to an external number, the policy error beside the field',
    async () => {
      await page.getByRole('button', { name: 'Ajouter une exception' }).click();
      await page.getByLabel("Appels de l'ID d'appelant").fill('06 00 00 00 00');
      // One number written in groups, not five patterns.
      await expect
        .poll(() => page.locator('.chips-area .chip-text').allTextContents())
        .toEqual(['0600000000']);
      await page.getByLabel('Transférer à').selectOption({ label: 'Numéro externe' });
      const number = page.getByLabel('Numéro externe', { exact: true });
      // A premium-rate number: the outbound policy refuses it and the form says so beside the field.
      await number.fill('08 99 12 34 56');
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      const invalid = page.locator('input[aria-invalid="true"]');
      await invalid.waitFor();
      expect(await invalid.getAttribute('id')).toBe(await number.getAttribute('id'));
      problems.expectAndClear(/400.*\/exceptions/);
      await number.fill('04 42 93 06 98');
      expect(await page.getByRole('checkbox', { name: 'Rebond' }).isChecked()).toBe(false);
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await expect.poll(() => items().count()).toBe(3);
      await page.screenshot({ path: join(shots, 'exceptions.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'reorders by keyboard and by drag, announcing each move',
    async () => {
      // [06* 07*, *, 06 00 00 00 00]: the single number must come first, * last.
      await items().nth(2).getByRole('button', { name: "Monter l'exception 3" }).focus();
      await page.keyboard.press('Alt+ArrowUp');
      await expect
        .poll(() => page.locator('[role="status"][aria-live="polite"]').first().textContent())
        .toContain('position 2 sur 3');
      await expect.poll(() => items().nth(1).textContent()).toContain('0600000000');
      // Focus stays on the moved exception, so the keyboard user can keep moving it.
      await expect.poll(() => items().nth(1).locator(':focus').count()).toBe(1);

      await items().nth(1).locator('.drag-handle').dragTo(items().nth(0));
      await expect.poll(() => items().nth(0).textContent()).toContain('0600000000');

      // And the buttons: down then up again leaves the order as the guide's document has it.
      await page.getByRole('button', { name: "Descendre l'exception 2" }).click();
      await expect.poll(() => items().nth(2).textContent()).toContain('06*');
      await page.getByRole('button', { name: "Monter l'exception 3" }).click();
      await expect.poll(() => items().nth(1).textContent()).toContain('06*');
    },
    SLOW,
  );

  it(
    'explains the limit, and deletes after confirmation',
    async () => {
      await page.getByRole('button', { name: 'Ajouter une exception' }).click();
      await page.getByLabel("Appels de l'ID d'appelant").fill('anonymous');
      await page.getByLabel('Transférer à').selectOption({ label: 'Envoyer occupé(e)' });
      await page.getByRole('button', { name: 'Sauvegarder' }).click();
      await expect.poll(() => items().count()).toBe(4);

      const add = page.getByRole('button', { name: 'Ajouter une exception' });
      expect(await add.isDisabled()).toBe(true);
      const reason = await add.getAttribute('aria-describedby');
      expect(await page.locator(`[id="${reason}"]`).textContent()).toContain(
        'limite de 4 exceptions',
      );

      await page.getByRole('button', { name: "Supprimer l'exception 4" }).click();
      const dialog = page.getByRole('dialog', { name: 'Supprimer cette exception ?' });
      await dialog.waitFor();
      // Cancel first: nothing is deleted.
      await dialog.getByRole('button', { name: 'Annuler' }).click();
      expect(await items().count()).toBe(4);
      await page.getByRole('button', { name: "Supprimer l'exception 4" }).click();
      await dialog.getByRole('button', { name: 'Supprimer' }).click();
      await expect.poll(() => items().count()).toBe(3);
      expect(await add.isDisabled()).toBe(false);
    },
    SLOW,
  );

  it(
    'switches an exception off and on',
    async () => {
      const toggle = page.getByRole('switch', { name: 'Exception 3 active' });
      await toggle.uncheck();
      await expect.poll(() => items().nth(2).getAttribute('class')).toContain('disabled');
      expect(exportedExceptions(app.dataDir, '101')[2]).toMatchObject({ enabled: false });
      await toggle.check();
      await expect.poll(() => items().nth(2).getAttribute('class')).not.toContain('disabled');
    },
    SLOW,
  );

  it(
    'stores exactly the guide document, as renvoi export shows',
    async () => {
      const guide101 = GUIDE.extensions.find((e) => e.number === '101')?.exceptions;
      const expected = JSON.parse(renvoi(['export', '--data', reference, '--format', 'json'])) as {
        extensions: ExtensionDoc[];
      };
      expect(guide101).toHaveLength(3);
      expect(exportedExceptions(app.dataDir, '101')).toEqual(
        expected.extensions.find((e) => e.number === '101')?.exceptions,
      );
    },
    SLOW,
  );

  it(
    'the tester says what will happen, as renvoi simulate decides',
    async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Testeur' }).click();
      await page.getByRole('heading', { name: 'Testeur', level: 1 }).waitFor();
      const cases = [
        { from: '06 00 00 00 00', exception: 0 },
        { from: '+33 7 12 34 56 78', exception: 1 },
        { from: '04 91 00 00 00', exception: 2 },
      ];
      for (const { from, exception } of cases) {
        await page.getByLabel("Numéro de l'appelant").fill(from);
        await page.getByRole('button', { name: 'Tester' }).click();
        const sentence = page.getByTestId('sentence');
        await expect.poll(() => sentence.textContent()).toContain(`Exception ${exception + 1}`);
        const cli = JSON.parse(
          renvoi(['simulate', '--data', app.dataDir, '--to', '101', '--from', from, '--json']),
        ) as { exception: number | null };
        expect(cli.exception).toBe(exception);
      }
      // The last one: bounce to the mobile, in plain words, step by step.
      const steps = await page.locator('.plan li').allTextContents();
      expect(steps[0]).toContain('Veuillez patienter pendant que nous localisons');
      expect(steps[1]).toContain('numéro privé');
      expect(steps.at(-1)).toContain('Messagerie vocale du 101');
      await page.screenshot({ path: join(shots, 'tester.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'switches to English and remembers it',
    async () => {
      await page.getByLabel('Langue').selectOption('en');
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByRole('heading', { name: 'Tester', level: 1 }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Tester', level: 1 }).waitFor();
      await page.getByRole('navigation').getByRole('link', { name: 'Exceptions' }).click();
      await page.getByRole('button', { name: 'Add an exception' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByLabel('Language').selectOption('fr');
      await page.getByRole('button', { name: 'Ajouter une exception' }).waitFor();
    },
    SLOW,
  );

  it(
    'shows the status page and the voicemail inbox',
    async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Statut' }).click();
      await page.getByRole('radio', { name: 'Déjeuner' }).check();
      await page.getByText('Statut : Déjeuner.').waitFor();
      expect(
        (
          JSON.parse(renvoi(['export', '--data', app.dataDir, '--format', 'json'])) as {
            extensions: (ExtensionDoc & { status?: string })[];
          }
        ).extensions.find((e) => e.number === '101')?.status,
      ).toBe('lunch');
      await page.getByRole('radio', { name: 'Disponible' }).check();
      await page.getByText('Statut : Disponible.').waitFor();
      await page.getByRole('navigation').getByRole('link', { name: 'Messagerie vocale' }).click();
      await page.getByRole('heading', { name: 'Messagerie vocale', level: 1 }).waitFor();
      await page.getByText('Aucun message.').waitFor();
      await page.screenshot({ path: join(shots, 'voicemail.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'follows a status changed elsewhere, live, without reloading',
    async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Statut' }).click();
      await page.getByRole('radio', { name: 'Disponible' }).waitFor();
      const elsewhere = await context.newPage();
      const elsewhereProblems = new PageProblems(elsewhere);
      elsewhereProblems.loggedIn();
      await elsewhere.goto(`${app.url}/#/status`);
      await elsewhere.getByRole('radio', { name: 'Absent' }).check();
      await elsewhere.getByText('Statut : Absent.').waitFor();
      await expect.poll(() => page.getByRole('radio', { name: 'Absent' }).isChecked()).toBe(true);
      await elsewhere.getByRole('radio', { name: 'Disponible' }).check();
      await expect
        .poll(() => page.getByRole('radio', { name: 'Disponible' }).isChecked())
        .toBe(true);
      await elsewhere.close();
      expect(elsewhereProblems.list).toEqual([]);
    },
    SLOW,
  );

  it(
    'fits a 375 px screen behind a menu button',
    async () => {
      const phone = await context.newPage();
      const phoneProblems = new PageProblems(phone);
      phoneProblems.loggedIn();
      await phone.setViewportSize({ width: 375, height: 740 });
      await phone.goto(`${app.url}/#/exceptions`);
      await phone.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      const menu = phone.getByRole('button', { name: 'Menu' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      expect(await phone.getByRole('navigation').isVisible()).toBe(false);
      const width = await phone.evaluate<number>('document.documentElement.scrollWidth');
      expect(width).toBeLessThanOrEqual(375);
      await phone.screenshot({ path: join(shots, 'exceptions-phone.png'), fullPage: true });
      await menu.click();
      await phone.getByRole('navigation').getByRole('link', { name: 'Testeur' }).click();
      await phone.getByRole('heading', { name: 'Testeur', level: 1 }).waitFor();
      expect(await phone.getByRole('navigation').isVisible()).toBe(false);
      await phone.close();
      expect(phoneProblems.list).toEqual([]);
    },
    SLOW,
  );

  it(
    'offers Mon mobile only with a mobile number, and keeps users to their own extension',
    async () => {
      const other = await browser.newContext({
        viewport: { width: 1280, height: 860 },
        locale: 'fr-FR',
      });
      const bruno = await other.newPage();
      const brunoProblems = new PageProblems(bruno);
      await bruno.goto(app.url);
      await bruno.getByLabel('Extension').fill('102');
      await bruno.getByLabel('Mot de passe').fill('change-me-102');
      brunoProblems.loggedIn();
      await bruno.getByRole('button', { name: 'Se connecter' }).click();
      await bruno.getByRole('button', { name: 'Ajouter une exception' }).click();
      const mobile = bruno.getByLabel('Transférer à').locator('option', { hasText: 'Mon mobile' });
      expect(await mobile.isDisabled()).toBe(true);
      await bruno.getByText("« Mon mobile » n'est disponible que si un numéro de mobile").waitFor();
      await bruno.getByRole('button', { name: 'Annuler' }).click();
      await bruno.getByRole('heading', { name: 'Exceptions', level: 1 }).waitFor();
      expect(await bruno.getByTestId('exception').count()).toBe(0);
      await other.close();
      expect(brunoProblems.list).toEqual([]);
    },
    SLOW,
  );

  it(
    'lets an admin edit the directory and shows its problems',
    async () => {
      const other = await browser.newContext({
        viewport: { width: 1280, height: 860 },
        locale: 'fr-FR',
      });
      const admin = await other.newPage();
      const adminProblems = new PageProblems(admin);
      await admin.goto(app.url);
      await admin.getByLabel('Extension').fill('100');
      await admin.getByLabel('Mot de passe').fill('change-me-100');
      adminProblems.loggedIn();
      await admin.getByRole('button', { name: 'Se connecter' }).click();
      await admin.getByRole('navigation').getByRole('link', { name: 'Extensions' }).click();
      await admin.getByRole('heading', { name: 'Extensions', level: 1 }).waitFor();
      const bruno = admin.getByRole('group', { name: '102 Bruno Petit' });
      const name = bruno.getByLabel('Nom');
      // A ring group member that does not exist: refused, nothing written, the path shown.
      await name.fill('Bruno Petit-Durand');
      await bruno.getByLabel('Numéro').fill('109');
      await admin.getByRole('button', { name: 'Enregistrer' }).click();
      await admin.getByText("L'annuaire n'a pas été enregistré").waitFor();
      adminProblems.expectAndClear(/400.*\/api\/admin\/directory/);
      await admin
        .getByRole('group', { name: '109 Bruno Petit-Durand' })
        .getByLabel('Numéro')
        .fill('102');
      await admin.getByRole('button', { name: 'Enregistrer' }).click();
      await admin.getByText('Annuaire enregistré.').waitFor();
      const doc = JSON.parse(renvoi(['export', '--data', app.dataDir, '--format', 'json'])) as {
        extensions: (ExtensionDoc & { name: string })[];
      };
      expect(doc.extensions.find((e) => e.number === '102')?.name).toBe('Bruno Petit-Durand');
      // Alice's exceptions were not touched by the admin's save.
      expect(exportedExceptions(app.dataDir, '101')).toHaveLength(3);
      await admin.getByRole('navigation').getByRole('link', { name: 'Import/Export' }).click();
      await admin.getByRole('button', { name: 'Télécharger en YAML' }).waitFor();
      await other.close();
      expect(adminProblems.list).toEqual([]);
    },
    SLOW,
  );
});
