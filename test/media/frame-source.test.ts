import { describe, expect, it } from 'vitest';
import { FrameSequence } from '../../src/media/frame-source.js';
import type { ResolvedSource } from '../../src/media/frame-source.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';

function all(sources: ResolvedSource[], limit = 10_000): Int16Array[] {
  const seq = new FrameSequence(sources);
  const frames: Int16Array[] = [];
  for (let frame = seq.next(); frame && frames.length < limit; frame = seq.next())
    frames.push(frame);
  return frames;
}

describe('FrameSequence', () => {
  it('plays nothing for no source', () => {
    expect(all([])).toEqual([]);
    expect(all([{ kind: 'silence', ms: 0 }])).toEqual([]);
  });

  it('cuts PCM into 20 ms frames and pads the last one', () => {
    const samples = new Int16Array(400).fill(7);
    const frames = all([{ kind: 'pcm', samples }]);
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160]);
    expect(frames[2]?.[79]).toBe(7);
    expect(frames[2]?.[80]).toBe(0);
  });

  it('writes into a reused frame what it would return afresh, padding included', () => {
    const sources: ResolvedSource[] = [
      { kind: 'pcm', samples: new Int16Array(400).fill(7) },
      { kind: 'tone', frequencyHz: 1000, ms: 50 },
    ];
    const fresh = all(sources);
    const seq = new FrameSequence(sources);
    const reused = new Int16Array(160).fill(-1);
    const copies: Int16Array[] = [];
    for (let frame = seq.next(reused); frame && copies.length < 100; frame = seq.next(reused)) {
      expect(frame).toBe(reused);
      copies.push(frame.slice());
    }
    expect(copies).toEqual(fresh);
  });

  it('chains sources in order', () => {
    const frames = all([
      { kind: 'silence', ms: 40 },
      { kind: 'tone', frequencyHz: 1000, ms: 60 },
    ]);
    expect(frames).toHaveLength(5);
    expect(rms(frames[1] as Int16Array)).toBe(0);
    expect(toneRatio(frames[2] as Int16Array, 1000)).toBeGreaterThan(0.9);
  });

  it('makes the voicemail beep: 1 kHz for 400 ms', () => {
    const frames = all([{ kind: 'beep' }]);
    expect(frames).toHaveLength(20);
    for (const f of frames) expect(toneRatio(f, 1000)).toBeGreaterThan(0.9);
  });

  it('makes the French ringback: 440 Hz, 1.5 s on, 3.5 s off, repeating', () => {
    const frames = all([{ kind: 'ringback', ms: 10_000 }]);
    expect(frames).toHaveLength(500);
    const on = frames.map((f) => rms(f) > 1000);
    expect(on.slice(0, 75).every(Boolean)).toBe(true);
    expect(on.slice(75, 250).some(Boolean)).toBe(false);
    expect(on.slice(250, 325).every(Boolean)).toBe(true);
    expect(toneRatio(frames[10] as Int16Array, 440)).toBeGreaterThan(0.9);
  });

  it('plays ringback without a length until stopped', () => {
    expect(all([{ kind: 'ringback' }], 1000)).toHaveLength(1000);
  });
});
