/**
 * The processes of the SIP benchmark: the PBX (`bin/renvoi.js start`), Kamailio and SIPp, each a
 * child process on loopback, bounded in time; and their CPU and memory as /proc reports them.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const SCENARIOS = join(ROOT, 'bench', 'sip', 'scenarios');
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) used so far by these processes. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process has gone: its time is lost, which only happens at the end.
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Resident set size in KiB. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]);
}

/** The processes of a process group (Kamailio's children). */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Sends SIGTERM to the child (its group when `group`), SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, group: boolean, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, s);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const done = exited(child);
  const timedOut = await Promise.race([done.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    signal('SIGKILL');
    await done;
  }
}

export interface Server {
  name: string;
  port: number;
  /** The processes whose CPU counts as the server's. */
  pids(): number[];
  stop(): Promise<void>;
}

export interface RenvoiServer extends Server {
  pid: number;
  /** process.memoryUsage() after a full GC, through bench/sip/mem-hook. */
  memory(): Promise<NodeJS.MemoryUsage>;
}

export async function startRenvoi(options: {
  dataDir: string;
  port: number;
  work: string;
  cpuProfileDir?: string;
  /** Per-second event-loop delay, GC pauses and CPU appended there (see mem-hook). */
  eldFile?: string;
  /** Extra V8/Node flags for the PBX process (e.g. `--max-semi-space-size=32`). */
  nodeArgs?: readonly string[];
  /** Environment added to the PBX's (e.g. RENVOI_BENCH_SNAPSHOT). */
  env?: Readonly<Record<string, string>>;
}): Promise<RenvoiServer> {
  const memFile = join(options.work, `mem-${options.port}.json`);
  const args = [
    ...(options.nodeArgs ?? []),
    '--expose-gc',
    '--import',
    join(ROOT, 'dist', 'bench', 'sip', 'mem-hook.js'),
    ...(options.cpuProfileDir === undefined
      ? []
      : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir]),
    join(ROOT, 'bin', 'renvoi.js'),
    'start',
    '--data',
    options.dataDir,
    '--host',
    '127.0.0.1',
    '--sip-port',
    String(options.port),
  ];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      ...options.env,
      RENVOI_LOG_LEVEL: 'warn',
      RENVOI_BENCH_MEM_FILE: memFile,
      ...(options.eldFile === undefined ? {} : { RENVOI_BENCH_ELD_FILE: options.eldFile }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('Renvoi is running')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child, false, 1000);
      throw new Error(`renvoi start did not come up:\n${output}`);
    }
    await sleep(50);
  }
  const pid = child.pid as number;
  return {
    name: 'Renvoi',
    port: options.port,
    pid,
    pids: () => [pid],
    // With --cpu-prof the profile is written at exit, which takes a while: a longer grace then.
    stop: async () => {
      // How long the PBX takes to exit on SIGTERM: a timer or socket left behind shows here.
      const t0 = performance.now();
      await stopChild(child, false, options.cpuProfileDir === undefined ? 15_000 : 60_000);
      const ms = Math.round(performance.now() - t0);
      process.stderr.write(`  (Renvoi exited ${ms} ms after SIGTERM)\n`);
    },
    memory: async () => {
      rmSync(memFile, { force: true });
      process.kill(pid, 'SIGUSR2');
      // A heap snapshot (RENVOI_BENCH_SNAPSHOT) of a large heap takes tens of seconds.
      for (let i = 0; i < 1200 && !existsSync(memFile); i++) await sleep(50);
      await sleep(50);
      return JSON.parse(readFileSync(memFile, 'utf8')) as NodeJS.MemoryUsage;
    },
  };
}

/**
 * Kamailio as a stateful proxy and registrar on loopback: tm + sl, usrloc in memory, REGISTER
 * authenticated with digest (qop=auth) against the password the bench directory gives every
 * extension ("pw-" + number), computed in the script so that no database is needed.
 */
export async function startKamailio(options: {
  port: number;
  work: string;
  children: number;
}): Promise<Server> {
  const cfg = join(options.work, 'kamailio.cfg');
  writeFileSync(cfg, kamailioConfig(options.port, options.children));
  const child = spawn(
    'kamailio',
    [
      '-f',
      cfg,
      '-DD',
      '-E',
      '-m',
      '256',
      '-M',
      '32',
      '-Y',
      options.work,
      '-P',
      join(options.work, 'kamailio.pid'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new Error(`kamailio: ${error.message}`))),
  );
  // Up when it answers OPTIONS (sl_send_reply in the script).
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await Promise.race([failed, sipsakOptions(options.port)]);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child, true, 1000);
      throw new Error(`kamailio did not come up:\n${output}`);
    }
    await sleep(200);
  }
  const pgid = child.pid as number;
  return {
    name: 'Kamailio',
    port: options.port,
    pids: () => groupPids(pgid),
    stop: () => stopChild(child, true, 10_000),
  };
}

