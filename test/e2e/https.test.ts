/**
 * The web client over HTTPS in real Chromium against a real `renvoi start` (issue 9, point 4):
 * the browser logs in over HTTPS with the certificate the PBX made for itself, the session cookie
 * is Secure, the pages, the live-event WebSocket (wss) and the voicemail player run under the
 * Content-Security-Policy without one violation, and HSTS is sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PageProblems, ROOT, ensureBuilt, launchBrowser, signIn, startRenvoi } from './harness.js';
import type { RunningRenvoi } from './harness.js';

const SLOW = 120_000;

describe('web client over HTTPS', () => {
  let app: RunningRenvoi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  /** Violations the page itself reports, beside the console's messages. */
  const violations: string[] = [];
  const sockets: string[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    app = await startRenvoi(readFileSync(join(ROOT, 'examples', 'guide.yaml'), 'utf8'));
    browser = await launchBrowser();
    // The certificate is self-signed: the browser is told to go on, as a user accepting it would.
    context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      locale: 'fr-FR',
      ignoreHTTPSErrors: true,
    });
    await context.exposeFunction('reportViolation', (text: string) => violations.push(text));
    await context.addInitScript({
      content:
        "addEventListener('securitypolicyviolation', (e) => reportViolation(e.violatedDirective + ' ' + e.blockedURI));",
    });
    page = await context.newPage();
    page.on('websocket', (socket) => sockets.push(socket.url()));
    problems = new PageProblems(page);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it(
    'logs in over HTTPS with a Secure cookie, and every page passes the CSP',
    async () => {
      const first = page.waitForResponse((r) => r.url().startsWith(app.httpsUrl));
      await signIn(page, problems, app.httpsUrl, '101');
      const headers = (await first).headers();
      expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");

      const cookies = await context.cookies(app.httpsUrl);
      const session = cookies.find((c) => c.name === 'renvoi_session');
      expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });

      const nav = page.getByRole('navigation', { name: 'Navigation principale' });
      for (const name of ['Messagerie vocale', 'Historique']) {
        await nav.getByRole('link', { name }).click();
        await page.getByRole('heading', { name, level: 1 }).waitFor();
      }
      // The live updates come over a WebSocket on the HTTPS port, through TLS.
      const wss = `${app.httpsUrl.replace('https:', 'wss:')}/api/events`;
      await expect.poll(() => sockets, { timeout: 10_000 }).toContain(wss);
      expect(violations).toEqual([]);
      expect(problems.list).toEqual([]);
    },
    SLOW,
  );
});
