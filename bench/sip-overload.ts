/**
 * `npm run bench:overload`: a burst of calls well past capacity (issue 15: 2,000 calls/s for
 * 15 s), through Renvoi with its overload control, Renvoi without it (`RENVOI_OVERLOAD=off`, the
 * behaviour before), and Kamailio in the same run: what became of every call (answered, refused
 * with 503, failed: timed out or unexpected), retransmissions, the server's CPU, the PBX's
 * resident memory before, at its peak and after, and how long until a plain call gets through.
 *
 * Callers and phones are SIPp (test/interop/scenarios/uac-or-refused.xml: a 503 is an answer;
 * bench/sip/scenarios/uas.xml); everything on 127.0.0.1, each step bounded in count and time.
 * Needs `npm run build`, sipp, kamailio, sipsak. Prints a Markdown table (docs/benchmarks.md §2).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  freePort,
  rssKiB,
  sipp,
  sippMillis,
  startKamailio,
  startRenvoi,
} from './sip/processes.js';
import type { RenvoiServer, Server } from './sip/processes.js';
import { summariseProfile } from './sip/profile.js';
import { openStore } from '../src/cli/data-dir.js';
import { saveBindings } from '../src/store/binding-repository.js';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    callees: { type: 'string', default: '10000' },
    'hold-ms': { type: 'string', default: '200' },
    'kamailio-children': { type: 'string', default: '2' },
    /** Which systems, in order: renvoi, renvoi-off (overload control off), kamailio. */
    systems: { type: 'string', default: 'renvoi,renvoi-off,kamailio' },
    /** Seconds to wait after the burst before the "after" memory sample (Timer J: 32 s). */
    settle: { type: 'string', default: '34' },
    /** Profile the PBX (`--cpu-prof`) and print its top functions after the table. */
    profile: { type: 'boolean', default: false },
    /** Space-separated flags for the PBX's node, e.g. "--max-semi-space-size=4". */
    'pbx-node-args': { type: 'string', default: '' },
  },
});

const RATE = Number(opts.rate);
const SECONDS = Number(opts.seconds);
const CALLS = RATE * SECONDS;
const CALLEES = Number(opts.callees);
const HOLD_MS = Number(opts['hold-ms']);
const SETTLE_S = Number(opts.settle);
const SYSTEMS = opts.systems.split(',');
const FIRST_EXTENSION = 10_000;
const CALLER = '0611223344';
/** The caller that takes a 503 as an answer: shared with the load test. */
const UAC = join(ROOT, 'test', 'interop', 'scenarios', 'uac-or-refused.xml');
/** A plain call after the burst, to see when calls get through again. */
const PLAIN_UAC = join(SCENARIOS, 'uac.xml');

const work = mkdtempSync(join(tmpdir(), 'renvoi-overload-bench-'));

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

function extensionNumber(i: number): string {
  return String(FIRST_EXTENSION + i);
}

/** Passwords as Kamailio's script computes them ("pw-" + number). */
function directoryFile(): string {
  const extensions = Array.from({ length: CALLEES }, (_, i) => ({
    number: extensionNumber(i),
    name: `Bench ${extensionNumber(i)}`,
    password: `pw-${extensionNumber(i)}`,
  }));
  const file = join(work, 'directory.yaml');
  writeFileSync(
    file,
    stringify({
      country: 'FR',
      timezone: 'Europe/Paris',
      outsideCalls: { allow: true, concurrent: 10_000, perMinute: 1_000_000 },
      extensions,
    }),
  );
  return file;
}

