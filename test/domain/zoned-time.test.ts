import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/domain/zoned-time.js';

const iso = (text: string, tz = 'Europe/Paris') => parseInstant(text, tz)?.toISOString() ?? null;

describe('parseInstant', () => {
  it('reads a wall-clock time in the given zone, winter and summer', () => {
    expect(iso('2026-11-25T10:30')).toBe('2026-11-25T09:30:00.000Z');
    expect(iso('2026-07-01T10:30')).toBe('2026-07-01T08:30:00.000Z');
    expect(iso('2026-07-01T10:30', 'America/New_York')).toBe('2026-07-01T14:30:00.000Z');
    expect(iso('2026-11-25')).toBe('2026-11-24T23:00:00.000Z');
  });

  it('keeps absolute times absolute', () => {
    expect(iso('2026-11-25T10:30:00Z')).toBe('2026-11-25T10:30:00.000Z');
    expect(iso('2026-11-25T10:30:00+02:00')).toBe('2026-11-25T08:30:00.000Z');
  });

  it('takes the first occurrence of the hour repeated in autumn', () => {
    expect(iso('2026-10-25T02:30')).toBe('2026-10-25T00:30:00.000Z');
    expect(iso('2026-10-25T03:30')).toBe('2026-10-25T02:30:00.000Z');
  });

  it('moves a time in the hour skipped in spring to after the change', () => {
    expect(iso('2026-03-29T02:30')).toBe('2026-03-29T01:30:00.000Z');
    expect(iso('2026-03-29T03:30')).toBe('2026-03-29T01:30:00.000Z');
    expect(iso('2026-03-29T01:30')).toBe('2026-03-29T00:30:00.000Z');
  });

  it('refuses what is not a date', () => {
    for (const bad of [
      'tomorrow',
      '2026-02-30T10:00',
      '2026-11-25T25:00',
      '',
      '2026-11-25T10:61',
    ]) {
      expect(iso(bad)).toBeNull();
    }
  });
});
