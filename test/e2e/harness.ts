/**
 * End-to-end harness: a real Renvoi (the `renvoi` command, as a user runs it) on free ports with
 * a temp data dir, and a real headless Chromium driving the built web client.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { freePort } from '../interop/harness.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin', 'renvoi.js');
const LOCK = join(ROOT, 'node_modules', '.renvoi-e2e-build.lock');
const LOCK_WAIT_MS = 180_000;

/** The newest modification time under `dir` of files whose name passes `keep`. */
function newest(dir: string, keep: (name: string) => boolean): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !keep(entry.name)) continue;
    latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

function mtime(file: string): number {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

/** Several e2e files may start at once: one builds while the others wait for it. */
async function withBuildLock(work: () => void): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`build lock ${LOCK} held too long`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * The CLI runs from dist/ and the PBX serves web/dist/: both are rebuilt here when missing or
 * older than their sources, so the tests never exercise stale code.
 */
export async function ensureBuilt(): Promise<void> {
  await withBuildLock(() => {
    const isTs = (name: string) => name.endsWith('.ts');
    const serverSources = newest(join(ROOT, 'src'), isTs);
    if (mtime(join(ROOT, 'dist', 'src', 'cli', 'main.js')) < serverSources) {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      );
    }
    const webSources = Math.max(
      newest(join(ROOT, 'web', 'src'), () => true),
      mtime(join(ROOT, 'web', 'index.html')),
      mtime(join(ROOT, 'web', 'vite.config.ts')),
    );
    if (mtime(join(ROOT, 'web', 'dist', 'index.html')) < webSources) {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web'],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      );
    }
  });
}

/** Runs `renvoi …` to completion; throws with its output when it fails. */
export function renvoi(args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LANG: 'fr_FR.UTF-8' },
  });
}

export interface RunningRenvoi {
  dataDir: string;
  url: string;
  /** The web client over HTTPS, with the data directory's self-signed certificate. */
  httpsUrl: string;
  /** The PBX's SIP port (udp and tcp) on 127.0.0.1. */
  sipPort: number;
  /** What it printed so far, standard output and error together. */
  output: () => string;
  /** SIGTERM, as an admin stops it: the data directory stays, for a restart on it. */
  halt: () => Promise<void>;
  stop: () => Promise<void>;
  /** SIGKILL, as a crash: the data directory stays, for a restart on it. */
  kill: () => Promise<void>;
}

export interface StartOptions {
  /** Start on this data directory as it is (no import): a restart. */
  dataDir?: string;
  env?: Record<string, string>;
  /** This SIP port rather than a free one: a restart where the phones know the PBX. */
  sipPort?: number;
}

const START_TIMEOUT_MS = 20_000;

/** Imports `document` (YAML) into a fresh data dir and starts `renvoi start` on free ports. */
export async function startRenvoi(
  document: string,
  options: StartOptions = {},
): Promise<RunningRenvoi> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'renvoi-e2e-'));
  if (options.dataDir === undefined) {
    const file = join(dataDir, 'directory.yaml');
    writeFileSync(file, document);
    renvoi(['import', file, '--data', dataDir]);
  }
  const [sipPort, wsPort, httpPort] = [
    options.sipPort ?? (await freePort()),
    await freePort(),
    await freePort(),
  ];
  // Never the defaults: several e2e files run at once.
  const [tlsPort, wssPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--data',
      dataDir,
      '--host',
      '127.0.0.1',
      '--sip-port',
      String(sipPort),
      '--ws-port',
      String(wsPort),
      '--http-port',
      String(httpPort),
      '--tls-port',
      String(tlsPort),
      '--wss-port',
      String(wssPort),
      '--https-port',
      String(httpsPort),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, RENVOI_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${httpPort}`;
  await waitForHttp(url, child, () => output);
  return {
    dataDir,
    url,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    sipPort,
    output: () => output,
    halt: () => stopChild(child),
    stop: async () => {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`renvoi start exited with ${child.exitCode}:\n${output()}`);
    }
    try {
      await fetch(`${url}/api/session`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`renvoi start did not answer HTTP within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    // The inbox is played by script in the tests, as a click on the player would.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * Everything that went wrong in a page: console errors, uncaught exceptions, failed requests and
 * HTTP errors. The one expected error is the session check before login (GET /api/session → 401),
 * which is how the client learns it must show the login page.
 */
/** A desktop-sized page in French, with its problems watched: where most browser tests start. */
export async function frenchPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    locale: 'fr-FR',
  });
  const page = await context.newPage();
  return { context, page, problems: new PageProblems(page) };
}

export class PageProblems {
  readonly list: string[] = [];
  private signedIn = false;

  constructor(page: Page) {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      if (this.isSessionCheck(message.location().url, message.text())) return;
      this.list.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => this.list.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A download or an aborted <audio> preload is not a failure; nothing else may fail.
      const failure = request.failure()?.errorText ?? '';
      if (failure === 'net::ERR_ABORTED' && request.resourceType() === 'media') return;
      this.list.push(`request failed: ${request.method()} ${request.url()} ${failure}`);
    });
    page.on('response', (response) => {
      if (response.status() < 400) return;
      const request = response.request();
      if (request.method() === 'GET' && this.isSessionCheck(response.url(), 'status of 401'))
        return;
      this.list.push(`HTTP ${response.status()}: ${request.method()} ${response.url()}`);
    });
  }

  /** After this, even the session check must succeed. */
  loggedIn(): void {
    this.signedIn = true;
  }

  /**
   * Errors the test provokes on purpose (a 400 for a refused number) must have happened, and are
   * then removed: the browser reports each as a console error and as an HTTP error.
   */
  expectAndClear(pattern: RegExp): void {
    const kept = this.list.filter((p) => !pattern.test(p));
    if (kept.length === this.list.length) {
      throw new Error(`expected a problem matching ${pattern}, got:\n${this.list.join('\n')}`);
    }
    this.list.splice(0, this.list.length, ...kept);
  }

  private isSessionCheck(url: string, text: string): boolean {
    return !this.signedIn && /\/api\/session(\?|$)/.test(url) && text.includes('401');
  }
}

const SHOTS = join(ROOT, 'docs', 'screenshots');

/**
 * Screenshots go to a temp dir on every run (so a broken page still fails the size check) and to
 * docs/screenshots when RENVOI_SCREENSHOTS=1, so that `npm test` leaves the checkout untouched.
 */
export function screenshotDir(): string {
  if (process.env.RENVOI_SCREENSHOTS === '1') {
    mkdirSync(SHOTS, { recursive: true });
    return SHOTS;
  }
  return mkdtempSync(join(tmpdir(), 'renvoi-shots-'));
}

/**
 * Opens the client in `page` and signs in as `extension` (password `change-me-<extension>`, as
 * the test documents have it); resolves once the first page after login is shown.
 */
export async function signIn(
  page: Page,
  problems: PageProblems,
  url: string,
  extension: string,
): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Extension').fill(extension);
  await page.getByLabel('Mot de passe').fill(`change-me-${extension}`);
  problems.loggedIn();
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('navigation', { name: 'Navigation principale' }).waitFor();
}

/** A sine tone as 8 kHz 16-bit mono samples. */
export function tone(hz: number, ms: number, amplitude = 8000): Int16Array {
  const samples = new Int16Array(Math.round((8000 * ms) / 1000));
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000));
  }
  return samples;
}
