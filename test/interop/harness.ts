/**
 * Interop tests against real SIP peers from Debian (SIPp, sipsak, svwar): a PBX in this process
 * on loopback, peers as child processes. A missing peer fails the test, never skips it.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { buildDirectory } from '../../src/domain/document.js';
import { openStore } from '../../src/cli/data-dir.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import type { Db } from '../../src/store/database.js';
import { Pbx } from '../../src/pbx/server.js';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import type { TimerValues } from '../../src/sip/transaction/types.js';
import { listCalls } from '../../src/pbx/history/call-history.js';
import type { CallRecord } from '../../src/pbx/history/call-history.js';
import { expect } from 'vitest';

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
  timers: Partial<TimerValues> = TEST_TIMERS,
  log: Logger = pino({ level: process.env.RENVOI_TEST_LOG ?? 'silent' }),
  host = '127.0.0.1',
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
    dataDir,
    host,
    sipPort: port,
    // WebSocket on a port of its own choosing: pbx.port('ws') says which.
    wsPort: 0,
    log,
    timers,
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

/**
 * The SIP messages SIPp sent and received, from its `-trace_msg` file in `work`: what a test
 * asserts beyond the scenario's own checks (a status code, a header).
 */
function tracedMessages(work: string): string {
  return readdirSync(work)
    .filter((name) => name.endsWith('_messages.log'))
    .map((name) => readFileSync(join(work, name), 'utf8'))
    .join('');
}

export interface SippResult extends PeerResult {
  /** Every message SIPp sent or received, as it logged them. */
  messages: string;
}

/**
 * SIPp with one call of a scenario from test/interop/scenarios, from `localPort` (a free local
 * port unless given: a trunk calls from its own).
 */
export async function sipp(
  target: TestPbx,
  scenario: string,
  extra: readonly string[] = [],
  options: { localPort?: number } = {},
): Promise<SippResult & { localPort: number }> {
  const localPort = options.localPort ?? (await freePort());
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
        '-trace_msg',
        ...extra,
      ],
      { cwd: work },
    );
    return { ...result, messages: tracedMessages(work), localPort };
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
): { done: Promise<SippResult>; stop: () => void } {
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
      '-trace_msg',
      ...extra,
    ],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('sipp is not installed (Debian package sip-tester)')
          : error,
      ),
    );
    child.once('close', (code) => {
      const messages = tracedMessages(work);
      rmSync(work, { recursive: true, force: true });
      resolve({ code, stdout, stderr, messages });
    });
  });
  return { done, stop: () => child.kill() };
}

/**
 * A SIPp phone registered as `extension` (password `secret-of-<extension>`), running one call of
 * `scenario` on its own port.
 */
export async function phone(
  t: TestPbx,
  extension: string,
  scenario = 'uas.xml',
  extra: readonly string[] = [],
): Promise<ReturnType<typeof sippUas>> {
  const port = await freePort();
  const uas = sippUas(scenario, port, extra);
  await registerContact(t, extension, port);
  return uas;
}

/** Registers `extension` with its Contact on `port` of 127.0.0.1 (SIPp register-contact.xml). */
export async function registerContact(t: TestPbx, extension: string, port: number): Promise<void> {
  const reg = await sipp(t, 'register-contact.xml', [
    '-s',
    extension,
    '-au',
    extension,
    '-ap',
    `secret-of-${extension}`,
    '-key',
    'contact_port',
    String(port),
  ]);
  expect(reg.code, reg.stdout + reg.stderr).toBe(0);
}

/** A datagram as a plain UDP peer received it. */
export interface Datagram {
  text: string;
  at: number;
  from: RemoteInfo;
}

/**
 * A bare UDP socket on 127.0.0.1: sees every datagram the PBX sends to it (with its arrival time,
 * from `performance.now()`) and answers only what the test makes it answer.
 */
