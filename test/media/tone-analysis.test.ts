import { describe, expect, it } from 'vitest';
import { dominantFrequency, goertzelPower, rms, toneRatio } from '../../src/media/tone-analysis.js';

const sine = (hz: number, n: number, amplitude = 10_000) =>
  Int16Array.from({ length: n }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)),
  );

describe('tone analysis', () => {
  it('measures RMS', () => {
    expect(rms(new Int16Array(0))).toBe(0);
    expect(rms(Int16Array.of(3, -3, 3, -3))).toBe(3);
    expect(rms(sine(1000, 8000))).toBeCloseTo(10_000 / Math.SQRT2, -1);
  });

  it('finds a tone at its frequency and not at others', () => {
    const tone = sine(1000, 800);
    expect(goertzelPower(tone, 1000)).toBeCloseTo(10_000 ** 2 / 4, -5);
    expect(toneRatio(tone, 1000)).toBeGreaterThan(0.95);
    expect(toneRatio(tone, 440)).toBeLessThan(0.01);
    expect(dominantFrequency(tone, [440, 697, 1000, 1209])).toBe(1000);
    expect(toneRatio(new Int16Array(160), 1000)).toBe(0);
  });
});
