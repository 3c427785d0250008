import { describe, expect, it } from 'vitest';
import {
  DtmfDetector,
  decodeTelephoneEvent,
  digitForEvent,
  encodeTelephoneEvent,
  eventForDigit,
} from '../../src/media/telephone-event.js';

describe('RFC 4733 telephone-event', () => {
  it('decodes the payload of §2.3', () => {
    expect(decodeTelephoneEvent(Uint8Array.of(11, 0x8a, 0x03, 0x20))).toEqual({
      event: 11,
      end: true,
      volume: 10,
      duration: 800,
    });
    expect(() => decodeTelephoneEvent(Uint8Array.of(1, 2, 3))).toThrow(/3 bytes/);
  });

  it('round-trips and maps events to digits', () => {
    const e = { event: 10, end: false, volume: 63, duration: 65535 };
    expect(decodeTelephoneEvent(encodeTelephoneEvent(e))).toEqual(e);
    expect(digitForEvent(10)).toBe('*');
    expect(digitForEvent(11)).toBe('#');
    expect(digitForEvent(15)).toBe('D');
    expect(digitForEvent(16)).toBeUndefined();
    expect(eventForDigit('9')).toBe(9);
  });

  it('reports one digit per event despite updates and the three end packets', () => {
    const detector = new DtmfDetector();
    const ev = (end: boolean, duration: number) => ({ event: 5, end, volume: 10, duration });
    const seen = [
      detector.accept(1, 1000, ev(false, 160)),
      detector.accept(1, 1000, ev(false, 320)),
      detector.accept(1, 1000, ev(true, 480)),
      detector.accept(1, 1000, ev(true, 480)),
      detector.accept(1, 1000, ev(true, 480)),
      detector.accept(1, 2600, ev(true, 480)), // start lost: the end packet still counts
      detector.accept(1, 2600, ev(true, 480)),
    ];
    expect(seen).toEqual(['5', undefined, undefined, undefined, undefined, '5', undefined]);
  });
});