export async function udpPeer(): Promise<{
  port: number;
  received: Datagram[];
  send(text: string, to: RemoteInfo): void;
  close(): Promise<void>;
}> {
  const socket = createSocket('udp4');
  const received: Datagram[] = [];
  socket.on('message', (message, from) =>
    received.push({ text: message.toString('utf8'), at: performance.now(), from }),
  );
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received,
    send: (text, to) => socket.send(text, to.port, to.address),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
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

/** One message of a SIPp trace. */
interface TracedMessage {
  direction: 'sent' | 'received';
  text: string;
}

/** A SIPp `-trace_msg` log split into its messages (each: a dashed line, a title, the message). */
function tracedList(messages: string): TracedMessage[] {
  return messages
    .split(/^-{10,} .*$/m)
    .map((entry) => /^\s*\S+ message (sent|received)[^\n]*\n\n([\s\S]*)$/.exec(entry))
    .filter((m) => m !== null)
    .map(([, direction, text]) => ({
      direction: direction === 'sent' ? 'sent' : 'received',
      text: (text ?? '').trim(),
    }));
}

/** The status of the last final response to an INVITE that SIPp received, or null. */
export function finalStatus(messages: string): number | null {
  const finals = tracedList(messages)
    .filter((m) => m.direction === 'received' && /^CSeq:\s*\d+ INVITE\s*$/im.test(m.text))
    .map((m) => /^SIP\/2\.0 ([2-6]\d\d) /.exec(m.text)?.[1])
    .filter((status) => status !== undefined);
  const last = finals.at(-1);
  return last === undefined ? null : Number(last);
}

/** No transaction, timer (but the connection idle timers of open sockets) or call left. */
export function isQuiet(pbx: Pbx): boolean {
  const s = pbx.stats();
  return s.transactions.total === 0 && s.calls === 0;
}

/**
 * A PBX taking calls (call handling attached), with the same T1/T2 for its calls as for its
 * transactions.
 */
export async function startCallPbx(
  document: unknown,
  timers: Partial<TimerValues> = TEST_TIMERS,
  log: Logger = pino({ level: process.env.RENVOI_TEST_LOG ?? 'silent' }),
  host = '127.0.0.1',
): Promise<TestPbx> {
  const t = await startTestPbx(document, undefined, timers, log, host);
  attachCallHandling(t.pbx, { t1: timers.t1 ?? TEST_TIMERS.t1, t2: timers.t2 ?? TEST_TIMERS.t2 });
  return t;
}

/** Nothing left of any call: transactions, calls, and the calls' timers. */
export async function expectQuiet(t: TestPbx, timeoutMs = 5000): Promise<void> {
  await eventually(() => isQuiet(t.pbx), 'every transaction and call to be released', timeoutMs);
  expect(t.pbx.stats().callTimers).toBe(0);
}

/**
 * SIPp arguments for extension `extension` (password `secret-of-<extension>`) calling `dialled`
 * with uac-auth*.xml. SIPp computes the digest over `sip:<remote host>:<port>` unless told
 * otherwise; the PBX checks the digest-uri against the Request-URI (RFC 2617 §3.2.2.5).
 */
export function callingAs(t: TestPbx, extension: string, dialled: string): string[] {
  return [
    '-s',
    dialled,
    '-key',
    'caller',
    extension,
    '-au',
    extension,
    '-ap',
    `secret-of-${extension}`,
    '-auth_uri',
    `${dialled}@127.0.0.1:${t.port}`,
  ];
}

/** The latest call in the history, once its outcome is written (writes are asynchronous). */
export async function lastCall(t: TestPbx): Promise<CallRecord> {
  let call: CallRecord | undefined;
  const deadline = Date.now() + 5000;
  for (;;) {
    [call] = await listCalls(t.db, { limit: 1 });
    if (call?.outcome !== null && call?.outcome !== undefined) return call;
    if (Date.now() > deadline) throw new Error('timed out waiting for the call history');
    await new Promise((r) => setTimeout(r, 20));
  }
}
