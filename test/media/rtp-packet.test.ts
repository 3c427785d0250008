import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RtpFormatError,
  decodeRtcp,
  decodeRtp,
  encodeBye,
  encodeReceiverReport,
  encodeRtp,
  encodeSenderReport,
  sequenceDelta,
} from '../../src/media/rtp-packet.js';

const base = {
  marker: true,
  payloadType: 8,
  sequenceNumber: 65535,
  timestamp: 0xfffffff0,
  ssrc: 0xdeadbeef,
  csrcs: [],
  payload: Uint8Array.of(1, 2, 3),
};

describe('RTP header (RFC 3550 §5.1)', () => {
  it('encodes the fixed header bit for bit', () => {
    const bytes = encodeRtp(base);
    expect([...bytes.subarray(0, 12)]).toEqual([
      0x80, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0, 0xde, 0xad, 0xbe, 0xef,
    ]);
    expect([...bytes.subarray(12)]).toEqual([1, 2, 3]);
  });

  it('round-trips any header', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 0, max: 127 }).filter((pt) => pt < 72 || pt > 76),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
        fc.uint8Array({ maxLength: 300 }),
        (marker, payloadType, sequenceNumber, timestamp, ssrc, csrcs, payload) => {
          const packet = { marker, payloadType, sequenceNumber, timestamp, ssrc, csrcs, payload };
          const decoded = decodeRtp(encodeRtp(packet));
          expect({ ...decoded, payload: [...decoded.payload] }).toEqual({
            ...packet,
            payload: [...payload],
          });
        },
      ),
    );
  });

  it('strips padding and skips a header extension', () => {
    const raw = Buffer.from([
      0xb0,
      0x00,
      0,
      1,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      3, // V=2 P=1 X=1, PT 0
      0xbe,
      0xde,
      0,
      1,
      9,
      9,
      9,
      9, // extension of one word
      7,
      7, // payload
      0,
      0,
      3, // padding of 3
    ]);
    const packet = decodeRtp(raw);
    expect([...packet.payload]).toEqual([7, 7]);
    expect(packet.sequenceNumber).toBe(1);
  });

  it('rejects malformed packets with RtpFormatError, never crashing', () => {
    expect(() => decodeRtp(Buffer.alloc(11))).toThrow(RtpFormatError);
    expect(() => decodeRtp(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(
      /version 1/,
    );
    expect(() => decodeRtp(Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/CSRC/);
    expect(() => decodeRtp(Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]))).toThrow(
      /padding/,
    );
    expect(() => decodeRtp(Buffer.concat([encodeReceiverReport(1), Buffer.alloc(4)]))).toThrow(
      /RTCP/,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeRtp(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(RtpFormatError);
        }
      }),
    );
  });

  it('compares sequence numbers across the wrap', () => {
    expect(sequenceDelta(0, 65535)).toBe(1);
    expect(sequenceDelta(65535, 0)).toBe(-1);
    expect(sequenceDelta(100, 90)).toBe(10);
  });
});

describe('RTCP (RFC 3550 §6)', () => {
  const block = {
    ssrc: 42,
    fractionLost: 25,
    cumulativeLost: -3,
    extendedHighestSequence: 0x1_0005,
    jitter: 17,
    lastSr: 0x12345678,
    delaySinceLastSr: 65536,
  };

  it('round-trips a compound SR + BYE', () => {
    const sender = {
      ntpSeconds: 3_900_000_000,
      ntpFraction: 0x80000000,
      rtpTimestamp: 160,
      packetCount: 50,
      octetCount: 8000,
    };
    const bytes = Buffer.concat([encodeSenderReport(7, sender, [block]), encodeBye([7])]);
    expect(bytes.length).toBe(52 + 8);
    expect(decodeRtcp(bytes)).toEqual([
      { type: 'sr', ssrc: 7, sender, reports: [block] },
      { type: 'bye', ssrcs: [7] },
    ]);
  });

  it('round-trips a receiver report and keeps unknown packets as other', () => {
    const sdes = Buffer.from([0x81, 202, 0, 1, 0, 0, 0, 7]);
    expect(decodeRtcp(Buffer.concat([encodeReceiverReport(9, [block]), sdes]))).toEqual([
      { type: 'rr', ssrc: 9, reports: [block] },
      { type: 'other', packetType: 202 },
    ]);
  });

  it('rejects truncated RTCP', () => {
    const rr = encodeReceiverReport(9, [block]);
    expect(() => decodeRtcp(rr.subarray(0, rr.length - 4))).toThrow(RtpFormatError);
    expect(() => decodeRtcp(Buffer.alloc(0))).toThrow(/empty/);
    const lying = Buffer.from(encodeReceiverReport(9));
    lying[0] = 0x81; // claims one block it does not have
    expect(() => decodeRtcp(lying)).toThrow(/truncated/);
  });
});
