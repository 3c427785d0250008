/**
 * Measuring audio: RMS level and the Goertzel algorithm (the power of one frequency, as a DTMF
 * detector computes it), used for silence detection and by tests and the benchmark to find a tone
 * in a recording. Pure.
 */
import { SAMPLE_RATE } from './g711.js';

/** Root mean square of 16-bit samples (0 for an empty array). */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}

/**
 * Goertzel power of `frequencyHz` over the block, normalised so that a full sine of amplitude A
 * at that frequency gives about A²/4 whatever the block length.
 */
export function goertzelPower(
  samples: Int16Array,
  frequencyHz: number,
  sampleRate = SAMPLE_RATE,
): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (samples[i] as number) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (n * n);
}

/**
 * The share of the block's energy found at `frequencyHz` (0-1): about 1 for a pure tone at that
 * frequency, near 0 for silence, noise or another tone.
 */
export function toneRatio(
  samples: Int16Array,
  frequencyHz: number,
  sampleRate = SAMPLE_RATE,
): number {
  const level = rms(samples);
  if (level === 0) return 0;
  // A sine of amplitude A has RMS A/√2 and Goertzel power A²/4, i.e. RMS²/2.
  return Math.min(1, goertzelPower(samples, frequencyHz, sampleRate) / ((level * level) / 2));
}

/** The strongest of the candidate frequencies in the block. */
export function dominantFrequency(
  samples: Int16Array,
  candidatesHz: readonly number[],
  sampleRate = SAMPLE_RATE,
): number | undefined {
  let best: number | undefined;
  let bestPower = 0;
  for (const f of candidatesHz) {
    const power = goertzelPower(samples, f, sampleRate);
    if (power > bestPower) {
      bestPower = power;
      best = f;
    }
  }
  return best;
}
