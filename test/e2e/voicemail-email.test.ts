/**
 * Issue 13 §7 in the web client: a user sets the address their voicemail goes to (a bad one is
 * named beside its field, in French), an admin sets anyone's and the SMTP relay, whose password
 * never comes back to the page in clear.
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
const RELAY_PASSWORD = 'relay-password-3307';

interface Exported {
  extensions: { number: string; email?: string; deleteAfterEmail?: boolean }[];
  smtp?: Record<string, unknown>;
}

function startingDocument(): string {
  const doc = parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as {
    extensions: { number: string; role?: string }[];
  };
  for (const ext of doc.extensions) if (ext.number === '102') ext.role = 'admin';
  return stringify(doc);
}

describe('web client: voicemail by e-mail', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  const exported = () =>
    JSON.parse(renvoi(['export', '--data', app.dataDir, '--format', 'json'])) as Exported;

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(startingDocument());
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  afterEach(() => {
    expect(problems.list).toEqual([]);
  });

  it(
    'a user sets their own address; a bad one is named beside the field, in French, and nothing is saved',
    async () => {
      ({ page, problems } = await frenchPage(browser));
      await signIn(page, problems, app.url, '101');
      await page.goto(`${app.url}/#/voicemail`);
      await page.getByRole('heading', { name: 'Recevoir les messages par e-mail' }).waitFor();
      const form = page.locator('form', { hasText: 'Recevoir les messages par e-mail' });
      const field = form.getByLabel('Adresse e-mail');
      await field.fill('alice@exemple');
      await page.getByLabel('Effacer le message de la messagerie après l’envoi').check();
      await form.getByRole('button', { name: 'Sauvegarder' }).click();

      const error = page.locator('.field-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('« alice@exemple » n’est pas une adresse e-mail');
      // Beside its field: announced with it, and the field marked wrong.
      const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
      const errorId = (await error.getAttribute('id')) ?? '';
      expect(describedBy.split(' ')).toContain(errorId);
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      problems.expectAndClear(/HTTP 400: PUT .*\/api\/extensions\/101\/profile/);
      problems.expectAndClear(/console: .*400/);
      expect(exported().extensions.find((e) => e.number === '101')?.email).toBeUndefined();

      await field.fill('alice.martin@example.com');
      await form.getByRole('button', { name: 'Sauvegarder' }).click();
      await page.getByText('Réglages de l’e-mail enregistrés.').waitFor();
      expect(await page.locator('.field-error').count()).toBe(0);
      expect(exported().extensions.find((e) => e.number === '101')).toMatchObject({
        email: 'alice.martin@example.com',
        deleteAfterEmail: true,
      });
      await page.context().close();
    },
    SLOW,
  );

  it(
    "an admin sets another user's address and the SMTP relay; the password stays sealed",
    async () => {
      ({ page, problems } = await frenchPage(browser));
      await signIn(page, problems, app.url, '102');
      await page.goto(`${app.url}/#/admin/extensions`);
      const card = page.locator('fieldset.list-item', { hasText: 'Secrétariat' });
      await card.getByLabel('Adresse e-mail (messagerie)').fill('accueil@example.com');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByText('Annuaire enregistré.').waitFor();
      expect(exported().extensions.find((e) => e.number === '100')?.email).toBe(
        'accueil@example.com',
      );

      await page.goto(`${app.url}/#/admin/mail`);
      await page.getByRole('heading', { name: 'E-mail de la messagerie', level: 1 }).waitFor();
      await page.getByText('Aucun échec : chaque e-mail de messagerie a été remis.').waitFor();
      await page.getByLabel('Envoyer les messages vocaux par e-mail').check();
      await page.getByLabel('Hôte').fill('smtp.example.net');
      await page.getByLabel('Sécurité').selectOption('tls');
      await page.getByLabel('Identifiant').fill('pbx');
      await page.getByLabel('Mot de passe').fill(RELAY_PASSWORD);
      await page.getByLabel('Adresse de l’expéditeur').fill('renvoi');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      const fromError = page.locator('.field-error', { hasText: '« renvoi »' });
      await fromError.waitFor();
      expect(await fromError.textContent()).toContain('n’est pas une adresse e-mail');
      problems.expectAndClear(/HTTP 400: PUT .*\/api\/admin\/directory/);
      problems.expectAndClear(/console: .*400/);
      expect(exported().smtp).toBeUndefined();

      await page.getByLabel('Adresse de l’expéditeur').fill('renvoi@example.net');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByText('Annuaire enregistré.').waitFor();
      const smtp = exported().smtp;
      expect(smtp).toMatchObject({
        host: 'smtp.example.net',
        security: 'tls',
        username: 'pbx',
        from: 'renvoi@example.net',
        passwordSealed: expect.stringMatching(/^\$aes256gcm\$/) as string,
      });
      expect(JSON.stringify(smtp)).not.toContain(RELAY_PASSWORD);

      // Shown again: the password field is empty, the stored one is kept on the next save.
      await page.reload();
      await page
        .getByText('Un mot de passe est enregistré (chiffré) ; laissez vide pour le garder.')
        .waitFor();
      expect(await page.getByLabel('Mot de passe').inputValue()).toBe('');
      expect(await page.content()).not.toContain(RELAY_PASSWORD);
      await page.getByLabel('Port').fill('2465');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await page.getByText('Annuaire enregistré.').waitFor();
      expect(exported().smtp).toMatchObject({ port: 2465, passwordSealed: smtp?.passwordSealed });
      await page.context().close();
    },
    SLOW,
  );
});
