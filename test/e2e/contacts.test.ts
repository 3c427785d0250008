/**
 * Issue 13 §2 in the web client: Alice keeps her contacts (added by hand, imported from a vCard
 * file, a CSV with a bad row refused with the row named), and the tester names a contact calling.
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
  signIn,
  startRenvoi,
} from './harness.js';
import type { RunningRenvoi } from './harness.js';

const SLOW = 120_000;

const GUIDE = readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8');

const VCARD = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'FN:Dr Paul Bernard',
  'TEL;TYPE=WORK:+33 4 91 00 00 03',
  'CATEGORIES:VIP',
  'END:VCARD',
  '',
].join('\r\n');

describe('web client: contacts', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(GUIDE);
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
    'adds a contact, refuses a bad file naming its row, imports a vCard, and the tester names the caller',
    async () => {
      await signIn(page, problems, app.url, '101');
      await page.getByRole('navigation').getByRole('link', { name: 'Contacts' }).click();
      await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
      const mine = page.locator('section.card', { hasText: 'Mes contacts' });
      await mine.getByText('Aucun contact.').waitFor();
      // An ordinary user reads the phonebook but cannot change it.
      const phonebook = page.locator('section.card', { hasText: 'Annuaire de l’entreprise' });
      expect(await phonebook.getByRole('button', { name: 'Ajouter' }).count()).toBe(0);

      await mine.getByLabel('Nom').fill('Maman');
      await mine.getByLabel('Numéros').fill('06 12 34 56 78');
      await mine.getByLabel('Groupes').fill('famille');
      await mine.getByRole('button', { name: 'Ajouter', exact: true }).click();
      await mine.getByText('Maman a été ajouté.').waitFor();
      await mine.getByRole('cell', { name: '06 12 34 56 78', exact: true }).waitFor();

      await mine.getByLabel('Fichier CSV ou vCard').setInputFiles({
        name: 'contacts.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('nom;téléphone\nLéa;07 00 00 00 01\nFaux;pas un numéro\n'),
      });
      await mine.getByRole('button', { name: 'Importer le fichier' }).click();
      const alert = mine.getByRole('alert');
      await alert.getByText('Ligne 3 (Faux)', { exact: false }).waitFor();
      expect(await alert.textContent()).toContain(
        '« pas un numéro » n’est pas un numéro de téléphone',
      );
      expect(await mine.getByRole('cell', { name: 'Léa', exact: true }).count()).toBe(0);
      problems.expectAndClear(/400.*contacts\/import/);

      await mine.getByLabel('Fichier CSV ou vCard').setInputFiles({
        name: 'carnet.vcf',
        mimeType: 'text/vcard',
        buffer: Buffer.from(VCARD),
      });
      await mine.getByRole('button', { name: 'Importer le fichier' }).click();
      await mine.getByText('1 contact(s) importé(s).').waitFor();
      await mine.getByRole('cell', { name: 'Dr Paul Bernard', exact: true }).waitFor();
      await mine.getByRole('cell', { name: 'VIP', exact: true }).waitFor();

      await page.getByRole('navigation').getByRole('link', { name: 'Testeur' }).click();
      await page.getByLabel("Numéro de l'appelant").fill('+33 6 12 34 56 78');
      await page.getByRole('button', { name: 'Tester' }).click();
      await page
        .getByTestId('contact')
        .getByText('L’appelant est Maman dans les contacts.')
        .waitFor();
    },
    SLOW,
  );
});
