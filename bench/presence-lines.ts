/**
 * `npm run bench:presence`: what busy lamps cost the PBX. After a turn of the event loop in which
 * a call's signaling moved, and while some phone watches, the lines of the watched extensions are
 * read again from the calls in progress (`linesOf`), and each NOTIFY builds its dialog-info body.
 * Measured for a receptionist's 40 keys (what the PBX does) and, for comparison, for every
 * extension (what it would cost to keep every line).
 * Measured in CPU time of the process (`process.cpuUsage`) for 100, 1,000 and 5,000 calls in
 * progress (5,000 is the default `maxCalls`), half ringing two devices, half answered, 7 runs, the
 * median. In process, no network: docs/benchmarks.md records the figures.
 */
import { linesOf } from '../src/pbx/presence/call-activity.js';
import type { CallView } from '../src/pbx/presence/call-activity.js';
import { dialogInfoXml } from '../src/pbx/presence/presence-xml.js';

function calls(n: number): CallView[] {
  return Array.from({ length: n }, (_, i) => {
    const ringing = i % 2 === 0;
    const callee = String(1000 + ((i * 2 + 1) % 9000));
    return {
      id: `call-${i}`,
      state: ringing ? 'ringing' : 'answered',
      caller:
        i % 3 === 0
          ? { kind: 'external' as const, e164: `+3361234${String(i).padStart(4, '0')}`, digits: '' }
          : { kind: 'internal' as const, extension: String(1000 + ((i * 2) % 9000)) },
      callerName: i % 3 === 0 ? 'Cabinet Durand' : null,
      aCallId: `a-${i}@bench`,
      decision: { to: callee },
      bLegs: ringing
        ? [
            { target: callee, state: 'early' },
            { target: callee, state: 'calling' },
          ]
        : [{ target: callee, state: 'answered' }],
    };
  });
}

function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const isExtension = (n: string) => /^\d{4}$/.test(n);
console.log(
  '| calls in progress | one read of every line (µs of CPU) | one dialog-info body (µs) |',
);
console.log('| --- | --- | --- |');
for (const n of [100, 1000, 5000]) {
  const list = calls(n);
  const reads = 200;
  const readRuns: number[] = [];
  const watchedRuns: number[] = [];
  const bodyRuns: number[] = [];
  const keys = new Set(list.slice(0, 40).map((c) => c.decision.to));
  let lines = linesOf(list, 'pbx.example', isExtension);
  for (let run = 0; run < 7; run++) {
    watchedRuns.push(
      cpuMs(() => {
        for (let i = 0; i < reads; i++)
          linesOf(list, 'pbx.example', isExtension, (e) => keys.has(e));
      }) / reads,
    );
    readRuns.push(
      cpuMs(() => {
        for (let i = 0; i < reads; i++) lines = linesOf(list, 'pbx.example', isExtension);
      }) / reads,
    );
    const sample = [...lines.values()].slice(0, 1000);
    bodyRuns.push(
      cpuMs(() => {
        for (const [i, l] of sample.entries()) dialogInfoXml('sip:1000@pbx.example', i, l);
      }) / sample.length,
    );
  }
  console.log(
    `| ${n} | ${(median(watchedRuns) * 1000).toFixed(0)} | ${(median(readRuns) * 1000).toFixed(0)} | ${(median(bodyRuns) * 1000).toFixed(1)} |`,
  );
}