function sipsakOptions(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sipsak', ['-s', `sip:ping@127.0.0.1:${port}`], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill(), 3000);
    child.once('error', () => resolve(false));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

function kamailioConfig(port: number, children: number): string {
  return `#!KAMAILIO
debug=1
log_stderror=yes
memdbg=5
memlog=5
children=${children}
listen=udp:127.0.0.1:${port}
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("OPTIONS") && $rU == "ping") { sl_send_reply("200", "OK"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) {
      if (t_check_trans()) { t_relay(); } else { forward(); }
      exit;
    }
    if (!t_relay()) { sl_reply_error(); }
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("REGISTER")) {
    $var(pw) = "pw-" + $fU;
    if (!pv_www_authenticate("$td", "$var(pw)", "0")) { www_challenge("$td", "1"); exit; }
    if (!save("location")) { sl_reply_error(); }
    exit;
  }
  if (is_method("INVITE")) { record_route(); }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  if (!t_relay()) { sl_reply_error(); }
}
`;
}

export type SippStats = Record<string, string>;

export interface SippResult {
  code: number | null;
  stats: SippStats;
  cpuSeconds: number;
  output: string;
  /** The start of SIPp's error log (unexpected messages, timeouts), empty when none. */
  errors: string;
}

/**
 * The start of SIPp's error log, without its "Dead call" events (an answer retransmitted to a
 * call already ended: the call itself succeeded), which would hide the failures.
 */
function failureEvents(file: string, chars: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8')
    .split(/(?=\d{4}-\d\d-\d\d\t)/)
    .filter((event) => !event.includes(': Dead call '))
    .join('')
    .slice(0, chars);
}

function lastStats(file: string): SippStats {
  if (!existsSync(file)) return {};
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = (lines[0] ?? '').split(';');
  const last = (lines[lines.length - 1] ?? '').split(';');
  const stats: SippStats = {};
  header.forEach((name, i) => {
    if (name !== '') stats[name] = last[i] ?? '';
  });
  return stats;
}

export interface SippProcess {
  pid: number;
  /** Resolves when SIPp exits by itself (bounded by `timeoutMs`). */
  done: Promise<SippResult>;
  /** Stops it (SIGTERM, then SIGKILL) and gives its last statistics. */
  stop(): Promise<SippResult>;
}

/** SIPp with `args`, statistics every second into a file of `work`, bounded by `timeoutMs`. */
export function sipp(args: readonly string[], work: string, timeoutMs: number): SippProcess {
  const statFile = join(work, `sipp-${Date.now()}-${Math.random().toString(36).slice(2)}.csv`);
  const errorFile = statFile.replace(/\.csv$/, '-errors.log');
  const child = spawn(
    'sipp',
    [
      ...args,
      '-trace_stat',
      '-stf',
      statFile,
      '-fd',
      '1',
      '-trace_err',
      '-error_file',
      errorFile,
      '-nostdin',
    ],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const pid = child.pid as number;
  let cpu = 0;
  const sampler = setInterval(() => {
    const now = cpuSeconds([pid]);
    if (now > 0) cpu = now;
  }, 500);
  const timer = setTimeout(() => void stopChild(child, false, 2000), timeoutMs);
  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (error) => {
      clearInterval(sampler);
      clearTimeout(timer);
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('sipp is not installed (Debian package sip-tester)')
          : error,
      );
    });
    child.once('close', (code) => {
      clearInterval(sampler);
      clearTimeout(timer);
      resolve({
        code,
        stats: lastStats(statFile),
        cpuSeconds: cpu,
        output,
        errors: failureEvents(errorFile, 3000),
      });
    });
  });
  return {
    pid,
    done,
    stop: async () => {
      await stopChild(child, false, 3000);
      return done;
    },
  };
}

export function count(stats: SippStats, name: string): number {
  const value = Number(stats[name] ?? '0');
  return Number.isFinite(value) ? value : 0;
}

/** SIPp durations are written HH:MM:SS:µµµµµµ; gives milliseconds. */
export function sippMillis(value: string | undefined): number {
  if (value === undefined || value === '') return Number.NaN;
  const parts = value.split(':').map(Number);
  if (parts.length >= 4) {
    const [h = 0, m = 0, s = 0, us = 0] = parts;
    return ((h * 60 + m) * 60 + s) * 1000 + us / 1000;
  }
  return Number(value);
}

/** A port free for both UDP and TCP on 127.0.0.1. */
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
