/**
 * `node dist/bench/media-load.js` (after `npm run build`): the media benchmark of issue 4.
 *
 * (a) Prompt streams: N sessions of the PBX media layer (one shared media clock) each play a
 *     prompt to its own UDP socket in a separate peer process, which stamps every arrival; the
 *     send-time jitter of a stream is |inter-arrival − 20 ms|, p50 and p99 per stream.
 * (b) Relayed calls: M calls, each two PBX sessions joined by a bridge; the peer process sends a
 *     20 ms PCMU stream from both ends of every call and counts what arrives at the other end.
 *     Loss is counted per direction; CPU is the PBX process's user+system time per relayed stream.
 *
 * Each step runs `--runs` times and the medians are printed as Markdown. Everything on 127.0.0.1,
 * bounded in count and time. Options: --streams 50,100,200,400 --calls 100,200,300,400,500,600
 * --seconds 10 --runs 3 --only prompts,relay
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
  },
});
const SECONDS = Number(opts.seconds);
const RUNS = Number(opts.runs);
const ONLY = new Set(opts.only.split(','));
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
  lossPct: number;
  cpuPerStreamPct: number;
}

async function promptRun(count: number, prompt: string): Promise<PromptRun> {
  const media = new MediaLayer({
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    portMin: 40000,
    portMax: 40000 + 4 * count + 10,
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
    const cpuBefore = cpuMs();
    const wallBefore = performance.now();
    await Promise.all(sessions.map((s) => media.play(s, [{ kind: 'wav', path: prompt }]).done));
    const cpu = cpuMs() - cpuBefore;
    const wall = performance.now() - wallBefore;
    await new Promise((r) => setTimeout(r, 200));
    const { streams } = await peer.ask<'report'>({ cmd: 'report' });
    const expected = SECONDS * 50;
    const received = streams.reduce((n, s) => n + s.packets, 0);
    await media.close();
    return {
      p50: median(streams.map((s: StreamReport) => s.p50)),
      p99Median: median(streams.map((s) => s.p99)),
      p99Max: max(streams.map((s) => s.p99)),
      lossPct: (100 * (expected * count - received)) / (expected * count),
      cpuPerStreamPct: (100 * cpu) / wall / count,
    };
  } finally {
    await peer.ask({ cmd: 'close' }).catch(() => undefined);
  }
}

interface RelayRun {
  lossPct: number;
  lostPackets: number;
  cpuPct: number;
  cpuPerStreamPct: number;
  jitterP99: number;
}

async function relayRun(calls: number): Promise<RelayRun> {
  const media = new MediaLayer({
    bindAddress: '127.0.0.1',
    advertisedAddress: '127.0.0.1',
    portMin: 40000,
    portMax: 40000 + 8 * calls + 10,
    reorderDepth: 3,
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
    const cpuBefore = cpuMs();
    const wallBefore = performance.now();
    const { perSocket } = await peer.ask<'sent'>({ cmd: 'send', targets, seconds: SECONDS });
    const cpu = cpuMs() - cpuBefore;
    const wall = performance.now() - wallBefore;
    await new Promise((r) => setTimeout(r, 500));
    const { streams } = await peer.ask<'report'>({ cmd: 'report' });
    const expected = perSocket * 2 * calls;
    const received = streams.reduce((n, s) => n + s.packets, 0);
    for (const b of bridges) b.stop();
    await media.close();
    return {
      lossPct: (100 * (expected - received)) / expected,
      lostPackets: expected - received,
      cpuPct: (100 * cpu) / wall,
      cpuPerStreamPct: (100 * cpu) / wall / (2 * calls),
      jitterP99: median(streams.map((s) => s.p99)),
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

async function main(): Promise<void> {
  const out: string[] = [];
  const baseline = await timerBaseline();
  out.push(
    `Node ${process.version}, ${SECONDS} s per run, median of ${RUNS} runs; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}.`,
    `Reference: a bare setTimeout(20) loop in this process deviates p50 ${fixed(baseline.p50)} ms, p99 ${fixed(baseline.p99)} ms.`,
    '',
  );
  if (ONLY.has('prompts')) {
    const prompt = promptFile();
    out.push(
      '| streams | jitter p50 (ms, median of streams) | p99 (median of streams) | p99 (worst stream) | loss % | PBX CPU % per stream |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const n of opts.streams.split(',').map(Number)) {
      const runs: PromptRun[] = [];
      for (let r = 0; r < RUNS; r++) {
        runs.push(await promptRun(n, prompt));
        log(`prompts ${n} run ${r + 1}: ${JSON.stringify(runs.at(-1))}`);
      }
      out.push(
        `| ${n} | ${fixed(median(runs.map((r) => r.p50)))} | ${fixed(median(runs.map((r) => r.p99Median)))} | ${fixed(median(runs.map((r) => r.p99Max)))} | ${fixed(median(runs.map((r) => r.lossPct)), 3)} | ${fixed(median(runs.map((r) => r.cpuPerStreamPct)), 3)} |`,
      );
    }
    out.push('');
  }
  if (ONLY.has('relay')) {
    out.push(
      '| relayed calls | streams | lost packets | loss % | PBX CPU % (one core = 100) | CPU % per stream | arrival jitter p99 (ms) |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const m of opts.calls.split(',').map(Number)) {
      const runs: RelayRun[] = [];
      for (let r = 0; r < RUNS; r++) {
        runs.push(await relayRun(m));
        log(`relay ${m} run ${r + 1}: ${JSON.stringify(runs.at(-1))}`);
      }
      out.push(
        `| ${m} | ${2 * m} | ${median(runs.map((r) => r.lostPackets))} | ${fixed(median(runs.map((r) => r.lossPct)), 3)} | ${fixed(median(runs.map((r) => r.cpuPct)), 1)} | ${fixed(median(runs.map((r) => r.cpuPerStreamPct)), 3)} | ${fixed(median(runs.map((r) => r.jitterP99)))} |`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
