/**
 * What a caller hears, in words: each 20 ms frame is silence, one of the test's tones, or speech
 * (a prompt); the order of the steady runs is what the guide's sequences are asserted on.
 */
import { rms, toneRatio } from '../../src/media/tone-analysis.js';

export type Sound = 'silence' | 'speech' | 'ringback' | 'beep' | 'caller' | 'mobile';

const TONES: readonly [Sound, number][] = [
  ['ringback', 440],
  ['beep', 1000],
  ['caller', 700],
  ['mobile', 1400],
];

export function soundOf(pcm: Int16Array): Sound {
  if (rms(pcm) < 300) return 'silence';
  for (const [sound, hz] of TONES) if (toneRatio(pcm, hz) > 0.8) return sound;
  return 'speech';
}

/** 8 kHz samples cut into 20 ms frames. */
export function framesOf(samples: Int16Array): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let start = 0; start + 160 <= samples.length; start += 160) {
    frames.push(samples.subarray(start, start + 160));
  }
  return frames;
}

/**
 * The sounds in order, each steady run once: runs shorter than `min` frames (a tonal-looking
 * frame inside speech) and silence are left out.
 */
export function steadyRuns(frames: readonly Int16Array[], min = 5): Sound[] {
  const out: Sound[] = [];
  let current: Sound | null = null;
  let length = 0;
  const flush = (): void => {
    if (current !== null && current !== 'silence' && length >= min && out.at(-1) !== current) {
      out.push(current);
    }
  };
  for (const frame of frames) {
    const sound = soundOf(frame);
    if (sound === current) {
      length++;
      continue;
    }
    flush();
    current = sound;
    length = 1;
  }
  flush();
  return out;
}
