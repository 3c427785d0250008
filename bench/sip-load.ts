/**
 * `npm run bench:sip`: the SIP load benchmark of the issue, one command.
 *
 * - Calls between extensions: SIPp UAC → PBX → SIPp UAS (registered as the called extensions),
 *   INVITE/180/200/ACK, a short hold, BYE/200. The call rate is stepped up with short probes
 *   until one fails, then the highest passing rate must hold for `--final-seconds` with zero
 *   failed calls (else the rate below it is tried).
 * - The same load through Kamailio (stateful proxy, tm + sl, usrloc in memory) in the same run.
 * - REGISTER with digest (challenge, answer, 200) of distinct extensions, stepped the same way, on
 *   both.
 * - Memory of the PBX per registration and per call held.
 * - `--only linger`: what finished calls leave alive while their transactions wait out Timers
 *   J/L/M (32 s): V8 heap after a full GC right after a call run, minus the same once every
 *   transaction has ended, per call; with the PBX's CPU time per call and its GC pauses.
 * - A CPU profile of the PBX (`node --cpu-prof`) at the highest rate held: top self-time functions.
 *
 * Prints Markdown tables; docs/benchmarks.md (section 2) records them. Everything on 127.0.0.1, every
 * step bounded in count and time. Needs `npm run build`, sipp, kamailio, sipsak.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import {
  ROOT,
  SCENARIOS,
  count,
  cpuSeconds,
  rssKiB,
  sipp,
  sippMillis,
  startKamailio,
  freePort,
  startRenvoi,
} from './sip/processes.js';
import type { RenvoiServer, Server, SippResult } from './sip/processes.js';
import { summariseProfile } from './sip/profile.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rates: { type: 'string', default: '100,200,300,400,500,600,800,1000,1200,1500' },
    'reg-rates': { type: 'string', default: '500,1000,1500,2000,3000,4000,5000,6000,8000' },
    'probe-seconds': { type: 'string', default: '10' },
    'final-seconds': { type: 'string', default: '60' },
    'reg-final-seconds': { type: 'string', default: '30' },
    'hold-ms': { type: 'string', default: '200' },
    extensions: { type: 'string', default: '10000' },
    callees: { type: 'string', default: '5000' },
    'held-calls': { type: 'string', default: '1000' },
    'kamailio-children': { type: 'string', default: '2' },
    only: { type: 'string', default: 'calls,registers,memory,profile' },
    'no-kamailio': { type: 'boolean', default: false },
    'linger-rate': { type: 'string', default: '300' },
    'linger-seconds': { type: 'string', default: '20' },
    /** Space-separated flags for the PBX's node, e.g. "--max-semi-space-size=32". */
    'pbx-node-args': { type: 'string', default: '' },
    /** `--only linger`: write a heap snapshot of the PBX there, right after the calls. */
    snapshot: { type: 'string' },
  },
});

const quick = opts.quick;
const CALL_RATES = opts.rates.split(',').map(Number);
const REG_RATES = opts['reg-rates'].split(',').map(Number);
const PROBE_S = quick ? 4 : Number(opts['probe-seconds']);
const FINAL_S = quick ? 10 : Number(opts['final-seconds']);
const REG_FINAL_S = quick ? 8 : Number(opts['reg-final-seconds']);
const HOLD_MS = Number(opts['hold-ms']);
const EXTENSIONS = Number(opts.extensions);
const CALLEES = Math.min(EXTENSIONS, Number(opts.callees));
const HELD_CALLS = Math.min(CALLEES, Number(opts['held-calls']));
const KAMAILIO_CHILDREN = Number(opts['kamailio-children']);
const ONLY = new Set(opts.only.split(','));
const WITH_KAMAILIO = !opts['no-kamailio'];
const LINGER_RATE = Number(opts['linger-rate']);
const LINGER_S = Number(opts['linger-seconds']);
const PBX_NODE_ARGS = opts['pbx-node-args'].split(' ').filter((a) => a !== '');
const FIRST_EXTENSION = 10_000;
const CALLER = '0611223344';

