/**
 * The admin pages in real Chromium against a real `renvoi start`: on each, one change saved and
 * read back with `renvoi export`, and one invalid value shown beside its field with nothing
 * written; the import page uploads a YAML file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import {
  PageProblems,
  ROOT,
  ensureBuilt,
  frenchPage,
  launchBrowser,
  renvoi,
  screenshotDir,
  signIn,
  startRenvoi,
} from './harness.js';
import type { RunningRenvoi } from './harness.js';
import type { BrowserDocument, BrowserElement } from './dom.js';

declare const document: BrowserDocument;

const SLOW = 120_000;

interface Doc {
  extensions: { number: string; name: string; role?: string }[];
  ringGroups: { number: string; name: string; members: string[] }[];
  trunks: { name: string; inbound: Record<string, string> }[];
  officeHours: Record<string, string[]>;
  holidays?: unknown[];
  outboundPolicy?: { allow: string[] };
  maxExceptions?: number;
  outsideCalls?: { allow?: boolean; concurrent?: number; perMinute?: number; keepDays?: number };
}

function guide(): Doc {
  return parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as Doc;
}

/** The guide with the Secrétariat (100) as admin. */
function startingDocument(): string {
  const doc = guide();
  const secretary = doc.extensions.find((e) => e.number === '100');
  if (secretary !== undefined) secretary.role = 'admin';
  return stringify(doc);
}

/** The text of what describes a field (its hint and its error), as a screen reader reads it. */
function description(field: Locator): Promise<string> {
  return field.evaluate((element: BrowserElement) =>
    (element.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => (id === '' ? '' : (document.getElementById(id)?.textContent ?? '')))
      .join(' '),
  );
}