function usersCsv(): string {
  const file = join(work, 'users.csv');
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < CALLEES; i++) lines.push(`${extensionNumber(i)};pw-${extensionNumber(i)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * `renvoi import` of the directory, and every callee's binding at the phones' port, stored as a
 * restart finds them. A burst of 10,000 REGISTERs first would measure something else, and one the
 * PBX refuses in part (it does at 1,000/s with digest on a busy machine) would leave callees out.
 */
async function prepareTemplate(uasPort: number): Promise<string> {
  const template = join(work, 'data-template');
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'renvoi.js'), 'import', directoryFile(), '--data', template],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new Error(`renvoi import failed: ${result.stderr.slice(0, 2000)}`);
  const db = await openStore(template);
  try {
    const now = Date.now();
    for (let i = 0; i < CALLEES; i++) {
      const number = extensionNumber(i);
      await saveBindings(db, number, [
        {
          aor: number,
          contact: `sip:${number}@127.0.0.1:${uasPort}`,
          expiresAt: now + 3_600_000,
          q: null,
          callId: `bench-${number}`,
          cseq: 1,
          instanceId: null,
          regId: null,
          source: { protocol: 'udp', address: '127.0.0.1', port: uasPort },
          userAgent: 'SIPp',
          updatedAt: now,
        },
      ]);
    }
  } finally {
    await db.destroy();
  }
  return template;
}

async function registerCallees(server: Server, uasPort: number, users: string): Promise<void> {
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
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort()),
      '-r',
      String(rate),
      '-m',
      String(CALLEES),
      '-l',
      '500',
      '-recv_timeout',
      '10000',
      '-timeout',
      `${Math.ceil(CALLEES / rate) + 30}s`,
    ],
    work,
    (CALLEES / rate + 40) * 1000,
  ).done;
  const ok = count(result.stats, 'SuccessfulCall(C)');
  if (ok !== CALLEES) {
    throw new Error(
      `${server.name}: registering the callees: ${ok}/${CALLEES} ok\n${result.errors}`,
    );
  }
}

interface Row {
  system: string;
  answered: number;
  refused: number;
  failed: number;
  retransmissions: number;
  responseMs: number;
  serverCpu: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
  /** After a full collection: what the PBX still holds, and its resident set then. */
  heapAfterGc: number;
  rssAfterGc: number;
  sippCpu: number;
  /** Seconds from the end of the burst to the first plain call that succeeded; NaN if none. */
  recoveredS: number;
  load: number;
  loadAfter: number;
}

/** 503s received by the SIPp of `pid`, from its per-message counts (`-trace_counts`). */
function refusals(pid: number): number {
  const file = readdirSync(work).find((f) => f.endsWith(`_${pid}_counts.csv`));
  if (file === undefined) return Number.NaN;
  const [header = '', ...rows] = readFileSync(join(work, file), 'utf8').trim().split('\n');
  const last = (rows.at(-1) ?? '').split(';');
  let total = 0;
  header.split(';').forEach((name, i) => {
    if (/503.*_Recv$/.test(name)) total += Number(last[i] ?? 0);
  });
  return total;
}

async function burst(system: string): Promise<Row> {
  const port = await freePort();
  let server: Server;
  let renvoi: RenvoiServer | undefined;
  if (system === 'kamailio') {
    server = await startKamailio({
      port,
      work,
      children: Number(opts['kamailio-children']),
    });
  } else {
    const dataDir = join(work, `data-${system}`);
    cpSync(template, dataDir, { recursive: true });
    renvoi = await startRenvoi({
      dataDir,
      port,
      work,
      ...(opts.profile ? { cpuProfileDir: join(work, `profile-${system}`) } : {}),
      nodeArgs: opts['pbx-node-args'].split(' ').filter((a) => a !== ''),
      env: system === 'renvoi-off' ? { RENVOI_OVERLOAD: 'off' } : {},
    });
    server = renvoi;
  }
  try {
    if (renvoi === undefined) await registerCallees(server, uasPort, users);
    await sleep(2000);
    const rssOf = (): number => (renvoi === undefined ? Number.NaN : rssKiB(renvoi.pid) / 1024);
    const rssBefore = rssOf();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf())), 250);
    const uas = sipp(
      [
        '-sf',
        join(SCENARIOS, 'uas.xml'),
        '-i',
        '127.0.0.1',
        '-p',
        String(uasPort),
        '-m',
        String(CALLS + 1000),
        '-recv_timeout',
        String(HOLD_MS + 20_000),
      ],
      work,
      (SECONDS + 120) * 1000,
    );
    await sleep(300);
    const load = load1();
    const c0 = cpuSeconds(server.pids());
    const t0 = performance.now();
    const caller = sipp(
      [
        `127.0.0.1:${port}`,
        '-sf',
        UAC,
        '-inf',
        callees,
        '-key',
        'caller',
        CALLER,
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        '-r',
        String(RATE),
        '-m',
        String(CALLS),
        '-l',
        String(CALLS),
        '-d',
        String(HOLD_MS),
        // A caller gives up on a call after 10 s without the answer it waits for.
        '-recv_timeout',
        '10000',
        '-timeout',
        `${SECONDS + 60}s`,
        '-timeout_error',
        '-trace_counts',
      ],
      work,
      (SECONDS + 90) * 1000,
    );
    const uac = await caller.done;
    const burstSeconds = (performance.now() - t0) / 1000;
    const serverCpu = (100 * (cpuSeconds(server.pids()) - c0)) / burstSeconds;
    const burstEnd = performance.now();
    const recoveredS = await firstCallThrough(port, burstEnd);
    const uasResult = await uas.stop();
    await sleep(Math.max(0, SETTLE_S * 1000 - (performance.now() - burstEnd)));
    clearInterval(sampler);
    const rssAfter = rssOf();
    const collected = renvoi === undefined ? undefined : await renvoi.memory();
    if (collected !== undefined) log(`  after a full GC: ${JSON.stringify(collected)}`);
    const refused = refusals(caller.pid);
    const row: Row = {
      system,
      answered: count(uac.stats, 'SuccessfulCall(C)') - refused,
      refused,
      failed: count(uac.stats, 'FailedCall(C)'),
      retransmissions:
        count(uac.stats, 'Retransmissions(C)') + count(uasResult.stats, 'Retransmissions(C)'),
      responseMs: sippMillis(uac.stats['ResponseTime1(C)']),
      serverCpu,
      rssBefore,
      rssPeak,
      rssAfter,
      heapAfterGc: collected === undefined ? Number.NaN : collected.heapUsed / 1024 / 1024,
      rssAfterGc: collected === undefined ? Number.NaN : collected.rss / 1024 / 1024,
      sippCpu: (100 * (uac.cpuSeconds + uasResult.cpuSeconds)) / burstSeconds,
      recoveredS,
      load,
      loadAfter: load1(),
    };
    log(JSON.stringify(row));
    if (uac.errors !== '') log(`  SIPp: ${uac.errors.slice(0, 1500).replaceAll('\n', ' | ')}`);
    return row;
  } finally {
    await server.stop();
    if (opts.profile && renvoi !== undefined) printProfile(join(work, `profile-${system}`));
  }
}

function printProfile(dir: string): void {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return;
  const summary = summariseProfile(join(dir, file), ROOT, 25);
  for (const p of summary.parts) log(`  ${p.percent.toFixed(1)} %  ${p.part}`);
  for (const f of summary.top) log(`  ${f.selfPercent.toFixed(1)} %  ${f.name}  ${f.where}`);
}

/** Plain calls every 500 ms (up to 60 s) until one is answered: seconds since `since`. */
async function firstCallThrough(port: number, since: number): Promise<number> {
  const uasPort = await freePort();
  const phone = sipp(
    ['-sf', join(SCENARIOS, 'uas.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-m', '1'],
    work,
    90_000,
  );
  // The last callee is re-registered at this phone's port: the burst's callees may be busy.
  const lastCsv = join(work, 'last-callee.csv');
  const last = extensionNumber(CALLEES - 1);
  writeFileSync(lastCsv, `SEQUENTIAL\n${last};pw-${last}\n`);
  try {
    for (let attempt = 0; attempt < 120; attempt++) {
      const reg = await sipp(
        [
          `127.0.0.1:${port}`,
          '-sf',
          join(SCENARIOS, 'register-contact-inf.xml'),
          '-inf',
          lastCsv,
          '-key',
          'contact_port',
          String(uasPort),
          '-i',
          '127.0.0.1',
          '-p',
          String(await freePort()),
          '-m',
          '1',
          '-timeout',
          '5s',
        ],
        work,
        10_000,
      ).done;
      if (count(reg.stats, 'SuccessfulCall(C)') === 1) {
        const call = await sipp(
          [
            `127.0.0.1:${port}`,
            '-sf',
            PLAIN_UAC,
            '-inf',
            lastCsv,
            '-key',
            'caller',
            CALLER,
            '-i',
            '127.0.0.1',
            '-p',
            String(await freePort()),
            '-m',
            '1',
            '-d',
            '100',
            '-timeout',
            '5s',
          ],
          work,
          10_000,
        ).done;
        if (count(call.stats, 'SuccessfulCall(C)') === 1) {
          return Math.round((performance.now() - since) / 100) / 10;
        }
      }
      if (performance.now() - since > 60_000) break;
      await sleep(500);
    }
    return Number.NaN;
  } finally {
    await phone.stop();
  }
}

function table(rows: Row[]): string {
  const mib = (n: number) => (Number.isNaN(n) ? '–' : String(Math.round(n)));
  const lines = [
    `${RATE} calls/s for ${SECONDS} s (${CALLS.toLocaleString('en')} calls), hold ${HOLD_MS} ms:`,
    '',
    '| system | answered | refused 503 | failed (timeout, unexpected) | retransmissions | answer ms | server CPU % | SIPp CPU % | RSS MiB before / peak / after | after a full GC: heap / RSS MiB | first call after (s) | load 1 min (before → after) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.system} | ${r.answered} | ${r.refused} | ${r.failed} | ${r.retransmissions} | ${Math.round(r.responseMs)} | ${Math.round(r.serverCpu)} | ${Math.round(r.sippCpu)} | ${mib(r.rssBefore)} / ${mib(r.rssPeak)} / ${mib(r.rssAfter)} | ${mib(r.heapAfterGc)} / ${mib(r.rssAfterGc)} | ${Number.isNaN(r.recoveredS) ? 'none in 60 s' : r.recoveredS} | ${r.load} → ${r.loadAfter} |`,
    );
  }
  return lines.join('\n');
}

// One port for the phones in every run: the stored bindings name it.
const uasPort = await freePort();
const template = await prepareTemplate(uasPort);
const users = usersCsv();
const callees = (() => {
  const file = join(work, 'callees.csv');
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < CALLEES; i++) lines.push(extensionNumber(i));
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
})();

try {
  const rows: Row[] = [];
  for (const system of SYSTEMS) {
    log(`${system}: ${RATE} calls/s for ${SECONDS} s`);
    rows.push(await burst(system));
  }
  process.stdout.write(`${table(rows)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