const work = mkdtempSync(join(tmpdir(), 'renvoi-sip-bench-'));

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

// ---------------------------------------------------------------- the bench directory

function extensionNumber(i: number): string {
  return String(FIRST_EXTENSION + i);
}

/** The password of every bench extension; Kamailio's script computes the same. */
function passwordOf(number: string): string {
  return `pw-${number}`;
}

/**
 * `EXTENSIONS` extensions; the called ones carry exceptions that do not match the caller, so
 * routing evaluates them and falls through to ringing the extension.
 */
function benchDirectory(): object {
  const extensions = [];
  for (let i = 0; i < EXTENSIONS; i++) {
    const number = extensionNumber(i);
    extensions.push({
      number,
      name: `Bench ${number}`,
      password: passwordOf(number),
      ...(i < CALLEES
        ? {
            exceptions: [
              { callerId: '07*', action: { type: 'voicemail' } },
              { callerId: 'anonymous', action: { type: 'busy' } },
              { callerId: '+44 20 *', hours: 'outside-office', action: { type: 'voicemail' } },
            ],
          }
        : {}),
    });
  }
  return {
    country: 'FR',
    timezone: 'Europe/Paris',
    officeHours: { 'mon-fri': ['09:00-12:30', '14:00-18:00'] },
    // SIPp calls without credentials from one address, as an outside caller at up to 1,000
    // calls/s: allowed, and the limits per source out of its reach.
    outsideCalls: { allow: true, concurrent: 10_000, perMinute: 1_000_000 },
    extensions,
  };
}

