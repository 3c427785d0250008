/**
 * DTMF as RTP telephone-events (RFC 4733): the 4-octet payload (§2.3) and the rule that turns the
 * packets of one key press into one digit. All packets of an event share its RTP timestamp
 * (§2.5.1.2), and the final packet is sent three times (§2.5.1.4), so an event is known by
 * (SSRC, timestamp) and reported once, on the first packet seen, whether that is a start, an
 * update or one of the end packets (the earlier ones may have been lost).
 */

export const DTMF_DIGITS = '0123456789*#ABCD';
export type DtmfDigit =
  '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

export interface TelephoneEvent {
  /** RFC 4733 §3.2: 0-9, 10 '*', 11 '#', 12-15 A-D; other events exist but are not DTMF. */
  readonly event: number;
  readonly end: boolean;
  /** Power level in -dBm0, 0-63. */
  readonly volume: number;
  /** In timestamp units (8 kHz samples) since the event's start. */
  readonly duration: number;
}

export class TelephoneEventFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TelephoneEventFormatError';
  }
}

export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  // RFC 4733 §2.3: several events may be stacked (redundancy); the first block is the current one.
  if (payload.length < 4) {
    throw new TelephoneEventFormatError(`telephone-event payload of ${payload.length} bytes`);
  }
  const flags = payload[1] as number;
  return {
    event: payload[0] as number,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: ((payload[2] as number) << 8) | (payload[3] as number),
  };
}

export function encodeTelephoneEvent(event: TelephoneEvent): Uint8Array {
  return Uint8Array.of(
    event.event & 0xff,
    (event.end ? 0x80 : 0) | (event.volume & 0x3f),
    (event.duration >> 8) & 0xff,
    event.duration & 0xff,
  );
}

export function digitForEvent(event: number): DtmfDigit | undefined {
  return event >= 0 && event < DTMF_DIGITS.length ? (DTMF_DIGITS[event] as DtmfDigit) : undefined;
}

export function eventForDigit(digit: DtmfDigit): number {
  return DTMF_DIGITS.indexOf(digit);
}

/**
 * Remembers the last few events seen so each key press yields one digit. A handful is enough: the
 * three end packets of an event arrive within tens of milliseconds of each other.
 */
export class DtmfDetector {
  private readonly seen: string[] = [];

  constructor(private readonly memory = 8) {}

  /** The digit of a new event, or undefined for a repeat or a non-DTMF event. */
  accept(ssrc: number, timestamp: number, event: TelephoneEvent): DtmfDigit | undefined {
    const key = `${ssrc >>> 0}:${timestamp >>> 0}`;
    if (this.seen.includes(key)) return undefined;
    this.seen.push(key);
    if (this.seen.length > this.memory) this.seen.shift();
    return digitForEvent(event.event);
  }
}
