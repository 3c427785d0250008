import { describe, expect, it } from 'vitest';
import { samplesOf, trailingSilenceMs } from '../../../src/pbx/voicemail/trailing-silence.js';

const tone = (ms: number): number[] =>
  Array.from({ length: ms * 8 }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
  );
const quiet = (ms: number, level = 0): number[] => Array.from({ length: ms * 8 }, () => level);

describe('trailing silence of a recording', () => {
  it('counts the silent end in 20 ms frames, and nothing after voice', () => {
    expect(trailingSilenceMs(Int16Array.from([...tone(1000), ...quiet(2000)]))).toBe(2000);
    expect(trailingSilenceMs(Int16Array.from([...quiet(500), ...tone(1000)]))).toBe(0);
  });

  it('takes low noise for silence, and all of a silent recording', () => {
    expect(trailingSilenceMs(Int16Array.from([...tone(200), ...quiet(600, 100)]))).toBe(600);
    expect(trailingSilenceMs(Int16Array.from(quiet(1000)))).toBe(1000);
    expect(trailingSilenceMs(new Int16Array(0))).toBe(0);
  });

  it('reads little-endian 16-bit samples, ignoring an odd last byte', () => {
    expect([...samplesOf(Buffer.from([0x01, 0x00, 0xff, 0xff, 0x07]))]).toEqual([1, -1]);
  });
});
