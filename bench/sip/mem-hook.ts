/**
 * Preloaded into the PBX process by the SIP benchmark (`node --expose-gc --import
 * dist/bench/sip/mem-hook.js bin/renvoi.js start …`): on SIGUSR2 it collects garbage and writes
 * `process.memoryUsage()` as JSON to the file named by RENVOI_BENCH_MEM_FILE.
 *
 * With RENVOI_BENCH_SNAPSHOT set, the same signal also writes a V8 heap snapshot to that path
 * (after the collection), to see what a run left alive.
 *
 * With RENVOI_BENCH_ELD_FILE set, it also appends one JSON line a second to that file: the
 * event-loop delay of that second (`monitorEventLoopDelay`, 10 ms resolution: p50/p99/max in ms)
 * the GC pauses of that second (count, total and longest, in ms, from `PerformanceObserver`), the
 * CPU time of the process and the time the main thread waited for a CPU (Linux schedstat), in ms:
 * a long delay with little CPU and a long wait is the machine, not the PBX.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

const file = process.env.RENVOI_BENCH_MEM_FILE;
if (file !== undefined) {
  process.on('SIGUSR2', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const usage = process.memoryUsage();
    const snapshot = process.env.RENVOI_BENCH_SNAPSHOT;
    if (snapshot !== undefined) writeHeapSnapshot(snapshot);
    writeFileSync(file, JSON.stringify({ at: Date.now(), ...usage }));
  });
}

const eldFile = process.env.RENVOI_BENCH_ELD_FILE;
if (eldFile !== undefined) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let gcCount = 0;
  let gcTotal = 0;
  let gcMax = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcTotal += entry.duration;
      gcMax = Math.max(gcMax, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  /** Nanoseconds the main thread has waited on a run queue (0 where /proc has no schedstat). */
  const runWait = (): number => {
    try {
      const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
      return Number(fields[1] ?? 0);
    } catch {
      return 0;
    }
  };
  let lastWait = runWait();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const wait = runWait();
    const cpu = process.cpuUsage(lastCpu);
    const line = {
      at: Date.now(),
      pid: process.pid,
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      gcCount,
      gcTotal: Math.round(gcTotal * 100) / 100,
      gcMax: Math.round(gcMax * 100) / 100,
      cpu: Math.round((cpu.user + cpu.system) / 1000),
      runWait: ms(wait - lastWait),
    };
    lastWait = wait;
    lastCpu = process.cpuUsage();
    appendFileSync(eldFile, `${JSON.stringify(line)}\n`);
    histogram.reset();
    gcCount = 0;
    gcTotal = 0;
    gcMax = 0;
  }, 1000).unref();
}
