/**
 * The conversion worker (node:worker_threads): the samples of one uploaded WAV, already checked
 * by its header, converted to 8 kHz 16-bit mono and written block by block to a temporary file
 * that the main thread renames into place. It stops, throwing, if the output would pass its
 * bound; the main thread ends it if it runs past its time, and owns the file's descriptor.
 */
import { fsyncSync, writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { WAV_HEADER_BYTES, wavHeader } from './wav.js';
import type { WavHeader } from './wav-header.js';
import { resampleTo8kMono } from './wav-resample.js';

export interface ConversionJob {
  /** The data chunk alone; `header.dataOffset` is 0 in it. */
  readonly samples: Uint8Array;
  readonly header: WavHeader;
  /** The temporary file, opened for writing by the main thread, which closes it. */
  readonly fd: number;
  readonly maxOutputBytes: number;
}

const { fd, samples, header, maxOutputBytes } = workerData as ConversionJob;
writeSync(fd, Buffer.alloc(WAV_HEADER_BYTES));
let written = 0;
resampleTo8kMono(samples, header, (pcm) => {
  written += pcm.byteLength;
  if (written > maxOutputBytes) {
    throw new RangeError(`conversion output passed ${maxOutputBytes} bytes`);
  }
  writeSync(fd, pcm);
});
// The header once the size is known, over the placeholder.
writeSync(fd, wavHeader(written), 0, WAV_HEADER_BYTES, 0);
fsyncSync(fd);
