/**
 * The upload resampler (src/media/wav-resample.ts) on its own: exact output length, the pass band
 * kept at its level, and what lies above 4 kHz removed rather than folded into the voice band.
 */
import { describe, expect, it } from 'vitest';
import { readWavHeader } from '../../src/media/wav-header.js';
import { resampleTo8kMono } from '../../src/media/wav-resample.js';
import { wavWith } from '../api/wav-files.js';

/** One second of a `hz` tone at amplitude 8000, 16-bit mono at `rate`, through the resampler. */
function resampledTone(rate: number, hz: number): Int16Array {
  const data = Buffer.alloc(rate * 2);
  for (let i = 0; i < rate; i++) {
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  }
  const file = wavWith({ rate }, data);
  const header = readWavHeader(file, { maxMs: 2000 });
  const blocks: Int16Array[] = [];
  resampleTo8kMono(file, header, (pcm) => blocks.push(pcm));
  const out = new Int16Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}

/** Root mean square away from the edges (the filter's reach at each end). */
function rms(samples: Int16Array): number {
  const middle = samples.subarray(400, samples.length - 400);
  return Math.sqrt(middle.reduce((sum, v) => sum + v * v, 0) / middle.length);
}

describe('resampling an upload to 8 kHz', () => {
  it('gives floor(frames × 8000 / rate) samples whatever the rate', () => {
    for (const rate of [8000, 11_025, 16_000, 22_050, 44_100, 44_101, 48_000, 96_000, 192_000]) {
      expect(resampledTone(rate, 440).length, `${rate} Hz`).toBe(8000);
    }
  });

  it('keeps the voice band at its level (within 5 %)', () => {
    const level = 8000 / Math.SQRT2;
    // 44 101 Hz has 8000 phases: rounded to 512 kernels.
    for (const rate of [11_025, 44_100, 44_101, 48_000, 192_000]) {
      for (const hz of [300, 1000, 3000]) {
        expect(rms(resampledTone(rate, hz)) / level, `${hz} Hz from ${rate} Hz`).toBeCloseTo(1, 1);
      }
    }
  });

  it('removes what lies above 4 kHz instead of folding it into the voice band', () => {
    // 6 kHz at 48 kHz would come back as a 2 kHz whistle at full level without the low-pass.
    for (const [rate, hz] of [
      [48_000, 6000],
      [44_100, 5000],
      [16_000, 7000],
    ] as const) {
      expect(rms(resampledTone(rate, hz)), `${hz} Hz from ${rate} Hz`).toBeLessThan(8000 * 0.01);
    }
  });
});
