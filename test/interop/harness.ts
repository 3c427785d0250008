/**
 * Interop tests against real SIP peers from Debian (SIPp, sipsak, svwar): a PBX in this process
 * on loopback, peers as child processes. A missing peer fails the test, never skips it.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildDirectory } from '../../src/domain/document.js';
import { openStore } from '../../src/cli/data-dir.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import type { Db } from '../../src/store/database.js';
import { Pbx } from '../../src/pbx/server.js';

export const SCENARIOS = join(import.meta.dirname, 'scenarios');

/** Short SIP timers: Timer J (64·T1) ends in 640 ms, so leak checks need not wait 32 s. */
export const TEST_TIMERS = { t1: 10, t2: 40, t4: 50, timerD: 100 };

export interface TestPbx {
  pbx: Pbx;
  port: number;
  dataDir: string;
  db: Db;
  /** Stops the PBX and keeps the data directory (for restart tests). */
  stop(): Promise<void>;
  /** Stops the PBX and removes the data directory. */
  remove(): Promise<void>;
}

/** A port free for both UDP and TCP on 127.0.0.1, so one number serves both transports. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

export async function startTestPbx(
  document: unknown,
  dataDir = mkdtempSync(join(tmpdir(), 'renvoi-interop-')),
): Promise<TestPbx> {
  const db = await openStore(dataDir);
  if (document !== null) {
    const built = buildDirectory(document);
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    await saveDirectory(db, built.directory);
  }
  const port = await freePort();
  const pbx = await Pbx.start({
    db,
    host: '127.0.0.1',
    sipPort: port,
    log: pino({ level: process.env.RENVOI_TEST_LOG ?? 'silent' }),
    timers: TEST_TIMERS,
    reloadEveryMs: 100,
  });
  const stop = async () => {
    await pbx.close();
    await db.destroy();
  };
  return {
    pbx,
    port,
    dataDir,
    db,
    stop,
    remove: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PeerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a peer to completion, bounded in time; a missing binary rejects (the test fails). */
export function runPeer(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs ?? 20_000, cwd: options.cwd ?? tmpdir() },
      (error, stdout, stderr) => {
        if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${command} is not installed (Debian package: see .ci/run)`));
          return;
        }
        const code =
          error === null ? 0 : typeof error.code === 'number' ? error.code : (error.signal ?? null);
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/** SIPp with one call of a scenario from test/interop/scenarios, on a free local port. */
export async function sipp(
  target: TestPbx,
  scenario: string,
  extra: readonly string[] = [],
): Promise<PeerResult & { localPort: number }> {
  const localPort = await freePort();
  const work = mkdtempSync(join(tmpdir(), 'renvoi-sipp-'));
  try {
    const result = await runPeer(
      'sipp',
      [
        `127.0.0.1:${target.port}`,
        '-sf',
        join(SCENARIOS, scenario),
        '-i',
        '127.0.0.1',
        '-p',
        String(localPort),
        '-m',
        '1',
        '-timeout',
        '15s',
        '-timeout_error',
        '-nostdin',
        ...extra,
      ],
      { cwd: work },
    );
    return { ...result, localPort };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A SIPp UAS (a phone, or a trunk) on `port`, running one call of `scenario` in the background.
 * `done` settles when SIPp exits; `stop` kills it early.
 */
export function sippUas(
  scenario: string,
  port: number,
  extra: readonly string[] = [],
): { done: Promise<PeerResult>; stop: () => void } {
  const work = mkdtempSync(join(tmpdir(), 'renvoi-sipp-uas-'));
  const child = spawn(
    'sipp',
    [
      '-sf',
      join(SCENARIOS, scenario),
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '1',
      '-timeout',
      '20s',
      '-timeout_error',
      '-nostdin',
      ...extra,
    ],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<PeerResult>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('sipp is not installed (Debian package sip-tester)')
          : error,
      ),
    );
    child.once('close', (code) => {
      rmSync(work, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
  return { done, stop: () => child.kill() };
}

/** Waits until `check` holds, polling; fails with `what` after the bound. */
export async function eventually(
  check: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** No transaction, timer (but the connection idle timers of open sockets) or call left. */
export function isQuiet(pbx: Pbx): boolean {
  const s = pbx.stats();
  return s.transactions.total === 0 && s.calls === 0;
}
