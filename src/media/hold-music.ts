/**
 * The default music on hold: a short melody synthesised here, note by note, so that it is free of
 * any licence by construction and needs no file. A music box in C major pentatonic (no note on
 * the 440 Hz ringback, the 1 kHz beep, or a DTMF frequency), each note struck and decaying, about
 * eight seconds long and played in a loop. Pure: computed once, on first use.
 */
import { SAMPLE_RATE } from './g711.js';

/** The notes of the melody, in Hz (C4 D4 E4 G4 C5 D5 E5 G5). */
export const HOLD_MUSIC_NOTES_HZ: readonly number[] = [
  261.63, 293.66, 329.63, 392.0, 523.25, 587.33, 659.26, 783.99,
];

/** The tune, as indices into the notes, each a beat long; a 0-length rest is none. */
const TUNE: readonly number[] = [
  4, 2, 3, 0, 4, 5, 6, 4, 3, 2, 1, 3, 2, 0, 1, 0, 6, 5, 4, 7, 6, 4, 5, 3, 4, 2, 1, 0, 2, 3, 1, 0,
];
const BEAT_MS = 250;
/** About -14 dBFS: clearly heard, softer than a prompt. */
const AMPLITUDE = 6000;
/** Strike of a note: a short rise avoids a click. */
const ATTACK_MS = 10;
/** Decay time constant of a struck note. */
const DECAY_MS = 180;

let melody: Int16Array | undefined;

/** The default track as 8 kHz 16-bit PCM (the same array on every call: do not write to it). */
export function defaultHoldMusic(): Int16Array {
  melody ??= synthesise();
  return melody;
}

function synthesise(): Int16Array {
  const beat = Math.round((BEAT_MS * SAMPLE_RATE) / 1000);
  const attack = (ATTACK_MS * SAMPLE_RATE) / 1000;
  const decay = (DECAY_MS * SAMPLE_RATE) / 1000;
  const out = new Int16Array(beat * TUNE.length);
  TUNE.forEach((note, index) => {
    const hz = HOLD_MUSIC_NOTES_HZ[note] as number;
    const step = (2 * Math.PI * hz) / SAMPLE_RATE;
    for (let n = 0; n < beat; n++) {
      const envelope = Math.min(1, n / attack) * Math.exp(-Math.max(0, n - attack) / decay);
      // A touch of level left at the end of the beat keeps the line continuous, never silent.
      const level = 0.15 + 0.85 * envelope;
      out[index * beat + n] = Math.round(AMPLITUDE * level * Math.sin(step * n));
    }
  });
  return out;
}
