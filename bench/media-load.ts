/**
 * `node dist/bench/media-load.js` (after `npm run build`): the media benchmark of issue 4.
 *
 * (a) Prompt streams: N sessions of the PBX media layer (one shared media clock) each play a
 *     prompt to its own UDP socket in a separate peer process, which stamps every arrival; the
 *     send-time jitter of a stream is |inter-arrival − 20 ms|, p50 and p99 per stream.
 * (b) Relayed calls: M calls, each two PBX sessions joined by a bridge; the peer process sends a
 *     20 ms PCMU stream from both ends of every call and counts, frame by frame, what arrives at
 *     the other end. Counting waits until nothing more arrives, so a packet is lost only if it
 *     never arrives; how late packets were shows as the relay latency. Where the lost ones went is
 *     told by the counters at each hop: sent by the peer, received by the PBX sessions, relayed,
 *     received by the peer, and the kernel's UDP drop counters (/proc/net/snmp, system-wide).
 *     CPU is the PBX process's user+system time per relayed stream.
 *
 * Each step runs `--runs` times and the medians are printed as Markdown. Everything on 127.0.0.1,
 * bounded in count and time. Options: --streams 50,100,200,400 --calls 100,200,300,400,500,600
 * --seconds 10 --runs 3 --only prompts,relay --lead <ms> (how long before each tick the media clock's
 * timer fires, the rest being a precise sleep; default the media layer's, 0 to compare without it).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MediaLayer } from '../src/media/media-layer.js';
import type { RtpSession } from '../src/media/rtp-session.js';
import { encodeWav } from '../src/media/wav.js';
import type { PeerCommand, PeerReply, StreamReport } from './media/peer.js';

const { values: opts } = parseArgs({
  options: {
    streams: { type: 'string', default: '50,100,200,400' },
    calls: { type: 'string', default: '100,200,300,400,500,600' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string', default: 'prompts,relay' },
    lead: { type: 'string' },
  },
});
const SECONDS = Number(opts.seconds);
const RUNS = Number(opts.runs);
const ONLY = new Set(opts.only.split(','));
const LEAD_MS = opts.lead === undefined ? undefined : Number(opts.lead);
const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'renvoi-media-bench-'));

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
const max = (values: number[]): number => values.reduce((m, v) => Math.max(m, v), -Infinity);
const fixed = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');

class Peer {
  private readonly child: ChildProcess;
  private waiting: ((reply: PeerReply) => void) | undefined;

  constructor() {
    this.child = fork(join(here, 'media', 'peer.js'), { stdio: 'inherit' });
    this.child.on('message', (reply: PeerReply) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(reply);
    });
  }

  ask<R extends PeerReply['reply']>(
    command: PeerCommand,
  ): Promise<Extract<PeerReply, { reply: R }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`peer did not answer ${command.cmd}`)),
        120_000,
      );
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply as Extract<PeerReply, { reply: R }>);
      };
      this.child.send(command);
    });
  }
}

function sdpFor(port: number): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A prompt file like the real ones: speech-like level, SECONDS long. */
function promptFile(): string {
  const samples = Int16Array.from({ length: SECONDS * 8000 }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000) * (0.6 + 0.4 * Math.sin(i / 900))),
  );
  const path = join(work, 'prompt.wav');
  writeFileSync(path, encodeWav(samples));
  return path;
}

interface PromptRun {
  p50: number;
  p99Median: number;
  p99Max: number;
  /** In the PBX: |interval between the starts of two ticks − 20 ms|, p99, ms. */
  tickP99: number;
  lossPct: number;
  cpuPerStreamPct: number;
  load1: number;
}

async function promptRun(count: number, prompt: string): Promise<PromptRun> {
  const media = new MediaLayer({
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    portMin: 40000,
    portMax: 40000 + 4 * count + 10,
    clockLeadMs: LEAD_MS,
  });
  const peer = new Peer();
  try {
    const { ports } = await peer.ask<'opened'>({ cmd: 'open', count });
    const sessions: RtpSession[] = [];
    for (const port of ports) {
      const s = await media.openSession();
      s.answer(sdpFor(port));
      sessions.push(s);
    }
    await media.wavs.load(prompt);
    const load1 = loadavg()[0] as number;
    const cpuBefore = cpuMs();
    const wallBefore = performance.now();
    // Subscribed before the players, so it runs first in each tick: when the tick began.
    const tickStarts: number[] = [];
    const stopWatching = media.clock.subscribe(() => tickStarts.push(performance.now()));
    await Promise.all(sessions.map((s) => media.play(s, [{ kind: 'wav', path: prompt }]).done));
    stopWatching();
    const tickDeviations = tickStarts
      .slice(1)
      .map((t, i) => Math.abs(t - (tickStarts[i] as number) - 20))
      .sort((a, b) => a - b);
    const cpu = cpuMs() - cpuBefore;
    const wall = performance.now() - wallBefore;
    const expected = SECONDS * 50;
    await drain(peer, expected * count);
    const { streams } = await peer.ask<'report'>({ cmd: 'report' });
    const received = streams.reduce((n, s) => n + s.packets, 0);
    await media.close();
    return {
      p50: median(streams.map((s: StreamReport) => s.p50)),
      p99Median: median(streams.map((s) => s.p99)),
      p99Max: max(streams.map((s) => s.p99)),
      tickP99: tickDeviations[Math.floor(0.99 * tickDeviations.length)] ?? NaN,
      lossPct: (100 * (expected * count - received)) / (expected * count),
      cpuPerStreamPct: (100 * cpu) / wall / count,
      load1,
    };
  } finally {
    await peer.ask({ cmd: 'close' }).catch(() => undefined);
  }
}

