/**
 * `npm run bench:uploads`: what an uploaded recording costs the PBX (issue 14, point 3). For hostile
 * headers and for large legitimate files, the time to a refusal or a converted file, the longest
 * pause of this thread's event loop meanwhile, and the growth of the process's resident memory.
 * Prints a Markdown table; docs/benchmarks.md §4 records it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WavConverter } from '../src/media/wav-conversion.js';
import { WavUploadError } from '../src/media/wav-header.js';

/** A canonical 16-bit PCM header declaring `rate` and `channels`, then `dataBytes` of a tone. */
function wav(rate: number, channels: number, dataBytes: number): Buffer {
  const file = Buffer.alloc(44 + dataBytes);
  file.write('RIFF', 0, 'ascii');
  file.writeUInt32LE(36 + dataBytes, 4);
  file.write('WAVE', 8, 'ascii');
  file.write('fmt ', 12, 'ascii');
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20);
  file.writeUInt16LE(channels, 22);
  file.writeUInt32LE(rate, 24);
  file.writeUInt32LE(rate * channels * 2, 28);
  file.writeUInt16LE(channels * 2, 32);
  file.writeUInt16LE(16, 34);
  file.write('data', 36, 'ascii');
  file.writeUInt32LE(dataBytes, 40);
  for (let at = 44; at + 1 < file.length; at += 2) {
    const i = (at - 44) / 2 / channels;
    file.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), at);
  }
  return file;
}

const cases: { name: string; file: () => Buffer; maxMs: number }[] = [
  { name: '2 KB declaring 1 Hz (greeting)', file: () => wav(1, 1, 2048), maxMs: 60_000 },
  { name: '15 MB declaring 500 Hz (greeting)', file: () => wav(500, 1, 15_000_000), maxMs: 60_000 },
  {
    name: '70 s, 48 kHz stereo, 13 MB (prompt)',
    file: () => wav(48_000, 2, 70 * 192_000),
    maxMs: 120_000,
  },
  {
    name: '90 s, 44.1 kHz stereo, 16 MB (prompt)',
    file: () => wav(44_100, 2, 90 * 176_400),
    maxMs: 120_000,
  },
  {
    name: '43 s, 192 kHz mono, 16 MB (prompt)',
    file: () => wav(192_000, 1, 43 * 384_000),
    maxMs: 120_000,
  },
  { name: '60 s, 8 kHz mono (greeting)', file: () => wav(8000, 1, 60 * 16_000), maxMs: 60_000 },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'renvoi-bench-uploads-'));
  const converter = new WavConverter();
  const rows: string[] = [];
  try {
    for (const { name, file, maxMs } of cases) {
      const bytes = file();
      const loop = monitorEventLoopDelay({ resolution: 5 });
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      loop.enable();
      const started = performance.now();
      let outcome: string;
      try {
        await converter.convert(bytes, { maxMs }, join(dir, 'out.wav'));
        outcome = 'converted';
      } catch (error) {
        outcome =
          error instanceof WavUploadError ? `refused (${error.problem.reason})` : String(error);
      }
      const ms = performance.now() - started;
      loop.disable();
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      rows.push(
        `| ${name} | ${outcome} | ${ms.toFixed(1)} | ${(loop.max / 1e6).toFixed(1)} | ${((peak - baseline) / 2 ** 20).toFixed(0)} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('| upload | outcome | time (ms) | longest event-loop pause (ms) | RSS growth (MB) |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

await main();