function csv(file: string, numbers: number): string {
  const path = join(work, file);
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < numbers; i++) {
    const n = extensionNumber(i);
    lines.push(`${n};${passwordOf(n)}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** `renvoi import` of the bench directory into a template data directory, copied per phase. */
function prepareTemplate(): string {
  const file = join(work, 'bench-directory.yaml');
  writeFileSync(file, stringify(benchDirectory()));
  const template = join(work, 'data-template');
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'renvoi.js'), 'import', file, '--data', template],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new Error(`renvoi import failed: ${result.stderr.slice(0, 2000)}`);
  return template;
}

let dataDirs = 0;
function freshDataDir(template: string): string {
  const dir = join(work, `data-${++dataDirs}`);
  cpSync(template, dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------- steps

interface Step {
  system: string;
  kind: 'calls' | 'REGISTER';
  rate: number;
  seconds: number;
  attempted: number;
  successful: number;
  failed: number;
  retransmissions: number;
  responseMs: number;
  /** Achieved rate: successful / wall time of the SIPp run. */
  achieved: number;
  serverCpu: number;
  sippCpu: number;
  load: number;
  ok: boolean;
  note: string;
}

const steps: Step[] = [];

/**
 * The server's CPU over the load window (from now, `seconds` long), % of one core: averaging over
 * the whole SIPp run would count the tail where SIPp waits for the calls that failed.
 */
function cpuWindow(server: Server, seconds: number): { t0: number; percent: () => number } {
  const t0 = performance.now();
  const c0 = cpuSeconds(server.pids());
  let percent = Number.NaN;
  const timer = setTimeout(() => {
    percent = (100 * (cpuSeconds(server.pids()) - c0)) / ((performance.now() - t0) / 1000);
  }, seconds * 1000);
  return {
    t0,
    percent: () => {
      clearTimeout(timer);
      if (Number.isNaN(percent)) {
        percent = (100 * (cpuSeconds(server.pids()) - c0)) / ((performance.now() - t0) / 1000);
      }
      return percent;
    },
  };
}

function sippBase(localPort: number): string[] {
  return ['-i', '127.0.0.1', '-p', String(localPort)];
}

function failuresOf(result: SippResult): number {
  return count(result.stats, 'FailedCall(C)');
}

function stepLine(s: Step): string {
  return `${s.system} ${s.kind} ${s.rate}/s × ${s.seconds}s: ${s.successful}/${s.attempted} ok, ${s.failed} failed, ${s.retransmissions} retrans, resp ${s.responseMs.toFixed(1)} ms, server CPU ${s.serverCpu.toFixed(0)}%, SIPp CPU ${s.sippCpu.toFixed(0)}%, load ${s.load}${s.note === '' ? '' : ` (${s.note})`}`;
}

/** Registers `total` users of the CSV file with the UAS port as their contact. */
async function registerCallees(
  server: Server,
  uasPort: number,
  users: string,
  total = CALLEES,
): Promise<void> {
  const rate = 1000;
  const result = await sipp(
    [
      `127.0.0.1:${server.port}`,
      '-sf',
      join(SCENARIOS, 'register-contact-inf.xml'),
      '-inf',
      users,
      '-key',
      'contact_port',
      String(uasPort),
      ...sippBase(await freePort()),
      '-r',
      String(rate),
      '-m',
      String(total),
      '-l',
      '500',
      '-recv_timeout',
      '10000',
      '-timeout',
      `${Math.ceil(total / rate) + 30}s`,
    ],
    work,
    (total / rate + 40) * 1000,
  ).done;
  const ok = count(result.stats, 'SuccessfulCall(C)');
  if (ok !== total) {
    throw new Error(
      `${server.name}: registering the callees: ${ok}/${total} ok (code ${result.code})\n${result.errors === '' ? result.output : result.errors}`,
    );
  }
}

async function callStep(
  server: Server,
  uasPort: number,
  callees: string,
  rate: number,
  seconds: number,
  holdMs = HOLD_MS,
): Promise<Step> {
  const calls = Math.round(rate * seconds);
  const limit = Math.max(100, Math.ceil(rate * (holdMs / 1000 + 1) * 3));
  const uas = sipp(
    [
      '-sf',
      join(SCENARIOS, 'uas.xml'),
      ...sippBase(uasPort),
      '-m',
      String(calls + 1000),
      '-recv_timeout',
      String(holdMs + 20_000),
    ],
    work,
    (seconds + holdMs / 1000 + 90) * 1000,
  );
  await sleep(300);
  const load = load1();
  const cpu = cpuWindow(server, seconds + holdMs / 1000 + 0.5);
  const uac = await sipp(
    [
      `127.0.0.1:${server.port}`,
      '-sf',
      join(SCENARIOS, 'uac.xml'),
      '-inf',
      callees,
      '-key',
      'caller',
      CALLER,
      ...sippBase(await freePort()),
      '-r',
      String(rate),
      '-m',
      String(calls),
      '-l',
      String(limit),
      '-d',
      String(holdMs),
      '-recv_timeout',
      '10000',
      '-timeout',
      `${Math.ceil(seconds + holdMs / 1000) + 40}s`,
      '-timeout_error',
    ],
    work,
    (seconds + holdMs / 1000 + 60) * 1000,
  ).done;
  const wall = (performance.now() - cpu.t0) / 1000;
  await sleep(500);
  const uasResult = await uas.stop();
  const successful = count(uac.stats, 'SuccessfulCall(C)');
  const failed = failuresOf(uac) + failuresOf(uasResult);
  const step: Step = {
    system: server.name,
    kind: 'calls',
    rate,
    seconds,
    attempted: calls,
    successful,
    failed,
    retransmissions:
      count(uac.stats, 'Retransmissions(C)') + count(uasResult.stats, 'Retransmissions(C)'),
    responseMs: sippMillis(uac.stats['ResponseTime1(C)']),
    achieved: successful / Math.max(1, wall - holdMs / 1000),
    serverCpu: cpu.percent(),
    sippCpu: (100 * (uac.cpuSeconds + uasResult.cpuSeconds)) / wall,
    load,
    ok: failed === 0 && successful === calls && uac.code === 0,
    note: uac.code === 0 ? '' : `SIPp exit ${uac.code}`,
  };
  log(stepLine(step));
  if (!step.ok) logErrors([uac, uasResult]);
  steps.push(step);
  return step;
}

/** The first lines of SIPp's error logs of a failed step, for the console. */
function logErrors(results: SippResult[]): void {
  for (const r of results) {
    if (r.errors !== '')
      log(`  SIPp errors: ${r.errors.slice(0, 1200).replaceAll('\n', '\n    ')}`);
  }
}

async function registerStep(
  server: Server,
  users: string,
  rate: number,
  seconds: number,
): Promise<Step> {
  const attempts = Math.round(rate * seconds);
  const load = load1();
  const cpu = cpuWindow(server, seconds + 0.5);
  const result = await sipp(
    [
      `127.0.0.1:${server.port}`,
      '-sf',
      join(SCENARIOS, 'register-inf.xml'),
      '-inf',
      users,
      ...sippBase(await freePort()),
      '-r',
      String(rate),
      '-m',
      String(attempts),
      '-l',
      String(Math.max(200, rate * 2)),
      '-recv_timeout',
      '10000',
      '-timeout',
      `${seconds + 40}s`,
      '-timeout_error',
    ],
    work,
    (seconds + 60) * 1000,
  ).done;
  const wall = (performance.now() - cpu.t0) / 1000;
  const successful = count(result.stats, 'SuccessfulCall(C)');
  const failed = failuresOf(result);
  const step: Step = {
    system: server.name,
    kind: 'REGISTER',
    rate,
    seconds,
    attempted: attempts,
    successful,
    failed,
    retransmissions: count(result.stats, 'Retransmissions(C)'),
    responseMs: sippMillis(result.stats['ResponseTime1(C)']),
    achieved: successful / wall,
    serverCpu: cpu.percent(),
    sippCpu: (100 * result.cpuSeconds) / wall,
    load,
    ok: failed === 0 && successful === attempts && result.code === 0,
    note: result.code === 0 ? '' : `SIPp exit ${result.code}`,
  };
  log(stepLine(step));
  if (!step.ok) logErrors([result]);
  steps.push(step);
  return step;
}

/**
 * Short probes up the ladder until one fails, then the highest passing rate for `finalSeconds`;
 * if that fails, the rate below it (at most two finals). Returns the rate held, 0 if none.
 */
async function ladder(
  rates: number[],
  finalSeconds: number,
  run: (rate: number, seconds: number) => Promise<Step>,
): Promise<LadderResult> {
  let best = -1;
  for (let i = 0; i < rates.length; i++) {
    const step = await run(rates[i] as number, PROBE_S);
    await sleep(2000);
    if (!step.ok) break;
    best = i;
  }
  for (let i = best, tries = 0; i >= 0 && tries < 2; i--, tries++) {
    const step = await run(rates[i] as number, finalSeconds);
    await sleep(2000);
    if (step.ok) return { held: rates[i] as number, final: step };
  }
  return { held: 0, final: null };
}

// ---------------------------------------------------------------- phases

type Starter = (tag: string) => Promise<Server>;

interface Results {
  calls: Map<string, LadderResult>;
  registers: Map<string, LadderResult>;
  memory?: MemoryResult;
  linger?: LingerResult;
  profile?: { rate: number; summary: ReturnType<typeof summariseProfile>; cpu: number };
}

/**
 * A server for a phase, started again after a failed step: an overloaded step leaves calls,
 * transactions and (for REGISTER) blocked addresses behind that would fail the next one.
 */
async function withServer(
  start: Starter,
  tag: string,
  prepare: (server: Server) => Promise<void>,
  body: (step: (run: (server: Server) => Promise<Step>) => Promise<Step>) => Promise<LadderResult>,
): Promise<LadderResult> {
  let server: Server | null = null;
  try {
    return await body(async (run) => {
      if (server === null) {
        server = await start(tag);
        await prepare(server);
      }
      const step = await run(server);
      if (!step.ok) {
        await server.stop();
        server = null;
      }
      return step;
    });
  } finally {
    await (server as Server | null)?.stop();
  }
}

type LadderResult = { held: number; final: Step | null };

async function callsPhase(system: string, start: Starter, callees: string) {
  let uasPort = 0;
  return withServer(
    start,
    'calls',
    async (server) => {
      uasPort = await freePort();
      await registerCallees(server, uasPort, callees);
      log(`${system}: ${CALLEES} callees registered`);
    },
    (step) =>
      ladder(CALL_RATES, FINAL_S, (rate, seconds) =>
        step((server) => callStep(server, uasPort, callees, rate, seconds)),
      ),
  );
}

async function registersPhase(_system: string, start: Starter, users: string) {
  return withServer(
    start,
    'registers',
    () => Promise.resolve(),
    (step) =>
      ladder(REG_RATES, REG_FINAL_S, (rate, seconds) =>
        step((server) => registerStep(server, users, rate, seconds)),
      ),
  );
}

interface MemorySample {
  rssKiB: number;
  heapUsed: number;
  total: number;
}

interface MemoryResult {
  baseline: MemorySample;
  registered: MemorySample;
  held: MemorySample;
  registrations: number;
  calls: number;
}

async function sample(server: RenvoiServer): Promise<MemorySample> {
  const usage = await server.memory();
  return {
    rssKiB: rssKiB(server.pid),
    heapUsed: usage.heapUsed,
    total: usage.heapUsed + usage.external + usage.arrayBuffers,
  };
}

/** Timer J / Timer L keep finished transactions 32 s (RFC 3261, RFC 6026): wait them out. */
const TRANSACTIONS_GONE_MS = 34_000;

async function memoryPhase(
  template: string,
  users: string,
  callees: string,
): Promise<MemoryResult> {
  const server = await startRenvoi({
    dataDir: freshDataDir(template),
    port: await freePort(),
    work,
    nodeArgs: PBX_NODE_ARGS,
  });
  try {
    await sleep(2000);
    const baseline = await sample(server);
    const uasPort = await freePort();
    await registerCallees(server, uasPort, users, EXTENSIONS);
    log(`memory: ${EXTENSIONS} registered; waiting for the transactions to end`);
    await sleep(TRANSACTIONS_GONE_MS);
    const registered = await sample(server);
    // HELD_CALLS calls set up in a few seconds and held well past Timer L.
    const holdMs = 75_000;
    const setupRate = 250;
    const uas = sipp(
      [
        '-sf',
        join(SCENARIOS, 'uas.xml'),
        ...sippBase(uasPort),
        '-m',
        String(HELD_CALLS),
        '-recv_timeout',
        String(holdMs + 30_000),
      ],
      work,
      holdMs + 120_000,
    );
    await sleep(300);
    const uac = sipp(
      [
        `127.0.0.1:${server.port}`,
        '-sf',
        join(SCENARIOS, 'uac.xml'),
        '-inf',
        callees,
        '-key',
        'caller',
        CALLER,
        ...sippBase(await freePort()),
        '-r',
        String(setupRate),
        '-m',
        String(HELD_CALLS),
        '-l',
        String(HELD_CALLS + 10),
        '-d',
        String(holdMs),
        '-recv_timeout',
        '10000',
        '-timeout',
        `${holdMs / 1000 + 60}s`,
        '-timeout_error',
      ],
      work,
      holdMs + 90_000,
    );
    await sleep((HELD_CALLS / setupRate) * 1000 + TRANSACTIONS_GONE_MS + 2000);
    const held = await sample(server);
    log('memory: sampled with the calls held; waiting for them to end');
    const uacResult = await uac.done;
    await uas.stop();
    if (count(uacResult.stats, 'SuccessfulCall(C)') !== HELD_CALLS) {
      log(`memory: held calls: only ${uacResult.stats['SuccessfulCall(C)']} succeeded`);
    }
    return { baseline, registered, held, registrations: EXTENSIONS, calls: HELD_CALLS };
  } finally {
    await server.stop();
  }
}

interface LingerResult {
  rate: number;
  calls: number;
  step: Step;
  /** V8 heap used after a full GC: right after the calls, then once their transactions ended. */
  heapAfterCalls: number;
  heapSettled: number;
  /** PBX CPU over the call run (user + system), seconds. */
  cpuSeconds: number;
  /** GC pauses of the PBX during the call run (PerformanceObserver), ms. */
  gcTotalMs: number;
  gcMaxMs: number;
  gcCount: number;
  /** The worst per-second event-loop delay max and the median of the per-second p99s, ms. */
  delayMaxMs: number;
  delayP99Ms: number;
}

interface EldLine {
  at: number;
  p99: number;
  max: number;
  gcCount: number;
  gcTotal: number;
  gcMax: number;
}

/**
 * Calls at `LINGER_RATE` for `LINGER_S` seconds (shorter than Timer L/M, so that every call's
 * transactions still linger when the run ends), then the heap after a full GC, then again 34 s
 * later: the difference per call is what a finished call keeps alive through its transactions.
 */
async function lingerPhase(template: string, callees: string): Promise<LingerResult> {
  const eldFile = join(work, 'eld-linger.jsonl');
  const server = await startRenvoi({
    dataDir: freshDataDir(template),
    port: await freePort(),
    work,
    eldFile,
    nodeArgs: PBX_NODE_ARGS,
    // Every memory reading writes the snapshot: the one right after the calls is kept aside.
    ...(opts.snapshot === undefined
      ? {}
      : { env: { RENVOI_BENCH_SNAPSHOT: `${opts.snapshot}.writing` } }),
  });
  try {
    const uasPort = await freePort();
    await registerCallees(server, uasPort, callees);
    await sleep(TRANSACTIONS_GONE_MS);
    const t0 = Date.now();
    const cpu0 = cpuSeconds(server.pids());
    const step = await callStep(server, uasPort, callees, LINGER_RATE, LINGER_S);
    const cpu = cpuSeconds(server.pids()) - cpu0;
    const t1 = Date.now();
    const afterCalls = await server.memory();
    log(`linger: heap ${(afterCalls.heapUsed / 1048576).toFixed(1)} MiB right after the calls`);
    if (opts.snapshot !== undefined) {
      renameSync(`${opts.snapshot}.writing`, opts.snapshot);
      log(`linger: heap snapshot right after the calls in ${opts.snapshot}`);
    }
    await sleep(TRANSACTIONS_GONE_MS);
    const settled = await server.memory();
    if (opts.snapshot !== undefined) rmSync(`${opts.snapshot}.writing`, { force: true });
    const lines = readFileSync(eldFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EldLine)
      .filter((l) => l.at > t0 && l.at <= t1 + 1000);
    const p99s = lines.map((l) => l.p99).sort((a, b) => a - b);
    return {
      rate: LINGER_RATE,
      calls: step.attempted,
      step,
      heapAfterCalls: afterCalls.heapUsed,
      heapSettled: settled.heapUsed,
      cpuSeconds: cpu,
      gcTotalMs: lines.reduce((a, l) => a + l.gcTotal, 0),
      gcMaxMs: Math.max(0, ...lines.map((l) => l.gcMax)),
      gcCount: lines.reduce((a, l) => a + l.gcCount, 0),
      delayMaxMs: Math.max(0, ...lines.map((l) => l.max)),
      delayP99Ms: p99s[Math.floor(p99s.length / 2)] ?? Number.NaN,
    };
  } finally {
    await server.stop();
  }
}

async function profilePhase(template: string, callees: string, rate: number) {
  const dir = join(work, 'cpu-profile');
  mkdirSync(dir, { recursive: true });
  // Register the callees first, then profile a PBX that loads their bindings from the store, so
  // that the profile holds the calls only.
  const dataDir = freshDataDir(template);
  const uasPort = await freePort();
  const registrar = await startRenvoi({ dataDir, port: await freePort(), work });
  try {
    await registerCallees(registrar, uasPort, callees);
  } finally {
    await registrar.stop();
  }
  const server = await startRenvoi({
    dataDir,
    port: await freePort(),
    work,
    cpuProfileDir: dir,
    nodeArgs: PBX_NODE_ARGS,
  });
  let cpu = 0;
  try {
    const step = await callStep(server, uasPort, callees, rate, quick ? 5 : 15);
    cpu = step.serverCpu;
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no CPU profile was written');
  const saved = join(tmpdir(), 'renvoi-sip-bench.cpuprofile');
  cpSync(join(dir, file), saved);
  log(`CPU profile kept in ${saved} (open it in Chrome DevTools)`);
  return { rate, summary: summariseProfile(join(dir, file), ROOT, 15), cpu };
}

// ---------------------------------------------------------------- report

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function ratio(a: number, b: number): string {
  return b === 0 ? '–' : (a / b).toFixed(2);
}

function report(results: Results): void {
  const kernel = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
  const sippVersion = /SIPp v[\d.]+/.exec(
    spawnSync('sipp', ['-v'], { encoding: 'utf8' }).stdout,
  )?.[0];
  console.log(
    `\nNode ${process.version}, ${sippVersion ?? 'SIPp'}, Kamailio (${KAMAILIO_CHILDREN} UDP workers), Linux ${kernel}; ` +
      `${EXTENSIONS.toLocaleString('en-US')} extensions, calls to ${CALLEES.toLocaleString('en-US')} of them, hold ${HOLD_MS} ms; ` +
      `probes ${PROBE_S} s, finals ${FINAL_S} s (REGISTER ${REG_FINAL_S} s); load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );
  console.log('| measure (zero failures) | Renvoi | Kamailio | Renvoi / Kamailio |');
  console.log('| --- | --- | --- | --- |');
  const row = (name: string, map: Results['calls'], unit: string) => {
    const r = map.get('Renvoi');
    const k = map.get('Kamailio');
    if (r === undefined && k === undefined) return;
    const show = (x: typeof r) =>
      x === undefined ? '–' : x.held === 0 ? 'none' : `${fmt(x.held)} ${unit}`;
    console.log(`| ${name} | ${show(r)} | ${show(k)} | ${ratio(r?.held ?? 0, k?.held ?? 0)} |`);
  };
  row(`calls held ${FINAL_S} s`, results.calls, 'calls/s');
  row(`REGISTER with digest held ${REG_FINAL_S} s`, results.registers, 'REGISTER/s');
  console.log('\nEvery step (probes, then finals):\n');
  console.log(
    '| system | kind | rate/s | s | ok / attempted | achieved/s | failed | retrans | resp. ms | server CPU % | SIPp CPU % | load 1 min |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of steps) {
    console.log(
      `| ${s.system} | ${s.kind} | ${fmt(s.rate)} | ${s.seconds} | ${fmt(s.successful)} / ${fmt(s.attempted)} | ${fmt(s.achieved)} | ${s.failed}${s.note === '' ? '' : ` (${s.note})`} | ${s.retransmissions} | ${Number.isNaN(s.responseMs) ? '–' : s.responseMs.toFixed(0)} | ${s.serverCpu.toFixed(0)} | ${s.sippCpu.toFixed(0)} | ${s.load} |`,
    );
  }
  const m = results.memory;
  if (m !== undefined) {
    const per = (a: number, b: number, n: number) => ((a - b) / n).toFixed(0);
    console.log('\nRenvoi memory (after a full GC; transactions of the setup ended):\n');
    console.log('| state | RSS MiB | V8 heap used MiB | heap + external MiB |');
    console.log('| --- | --- | --- | --- |');
    const mib = (b: number) => (b / 1048576).toFixed(1);
    for (const [name, s] of [
      ['started, no registration', m.baseline],
      [`${fmt(m.registrations)} registrations`, m.registered],
      [`+ ${fmt(m.calls)} calls held`, m.held],
    ] as const) {
      console.log(
        `| ${name} | ${(s.rssKiB / 1024).toFixed(1)} | ${mib(s.heapUsed)} | ${mib(s.total)} |`,
      );
    }
    console.log(
      `| **per registration** | ${per(m.registered.rssKiB * 1024, m.baseline.rssKiB * 1024, m.registrations)} B | ${per(m.registered.heapUsed, m.baseline.heapUsed, m.registrations)} B | ${per(m.registered.total, m.baseline.total, m.registrations)} B |`,
    );
    console.log(
      `| **per call held** | ${per(m.held.rssKiB * 1024, m.registered.rssKiB * 1024, m.calls)} B | ${per(m.held.heapUsed, m.registered.heapUsed, m.calls)} B | ${per(m.held.total, m.registered.total, m.calls)} B |`,
    );
  }
  const l = results.linger;
  if (l !== undefined) {
    const kib = (b: number) => (b / 1024).toFixed(1);
    console.log(
      `\nWhat finished calls keep alive (${fmt(l.calls)} calls at ${fmt(l.rate)}/s, ${l.step.failed} failed, load ${l.step.load}; PBX flags: ${PBX_NODE_ARGS.join(' ') || 'none'}):\n`,
    );
    console.log('| measure | value |');
    console.log('| --- | --- |');
    console.log(`| V8 heap right after the calls (full GC) | ${kib(l.heapAfterCalls)} KiB |`);
    console.log(`| V8 heap once their transactions ended | ${kib(l.heapSettled)} KiB |`);
    console.log(
      `| **heap kept per finished call** | ${((l.heapAfterCalls - l.heapSettled) / l.calls / 1024).toFixed(2)} KiB |`,
    );
    console.log(`| PBX CPU per call | ${((1e6 * l.cpuSeconds) / l.calls).toFixed(0)} µs |`);
    console.log(
      `| GC pauses during the run | ${l.gcCount} pauses, ${l.gcTotalMs.toFixed(0)} ms in all, longest ${l.gcMaxMs.toFixed(1)} ms |`,
    );
    console.log(`| event-loop delay | median p99 ${l.delayP99Ms} ms, max ${l.delayMaxMs} ms |`);
  }
  const p = results.profile;
  if (p !== undefined) {
    console.log(
      `\nRenvoi CPU profile at ${fmt(p.rate)} calls/s (process CPU ${p.cpu.toFixed(0)}% of one core; the profile covers the PBX's whole life: start, load, drain; idle left out):\n`,
    );
    console.log('| % of busy time | part |');
    console.log('| --- | --- |');
    for (const part of p.summary.parts)
      console.log(`| ${part.percent.toFixed(1)} | ${part.part} |`);
    console.log('\n| self % of busy time | function | where |');
    console.log('| --- | --- | --- |');
    for (const f of p.summary.top) {
      console.log(`| ${f.selfPercent.toFixed(1)} | ${f.name} | ${f.where} |`);
    }
  }
}

