/**
 * The default music on hold (media/hold-music.ts): a melody of the listed notes, heard in every
 * frame (never silence, never the ringback or beep tones), within G.711's range.
 */
import { describe, expect, it } from 'vitest';
import { HOLD_MUSIC_NOTES_HZ, defaultHoldMusic } from '../../src/media/hold-music.js';
import { BEEP_HZ, RINGBACK_HZ } from '../../src/media/frame-source.js';
import { rms, toneRatio } from '../../src/media/tone-analysis.js';

function frames(samples: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + 160 <= samples.length; i += 160) out.push(samples.subarray(i, i + 160));
  return out;
}

describe('the default music on hold', () => {
  const music = defaultHoldMusic();

  it('lasts several seconds, is computed once, and never clips', () => {
    expect(music.length / 8000).toBeGreaterThan(5);
    expect(music.length / 8000).toBeLessThan(20);
    expect(defaultHoldMusic()).toBe(music);
    expect(Math.max(...music.map(Math.abs))).toBeLessThan(8000);
  });

  it('plays a note of its scale in every frame, most of them, and no ringback or beep', () => {
    const all = frames(music);
    const notes = all.map((frame) => {
      expect(rms(frame)).toBeGreaterThan(300);
      expect(toneRatio(frame, RINGBACK_HZ)).toBeLessThan(0.5);
      expect(toneRatio(frame, BEEP_HZ)).toBeLessThan(0.5);
      const best = HOLD_MUSIC_NOTES_HZ.reduce((a, b) =>
        toneRatio(frame, b) > toneRatio(frame, a) ? b : a,
      );
      return toneRatio(frame, best) > 0.6 ? best : null;
    });
    expect(notes.filter((n) => n !== null).length / all.length).toBeGreaterThan(0.9);
    expect(new Set(notes.filter((n) => n !== null)).size).toBe(HOLD_MUSIC_NOTES_HZ.length);
  });
});