interface RelayRun {
  sent: number;
  pbxReceived: number;
  relayed: number;
  received: number;
  lostPackets: number;
  lossPct: number;
  duplicates: number;
  kernelDrops: number;
  /** Time from the last packet sent to the last one counted: the PBX's backlog at the end. */
  drainMs: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  cpuPct: number;
  cpuPerStreamPct: number;
  load1: number;
}

/** The kernel's UDP counters (system-wide): datagrams dropped for a full buffer or memory. */
function udpDrops(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = (lines[0] ?? '').split(/\s+/);
  const values = (lines[1] ?? '').split(/\s+/).map(Number);
  const field = (name: string): number => values[names.indexOf(name)] ?? 0;
  return field('RcvbufErrors') + field('SndbufErrors') + field('MemErrors');
}

/** Wait until the peer has counted `expected` packets, or nothing new came for a second. */
async function drain(peer: Peer, expected: number): Promise<void> {
  let last = -1;
  let still = 0;
  for (let i = 0; i < 300; i++) {
    const { packets } = await peer.ask<'count'>({ cmd: 'count' });
    if (packets >= expected) return;
    still = packets === last ? still + 1 : 0;
    if (still >= 20) return;
    last = packets;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function relayRun(calls: number): Promise<RelayRun> {
  const media = new MediaLayer({
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    portMin: 40000,
    portMax: 40000 + 8 * calls + 10,
    reorderDepth: 3,
    clockLeadMs: LEAD_MS,
  });
  const peer = new Peer();
  try {
    // Sockets 0..calls-1 are the callers, calls..2calls-1 the callees.
    const { ports } = await peer.ask<'opened'>({ cmd: 'open', count: 2 * calls });
    const sessions: RtpSession[] = [];
    for (let i = 0; i < 2 * calls; i++) {
      const s = await media.openSession();
      s.answer(sdpFor(ports[i] as number));
      sessions.push(s);
    }
    const targets = sessions.map((s) => s.port);
    const bridges = Array.from({ length: calls }, (_, i) =>
      media.bridge(sessions[i] as RtpSession, sessions[calls + i] as RtpSession),
    );
    const load1 = loadavg()[0] as number;
    const dropsBefore = udpDrops();
    const cpuBefore = cpuMs();
    const wallBefore = performance.now();
    const { perSocket } = await peer.ask<'sent'>({ cmd: 'send', targets, seconds: SECONDS });
    const wall = performance.now() - wallBefore;
    const sentAt = performance.now();
    const expected = perSocket * 2 * calls;
    await drain(peer, expected);
    const drainMs = performance.now() - sentAt;
    // Up to the last packet relayed, over the time the streams lasted: CPU per second of media,
    // a backlog relayed late included.
    const cpu = cpuMs() - cpuBefore;
    const kernelDrops = udpDrops() - dropsBefore;
    const { streams } = await peer.ask<'report'>({ cmd: 'report' });
    const frames = streams.reduce((n, s) => n + s.frames, 0);
    const pbxReceived = sessions.reduce((n, s) => n + s.statistics.packetsReceived, 0);
    const relayed = bridges.reduce((n, b) => n + b.stats.aToB.relayed + b.stats.bToA.relayed, 0);
    for (const b of bridges) b.stop();
    await media.close();
    return {
      sent: expected,
      pbxReceived,
      relayed,
      received: frames,
      lostPackets: expected - frames,
      lossPct: (100 * (expected - frames)) / expected,
      duplicates: streams.reduce((n, s) => n + s.duplicates, 0),
      kernelDrops,
      drainMs,
      latencyP50: median(streams.map((s) => s.latencyP50)),
      latencyP99: median(streams.map((s) => s.latencyP99)),
      latencyMax: max(streams.map((s) => s.latencyMax)),
      cpuPct: (100 * cpu) / wall,
      cpuPerStreamPct: (100 * cpu) / wall / (2 * calls),
      load1,
    };
  } finally {
    await peer.ask({ cmd: 'close' }).catch(() => undefined);
  }
}

/** How late a bare setTimeout(20) loop runs on this machine now: the floor under any figure. */
async function timerBaseline(): Promise<{ p50: number; p99: number }> {
  const deviations: number[] = [];
  let previous = process.hrtime.bigint();
  for (let i = 0; i < 250; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = process.hrtime.bigint();
    deviations.push(Math.abs(Number(now - previous) / 1e6 - 20));
    previous = now;
  }
  deviations.sort((a, b) => a - b);
  return { p50: deviations[125] as number, p99: deviations[247] as number };
}

const med = <T>(runs: T[], pick: (run: T) => number): number => median(runs.map(pick));

async function main(): Promise<void> {
  const out: string[] = [];
  const reference = (): Promise<string> =>
    timerBaseline().then(
      (b) =>
        `a bare setTimeout(20) loop in this process deviates p50 ${fixed(b.p50)} ms, p99 ${fixed(b.p99)} ms; load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
  out.push(
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${SECONDS} s per run, median of ${RUNS} runs, media clock lead ${LEAD_MS ?? 'default'} ms.`,
    `Reference before: ${await reference()}.`,
    '',
  );
  if (ONLY.has('prompts')) {
    const prompt = promptFile();
    out.push(
      'Prompt streams: send-time jitter = |inter-arrival − 20 ms| at the receiving peer; the tick start column is the same measure taken inside the PBX at the start of each media clock tick (before any packet is sent).',
      '',
      '| streams | jitter p50 (ms, median of streams) | p99 (median of streams) | p99 (worst stream) | PBX tick start p99 (ms) | loss % | PBX CPU % per stream | load (1 min) |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const n of opts.streams.split(',').map(Number)) {
      const runs: PromptRun[] = [];
      for (let r = 0; r < RUNS; r++) {
        runs.push(await promptRun(n, prompt));
        log(`prompts ${n} run ${r + 1}: ${JSON.stringify(runs.at(-1))}`);
      }
      out.push(
        `| ${n} | ${fixed(med(runs, (r) => r.p50))} | ${fixed(med(runs, (r) => r.p99Median))} | ${fixed(med(runs, (r) => r.p99Max))} | ${fixed(med(runs, (r) => r.tickP99))} | ${fixed(
          med(runs, (r) => r.lossPct),
          3,
        )} | ${fixed(
          med(runs, (r) => r.cpuPerStreamPct),
          3,
        )} | ${fixed(med(runs, (r) => r.load1))} |`,
      );
    }
    out.push('');
  }
  if (ONLY.has('relay')) {
    out.push(
      'Relayed calls: packets per hop (sent by the peer → received by the PBX → relayed → received by the peer), counted once nothing more arrives; kernel drops are /proc/net/snmp UDP RcvbufErrors+SndbufErrors+MemErrors during the run (whole machine).',
      '',
      '| relayed calls | streams | sent | PBX received | relayed | received | lost | loss % | kernel drops | backlog at end (ms) | relay latency p50 / p99 / max (ms) | PBX CPU % (one core = 100) | CPU % per stream | load (1 min) |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const m of opts.calls.split(',').map(Number)) {
      const runs: RelayRun[] = [];
      for (let r = 0; r < RUNS; r++) {
        runs.push(await relayRun(m));
        log(`relay ${m} run ${r + 1}: ${JSON.stringify(runs.at(-1))}`);
      }
      out.push(
        `| ${m} | ${2 * m} | ${med(runs, (r) => r.sent)} | ${med(runs, (r) => r.pbxReceived)} | ${med(runs, (r) => r.relayed)} | ${med(runs, (r) => r.received)} | ${med(runs, (r) => r.lostPackets)} | ${fixed(
          med(runs, (r) => r.lossPct),
          3,
        )} | ${med(runs, (r) => r.kernelDrops)} | ${fixed(
          med(runs, (r) => r.drainMs),
          0,
        )} | ${fixed(med(runs, (r) => r.latencyP50))} / ${fixed(med(runs, (r) => r.latencyP99))} / ${fixed(med(runs, (r) => r.latencyMax))} | ${fixed(
          med(runs, (r) => r.cpuPct),
          1,
        )} | ${fixed(
          med(runs, (r) => r.cpuPerStreamPct),
          3,
        )} | ${fixed(med(runs, (r) => r.load1))} |`,
      );
    }
    out.push('');
  }
  out.push(`Reference after: ${await reference()}.`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
