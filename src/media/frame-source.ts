/**
 * What the player plays, as a sequence of 20 ms frames of 8 kHz PCM: WAV prompts (already decoded),
 * silence, and generated tones. The voicemail beep is a 1 kHz tone of 400 ms; the French ringback
 * ("tonalité de retour d'appel") is 440 Hz, 1.5 s on and 3.5 s off. Pure: no I/O, no clock.
 */
import { FRAME_SAMPLES, SAMPLE_RATE } from './g711.js';

/** A source to play. `wav` is resolved to `pcm` by the player before playback starts. */
export type PlaySource =
  | { readonly kind: 'wav'; readonly path: string }
  | { readonly kind: 'pcm'; readonly samples: Int16Array }
  | { readonly kind: 'silence'; readonly ms: number }
  | { readonly kind: 'tone'; readonly frequencyHz: number; readonly ms: number }
  | { readonly kind: 'beep' }
  /** French ringback cadence; without `ms` it plays until the playback is stopped. */
  | { readonly kind: 'ringback'; readonly ms?: number };

export type ResolvedSource = Exclude<PlaySource, { kind: 'wav' }>;

export const BEEP_HZ = 1000;
export const BEEP_MS = 400;
export const RINGBACK_HZ = 440;
export const RINGBACK_ON_MS = 1500;
export const RINGBACK_OFF_MS = 3500;
/** About -10 dBFS: clearly audible, no clipping after G.711. */
const TONE_AMPLITUDE = 10_000;

const samplesFor = (ms: number): number => Math.max(0, Math.round((ms * SAMPLE_RATE) / 1000));

/** Sample `n` of a tone source, or undefined past its end. */
type SampleAt = (n: number) => number | undefined;

function toneAt(frequencyHz: number): (n: number) => number {
  const step = (2 * Math.PI * frequencyHz) / SAMPLE_RATE;
  return (n) => Math.round(TONE_AMPLITUDE * Math.sin(step * n));
}

function generator(source: ResolvedSource): SampleAt {
  switch (source.kind) {
    case 'pcm':
      return (n) => (n < source.samples.length ? (source.samples[n] as number) : undefined);
    case 'silence': {
      const length = samplesFor(source.ms);
      return (n) => (n < length ? 0 : undefined);
    }
    case 'tone': {
      const length = samplesFor(source.ms);
      const tone = toneAt(source.frequencyHz);
      return (n) => (n < length ? tone(n) : undefined);
    }
    case 'beep': {
      const length = samplesFor(BEEP_MS);
      const tone = toneAt(BEEP_HZ);
      return (n) => (n < length ? tone(n) : undefined);
    }
    case 'ringback': {
      const length = source.ms === undefined ? Infinity : samplesFor(source.ms);
      const on = samplesFor(RINGBACK_ON_MS);
      const cycle = on + samplesFor(RINGBACK_OFF_MS);
      const tone = toneAt(RINGBACK_HZ);
      return (n) => (n >= length ? undefined : n % cycle < on ? tone(n) : 0);
    }
  }
}

/** Frames of a list of sources, one after the other; a source's last frame is padded with silence. */
export class FrameSequence {
  private index = 0;
  private position = 0;
  private current: SampleAt | undefined;

  constructor(private readonly sources: readonly ResolvedSource[]) {
    this.current = sources[0] && generator(sources[0]);
  }

  /**
   * The next 160-sample frame, or undefined when every source has been played. With `into` (160
   * samples) the frame is written there and `into` returned, so a player can reuse one buffer.
   */
  next(into?: Int16Array): Int16Array | undefined {
    while (this.current) {
      const first = this.current(this.position);
      if (first !== undefined) {
        const frame = into ?? new Int16Array(FRAME_SAMPLES);
        if (into) into.fill(0);
        frame[0] = first;
        for (let i = 1; i < FRAME_SAMPLES; i++) {
          const sample = this.current(this.position + i);
          if (sample === undefined) break;
          frame[i] = sample;
        }
        this.position += FRAME_SAMPLES;
        return frame;
      }
      this.index++;
      this.position = 0;
      const source = this.sources[this.index];
      this.current = source && generator(source);
    }
    return undefined;
  }
}
