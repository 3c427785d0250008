/**
 * `npm run bench`: the routing engine and the directory store at the size the issue names
 * (1,000 extensions × 15 exceptions, callers in mixed formats). Prints medians over several runs
 * as a Markdown table; docs/benchmarks.md records them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildDirectory } from '../src/domain/document.js';
import { normalizeCaller } from '../src/domain/numbers.js';
import { route } from '../src/domain/route.js';
import type { Caller, Directory } from '../src/domain/types.js';
import { runExport } from '../src/cli/commands/export.js';
import { runImport } from '../src/cli/commands/import.js';
import { largeDirectoryDocument, mixedCallers } from './directory-fixture.js';

const RUNS = 7;
const DECISIONS_PER_RUN = 300_000;
const STORE_RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * CPU milliseconds this process spent in `fn` (user + system). On a machine other work shares,
 * CPU time says what a decision costs where wall time says how busy the neighbours were.
 */
function cpuTimed(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function timedAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function directoryOf(doc: unknown): Directory {
  const built = buildDirectory(doc);
  if (!built.ok) throw new Error(`fixture is invalid: ${JSON.stringify(built.problems[0])}`);
  return built.directory;
}

/** Office hours, evening and weekend instants, so every kind of time condition is evaluated. */
const INSTANTS = [
  new Date('2026-11-25T10:00:00Z'),
  new Date('2026-11-25T20:00:00Z'),
  new Date('2026-11-28T11:00:00Z'),
];

function routeBench(directory: Directory, rawCallers: string[], normalise: boolean): number {
  const { country } = directory.settings;
  const isExtension = (n: string) => directory.extensions.has(n);
  const numbers = [...directory.extensions.keys()];
  const prepared: Caller[] = rawCallers.map((user) =>
    normalizeCaller({ user }, country, isExtension),
  );
  const rates: number[] = [];
  let sink = 0;
  for (let run = 0; run < RUNS; run++) {
    const ms = cpuTimed(() => {
      for (let i = 0; i < DECISIONS_PER_RUN; i++) {
        const from = normalise
          ? normalizeCaller(
              { user: rawCallers[i % rawCallers.length] ?? null },
              country,
              isExtension,
            )
          : (prepared[i % prepared.length] as Caller);
        const to = numbers[(i * 7) % numbers.length] as string;
        const decision = route({ to, from }, directory, INSTANTS[i % INSTANTS.length] as Date);
        sink += decision.plan.length;
      }
    });
    rates.push(DECISIONS_PER_RUN / (ms / 1000));
  }
  if (sink === 0) throw new Error('no plan was produced');
  return median(rates);
}

function coldNormaliseMicros(directory: Directory): number {
  const { country } = directory.settings;
  const isExtension = (n: string) => directory.extensions.has(n);
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Numbers never seen before, so the memo cannot answer.
    const fresh = Array.from(
      { length: 5_000 },
      (_, k) => `+33 1 ${String(run).padStart(2, '0')} ${String(k).padStart(6, '0')}`,
    );
    const ms = cpuTimed(() => {
      for (const user of fresh) normalizeCaller({ user }, country, isExtension);
    });
    samples.push((ms * 1000) / fresh.length);
  }
  return median(samples);
}

async function storeBench(
  doc: object,
  format: 'yaml' | 'json',
): Promise<{ importMs: number; exportMs: number }> {
  const work = mkdtempSync(join(tmpdir(), 'renvoi-bench-'));
  try {
    const file = join(work, `directory.${format}`);
    writeFileSync(file, format === 'yaml' ? stringify(doc) : JSON.stringify(doc, null, 2));
    const quiet = () => undefined;
    const imports: number[] = [];
    const exports: number[] = [];
    for (let run = 0; run < STORE_RUNS; run++) {
      const dataDir = join(work, `data-${run}`);
      let code = 0;
      imports.push(
        await timedAsync(async () => {
          code = await runImport({ file, dataDir, lang: 'en', out: quiet, err: quiet });
        }),
      );
      if (code !== 0) throw new Error('import failed');
      exports.push(await timedAsync(() => runExport({ dataDir, format, out: quiet, err: quiet })));
    }
    return { importMs: median(imports), exportMs: median(exports) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const doc = largeDirectoryDocument(1000, 15);
  const directory = directoryOf(doc);
  const callers = mixedCallers(10_000);
  const decisionsPure = routeBench(directory, callers, false);
  const decisionsWithNormalise = routeBench(directory, callers, true);
  const cold = coldNormaliseMicros(directory);
  const yaml = await storeBench(doc, 'yaml');
  const json = await storeBench(doc, 'json');
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`Node ${process.version}, ${RUNS} runs of ${fmt(DECISIONS_PER_RUN)} decisions each`);
  console.log('| measure | median |');
  console.log('| --- | --- |');
  console.log(
    `| route(), caller normalised beforehand | ${fmt(decisionsPure)} decisions per CPU-second |`,
  );
  console.log(
    `| normalizeCaller + route() per call (10,000 distinct callers, memo warm) | ${fmt(decisionsWithNormalise)} decisions per CPU-second |`,
  );
  console.log(`| normalizeCaller, a number never seen before | ${cold.toFixed(1)} µs of CPU |`);
  for (const [name, r] of [
    ['YAML', yaml],
    ['JSON', json],
  ] as const) {
    console.log(`| import, ${name} file → SQLite in one transaction | ${fmt(r.importMs)} ms |`);
    console.log(`| export, SQLite → ${name} | ${fmt(r.exportMs)} ms |`);
  }
}

await main();