describe('web client: the admin pages', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  const shots = screenshotDir();

  const exported = () =>
    JSON.parse(renvoi(['export', '--data', app.dataDir, '--format', 'json'])) as Doc;
  const open = async (link: string) => {
    await page.getByRole('navigation').getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: link, level: 1 }).waitFor();
  };
  const save = () => page.getByRole('button', { name: 'Enregistrer' }).click();
  /** Saves, expects the refusal, and checks that nothing was written. */
  const refused = async () => {
    const before = exported();
    await save();
    await page.getByText("L'annuaire n'a pas été enregistré").waitFor({ timeout: 30_000 });
    problems.expectAndClear(/400.*\/api\/admin\/directory/);
    expect(exported()).toEqual(before);
  };
  const saved = async () => {
    await save();
    await page.getByText('Annuaire enregistré.').waitFor({ timeout: 30_000 });
  };

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(startingDocument());
    browser = await launchBrowser();
    ({ page, problems } = await frenchPage(browser));
    await signIn(page, problems, app.url, '100');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  afterEach(() => {
    expect(problems.list).toEqual([]);
  });

  it(
    'ring groups: an unknown member is shown beside the members; a good change is saved',
    async () => {
      await open("Groupes d'appel");
      const group = page.locator('fieldset.list-item').first();
      const members = group.getByLabel('Membres (numéros séparés par des virgules)');
      await members.fill('100, 999');
      await refused();
      expect(await description(members)).toContain('« 999 » n’existe pas');
      expect(await members.getAttribute('aria-invalid')).toBe('true');

      await members.fill('100, 101, 102');
      await group.getByLabel('Nom').fill('Accueil général');
      await saved();
      const doc = exported();
      expect(doc.ringGroups[0]).toMatchObject({
        number: '800',
        name: 'Accueil général',
        members: ['100', '101', '102'],
      });
      await page.screenshot({ path: join(shots, 'admin-ring-groups.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'trunks: an inbound number to nowhere is shown beside the inbound numbers; a new one is saved',
    async () => {
      await open('Lignes (trunks) et numéros entrants');
      const inbound = page.getByLabel('Numéros entrants (un par ligne : numéro = destination)');
      await inbound.fill('0442000000 = 800\n0442000001 = 999');
      await refused();
      expect(await description(inbound)).toContain('999');

      await inbound.fill('0442000000 = 800\n0442000001 = 101');
      await saved();
      const trunk = exported().trunks[0];
      expect(Object.values(trunk?.inbound ?? {}).sort()).toEqual(['101', '800']);
    },
    SLOW,
  );

  it(
    'office hours and holidays: a bad range is shown beside its day; Saturday and a holiday are saved',
    async () => {
      await open('Heures de bureau et jours fériés');
      const monday = page.getByLabel('Lundi');
      expect(await monday.inputValue()).toBe('09:00-12:30, 14:00-18:00');
      await monday.fill('09:00-12:30, 14:00-25:00');
      await refused();
      expect(await description(monday)).toContain('25:00');

      await monday.fill('09:00-12:30, 14:00-18:00');
      await page.getByLabel('Samedi').fill('09:00-12:00');
      await page
        .getByLabel('Jours fériés et fermetures (un par ligne : AAAA-MM-JJ nom)')
        .fill('2026-12-25 Noël');
      await saved();
      const doc = exported();
      expect(JSON.stringify(doc.officeHours)).toContain('09:00-12:00');
      expect(Object.keys(doc.officeHours).join(' ')).toMatch(/sat/);
      expect(JSON.stringify(doc.holidays)).toContain('2026-12-25');
      expect(JSON.stringify(doc.holidays)).toContain('Noël');
      await page.screenshot({ path: join(shots, 'admin-office-hours.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'outbound policy: a limit of 0 exceptions is shown beside it; allowing premium-rate is saved',
    async () => {
      await open("Politique d'appels sortants");
      const max = page.getByLabel("Nombre maximal d'exceptions par extension");
      await max.fill('0');
      await refused();
      expect((await description(max)).length).toBeGreaterThan(0);

      await max.fill('12');
      await page.getByRole('checkbox', { name: 'Numéros surtaxés' }).check();
      await saved();
      const doc = exported();
      expect(doc.outboundPolicy?.allow).toContain('premium-rate');
      expect(doc.maxExceptions).toBe(12);
    },
    SLOW,
  );

  it(
    'outside SIP calls: off by default; 0 calls at once is refused beside the field; allowed with limits is saved',
    async () => {
      await open("Politique d'appels sortants");
      const allow = page.getByRole('checkbox', { name: 'Autoriser les appels SIP extérieurs' });
      expect(await allow.isChecked()).toBe(false);
      const concurrent = page.getByLabel('Appels simultanés par adresse');
      await concurrent.fill('0');
      await refused();
      expect(await description(concurrent)).toMatch(/\d/);

      await allow.check();
      await concurrent.fill('3');
      await page.getByLabel('Nouveaux appels par minute et par adresse').fill('20');
      await saved();
      expect(exported().outsideCalls).toEqual({ allow: true, concurrent: 3, perMinute: 20 });
    },
    SLOW,
  );

  it(
    'import: a YAML file replaces the directory; a file with problems lists them and writes nothing',
    async () => {
      await open('Import/Export');
      const doc = guide();
      const secretary = doc.extensions.find((e) => e.number === '100');
      if (secretary !== undefined) secretary.role = 'admin';
      doc.extensions.push({
        number: '103',
        name: 'Chloé Roux',
        password: 'change-me-103',
      } as Doc['extensions'][number]);
      const file = page.getByLabel('Fichier YAML ou JSON');
      await file.setInputFiles({
        name: 'annuaire.yaml',
        mimeType: 'application/yaml',
        buffer: Buffer.from(stringify(doc)),
      });
      await page.getByRole('button', { name: 'Importer le fichier' }).click();
      await page.getByText('Annuaire importé.').waitFor({ timeout: 30_000 });
      const after = exported();
      expect(after.extensions.map((e) => e.number)).toEqual(['100', '101', '102', '103']);
      // The import replaced the admin pages' earlier changes with the file's content.
      expect(after.ringGroups[0]?.name).toBe('Accueil');

      const before = exported();
      await file.setInputFiles({
        name: 'cassé.yaml',
        mimeType: 'application/yaml',
        buffer: Buffer.from('extensions:\n  - number: "104"\n    name: Sans mot de passe\n'),
      });
      await page.getByRole('button', { name: 'Importer le fichier' }).click();
      await page.getByText("L'annuaire n'a pas été enregistré").waitFor({ timeout: 30_000 });
      problems.expectAndClear(/400.*\/api\/admin\/directory/);
      expect(await page.locator('.problems').textContent()).toContain('extensions[0].password');
      expect(exported()).toEqual(before);
    },
    SLOW,
  );
});