async function main(): Promise<void> {
  log(
    `work directory ${work}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const template = prepareTemplate();
  log(`imported ${EXTENSIONS} extensions`);
  const users = csv('users.csv', EXTENSIONS);
  const callees = csv('callees.csv', CALLEES);
  const renvoi: Starter = async () =>
    startRenvoi({
      dataDir: freshDataDir(template),
      port: await freePort(),
      work,
      nodeArgs: PBX_NODE_ARGS,
    });
  const kamailio: Starter = async (tag) => {
    const dir = join(work, `kamailio-${tag}`);
    mkdirSync(dir, { recursive: true });
    return startKamailio({ port: await freePort(), work: dir, children: KAMAILIO_CHILDREN });
  };
  const systems: [string, Starter][] = [['Renvoi', renvoi]];
  if (WITH_KAMAILIO) systems.push(['Kamailio', kamailio]);
  const results: Results = { calls: new Map(), registers: new Map() };
  if (ONLY.has('calls')) {
    for (const [name, start] of systems)
      results.calls.set(name, await callsPhase(name, start, callees));
  }
  if (ONLY.has('registers')) {
    for (const [name, start] of systems) {
      results.registers.set(name, await registersPhase(name, start, users));
    }
  }
  if (ONLY.has('linger')) results.linger = await lingerPhase(template, callees);
  if (ONLY.has('memory')) results.memory = await memoryPhase(template, users, callees);
  if (ONLY.has('profile')) {
    // The rate held, else the highest probe that passed.
    const passed = steps.filter((s) => s.system === 'Renvoi' && s.kind === 'calls' && s.ok);
    const held = results.calls.get('Renvoi')?.held || Math.max(0, ...passed.map((s) => s.rate));
    results.profile = await profilePhase(
      template,
      callees,
      held > 0 ? held : (CALL_RATES[0] ?? 100),
    );
  }
  report(results);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
