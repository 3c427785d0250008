/**
 * "The tester and a live call agree" (issue 5, Done when): a real SIP call from an outside number
 * (SIPp) reaches Alice through `renvoi start`; the history page shows the exception that routed
 * it, and the tester names the same exception for the same number.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { sipp } from '../interop/harness.js';
import type { TestPbx } from '../interop/harness.js';
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

const SLOW = 120_000;
const CALLER = '0491000000';

/** The guide, with calls from 04 91 sent "busy" by a third exception, before the catch-all. */
function startingDocument(): string {
  const doc = parse(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8')) as {
    extensions: { number: string; exceptions?: unknown[] }[];
    outsideCalls?: unknown;
  };
  // The caller is SIPp without credentials: an outside SIP caller, let in (issue 14).
  doc.outsideCalls = { allow: true };
  const alice = doc.extensions.find((e) => e.number === '101');
  alice?.exceptions?.splice(2, 0, { callerId: '04 91*', action: { type: 'busy' } });
  return stringify(doc);
}

describe('web client: the call history and the tester agree with a live call', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  const shots = screenshotDir();

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
    'a call from an outside number gets busy from exception 3, and the history page says so',
    async () => {
      await signIn(page, problems, app.url, '101');
      await page
        .getByRole('navigation')
        .getByRole('link', { name: 'Historique des appels' })
        .click();
      await page.getByRole('heading', { name: 'Historique des appels', level: 1 }).waitFor();
      await page.getByText('Aucun appel pour le moment.').waitFor();

      // Only `port` of the PBX is used to reach it.
      const target = { port: app.sipPort } as TestPbx;
      const call = await sipp(target, 'uac-refused.xml', ['-s', '101', '-key', 'caller', CALLER]);
      expect(call.code, call.stderr).toBe(0);
      expect(call.messages).toMatch(/SIP\/2\.0 486 Busy Here/);

      // Coming back to the page reads the history again.
      await page.getByRole('navigation').getByRole('link', { name: 'Statut' }).click();
      await page
        .getByRole('navigation')
        .getByRole('link', { name: 'Historique des appels' })
        .click();
      const calls = page.locator('.call-list > li');
      await expect.poll(() => calls.count(), { timeout: 30_000 }).toBe(1);
      await expect.poll(() => calls.first().textContent(), { timeout: 30_000 }).toContain('occupé');
      const text = await calls.first().textContent();
      // The caller as the PBX stores it, in E.164.
      expect(text).toContain('Caller (04 91 00 00 00)');
      expect(text).toContain('Exception 3');
      expect(await calls.first().locator('.sentence').textContent()).toMatch(/^Exception 3/);
      await page.screenshot({ path: join(shots, 'history.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'the tester, renvoi simulate and the call name the same exception',
    async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Testeur' }).click();
      await page.getByLabel("Numéro de l'appelant").fill('04 91 00 00 00');
      await page.getByRole('button', { name: 'Tester' }).click();
      const sentence = page.getByTestId('sentence');
      await expect.poll(() => sentence.textContent(), { timeout: 30_000 }).toMatch(/^Exception 3/);
      const history = await page.evaluate(async () => {
        const response = await fetch('/api/extensions/101/calls');
        return (await response.json()) as { calls: { exception: number | null }[] };
      });
      expect(history.calls.map((c) => c.exception)).toEqual([2]);
      const cli = JSON.parse(
        renvoi(['simulate', '--data', app.dataDir, '--to', '101', '--from', CALLER, '--json']),
      ) as { exception: number | null };
      expect(cli.exception).toBe(2);
    },
    SLOW,
  );
});
