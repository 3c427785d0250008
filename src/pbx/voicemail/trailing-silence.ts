/**
 * How much of a recording's end is silence: whole 20 ms frames counted back from the end while
 * their RMS stays under the threshold (the recorder's, about -40 dBFS). Pure.
 */
import { FRAME_MS, FRAME_SAMPLES } from '../../media/g711.js';
import { rms } from '../../media/tone-analysis.js';

/** The recorder's silence threshold (media/recorder.ts). */
export const SILENCE_RMS = 300;

/** Little-endian 16-bit samples of a byte buffer (a WAV data chunk), an odd last byte ignored. */
export function samplesOf(bytes: Buffer): Int16Array {
  const samples = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** Milliseconds of silence at the end of `samples` (8 kHz), in whole frames but the first. */
export function trailingSilenceMs(samples: Int16Array, threshold = SILENCE_RMS): number {
  let end = samples.length;
  // A partial frame at the very start of the tail counts for what it holds.
  while (end > 0) {
    const start = Math.max(0, end - FRAME_SAMPLES);
    if (rms(samples.subarray(start, end)) >= threshold) break;
    end = start;
  }
  return Math.round(((samples.length - end) * FRAME_MS) / FRAME_SAMPLES);
}
