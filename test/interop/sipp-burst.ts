/**
 * SIPp runs of many calls (a rate, a count) for the overload tests, and what they report: the
 * statistics file (`-trace_stat`) and the count of each scenario message (`-trace_counts`).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface SippRun {
  done: Promise<{ code: number | null; output: string }>;
  stop(): void;
}

/** SIPp with `args` in `work` (where its files go), killed after `timeoutMs`. */
export function runSipp(args: readonly string[], work: string, timeoutMs: number): SippRun {
  const child = spawn('sipp', [...args, '-nostdin'], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-3000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error('sipp is not installed (Debian package sip-tester)')
          : error,
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  return { done, stop: () => child.kill() };
}

/** The arguments that make SIPp write what `callOutcomes` reads. */
export const TRACE_ARGS = ['-trace_stat', '-fd', '1', '-trace_counts', '-trace_err'];

export interface CallOutcomes {
  /** Calls that ran their scenario to the end: answered or refused. */
  successful: number;
  failed: number;
  /** 503 responses received (scenario uac-or-refused.xml). */
  refused: number;
  /** The start of SIPp's error log, empty when none. */
  errors: string;
}

/** What the UAC run in `work` reported, from its statistics and counts files. */
export function callOutcomes(work: string): CallOutcomes {
  const files = readdirSync(work);
  const stats = lastRow(
    work,
    files.find((f) => /_\d+_\.csv$/.test(f)),
  );
  const counts = lastRow(
    work,
    files.find((f) => f.endsWith('_counts.csv')),
  );
  let refused = 0;
  for (const [name, value] of Object.entries(counts)) {
    if (/503.*_Recv$/.test(name)) refused += value;
  }
  return {
    successful: stats['SuccessfulCall(C)'] ?? Number.NaN,
    failed: stats['FailedCall(C)'] ?? Number.NaN,
    refused,
    errors: files
      .filter((f) => f.endsWith('_errors.log'))
      .map((f) => readFileSync(join(work, f), 'utf8').slice(0, 2000))
      .join(''),
  };
}

/** A SIPp CSV (header line, one line per period) as numbers by column, its last line. */
function lastRow(work: string, file: string | undefined): Record<string, number> {
  if (file === undefined) throw new Error(`SIPp wrote no statistics in ${work}`);
  const lines = readFileSync(join(work, file), 'utf8').trim().split('\n');
  const names = (lines[0] ?? '').split(';');
  const values = (lines.at(-1) ?? '').split(';');
  const row: Record<string, number> = {};
  names.forEach((name, i) => {
    if (name !== '') row[name] = Number(values[i]);
  });
  return row;
}
