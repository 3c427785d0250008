/**
 * An uploaded recording (a greeting, a replaced prompt) made into the 8 kHz 16-bit mono WAV the
 * PBX plays. The header is checked first, on the caller's thread, in microseconds; the samples are
 * converted in a worker thread, so calls and the web keep being served meanwhile, with its memory,
 * its output and its time bounded and a limited number of conversions at once. The result is
 * written under a temporary name and renamed over the target: nothing half-written is ever seen.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SAMPLE_RATE } from './g711.js';
import { readWavHeader } from './wav-header.js';
import type { WavBounds, WavHeader } from './wav-header.js';
import type { ConversionJob } from './wav-conversion-worker.js';

/** Too many conversions are running: the caller may try again shortly. */
export class ConversionBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many audio conversions at once');
    this.name = 'ConversionBusyError';
  }
}

/** The conversion failed or ran past its time; nothing was written. */
export class ConversionFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConversionFailedError';
  }
}

export interface ConverterOptions {
  /** Conversions at once; more are refused (busy). */
  maxConcurrent?: number;
  /** A worker still running after this is ended and the upload fails. */
  timeoutMs?: number;
  /** The worker's heap: the samples are held once, the rest is a few blocks. */
  heapMb?: number;
}

/**
 * The worker's module. Built, it sits beside this one; under Vitest this module is the .ts
 * source, and the worker runs from the build (dist/) that the test suite makes first.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.js')) return new URL('./wav-conversion-worker.js', here);
  const root = join(dirname(fileURLToPath(here)), '..', '..');
  return pathToFileURL(join(root, 'dist', 'src', 'media', 'wav-conversion-worker.js'));
}

export class WavConverter {
  private running = 0;
  private readonly maxConcurrent: number;
  private readonly timeoutMs: number;
  private readonly heapMb: number;

  constructor(options: ConverterOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? 2;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.heapMb = options.heapMb ?? 64;
  }

  /** Conversions running now (tests check none is left). */
  get active(): number {
    return this.running;
  }

  /**
   * Checks `bytes` (a whole WAV file) against `bounds`, throwing `WavUploadError` before any work
   * when it is out of them; converts it off this thread and renames the result to `target`.
   */
  async convert(bytes: Uint8Array, bounds: WavBounds, target: string): Promise<WavHeader> {
    const header = readWavHeader(bytes, bounds);
    if (this.running >= this.maxConcurrent) throw new ConversionBusyError(5);
    this.running++;
    const temporary = join(dirname(target), `.${basename(target)}.${randomUUID()}.tmp`);
    let fd: number | null = null;
    try {
      // Opened and closed here, not in the worker: a worker ended at its deadline runs no
      // `finally`, and its descriptor would stay open in the process for good.
      // Never over an existing file (wx); owner-only, like every recording.
      fd = openSync(temporary, 'wx', 0o600);
      await this.runWorker(bytes, header, bounds, fd);
      closeSync(fd);
      fd = null;
      renameSync(temporary, target);
      return header;
    } finally {
      this.running--;
      if (fd !== null) closeSync(fd);
      rmSync(temporary, { force: true });
    }
  }

  private runWorker(
    bytes: Uint8Array,
    header: WavHeader,
    bounds: WavBounds,
    fd: number,
  ): Promise<void> {
    // The data chunk alone, copied once into memory the worker then owns (transferred, not copied).
    // (A Buffer's slice would be a view of the request's memory, maybe of Node's shared pool.)
    const samples = new Uint8Array(
      bytes.subarray(header.dataOffset, header.dataOffset + header.dataBytes),
    );
    const job: ConversionJob = {
      samples,
      header: { ...header, dataOffset: 0 },
      fd,
      maxOutputBytes: Math.ceil((bounds.maxMs / 1000) * SAMPLE_RATE + 1) * 2,
    };
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerUrl(), {
        workerData: job,
        transferList: [samples.buffer],
        resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 16 },
      });
      let failure: Error | null = null;
      const timer = setTimeout(() => {
        failure = new ConversionFailedError(`conversion still running after ${this.timeoutMs} ms`);
        void worker.terminate();
      }, this.timeoutMs);
      worker.on('error', (error) => {
        failure ??= new ConversionFailedError(`conversion failed: ${error.message}`, {
          cause: error,
        });
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        if (failure === null && code !== 0) {
          failure = new ConversionFailedError(`conversion worker exited with code ${code}`);
        }
        if (failure === null) resolve();
        else reject(failure);
      });
    });
  }
}
