/**
 * What a receiver reports about one source in RTCP (RFC 3550 §6.4.1): extended highest sequence
 * number, packets lost, fraction lost since the last report, and interarrival jitter, computed as
 * in RFC 3550 appendix A.3 and A.8. Pure: arrival times are given in RTP timestamp units.
 */
import type { ReportBlock } from './rtp-packet.js';
import { sequenceDelta } from './rtp-packet.js';

export class ReceptionStats {
  private baseSeq = 0;
  private maxSeq = 0;
  /** Count of 16-bit wraparounds, shifted (RFC 3550 A.1 `cycles`). */
  private cycles = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | undefined;
  private jitterUnits = 0;
  private lastSrMiddle = 0;
  private lastSrArrivalMs: number | undefined;

  constructor(readonly ssrc: number) {}

  /** Record a packet; `arrival` is the receive time in the stream's clock units (8 kHz samples). */
  record(sequenceNumber: number, timestamp: number, arrival: number): void {
    if (this.received === 0) {
      this.baseSeq = sequenceNumber;
      this.maxSeq = sequenceNumber;
    } else {
      const delta = sequenceDelta(sequenceNumber, this.maxSeq);
      if (delta > 0) {
        if (sequenceNumber < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = sequenceNumber;
      }
    }
    this.received++;
    // RFC 3550 A.8: J += (|D| - J) / 16 with D the change in relative transit time.
    const transit = arrival - timestamp;
    if (this.transit !== undefined) {
      const d = Math.abs(transit - this.transit);
      this.jitterUnits += (d - this.jitterUnits) / 16;
    }
    this.transit = transit;
  }

  /** Note a sender report from this source, for LSR/DLSR in our next report. */
  recordSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.lastSrMiddle = ((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16);
    this.lastSrArrivalMs = arrivalMs;
  }

  get packetsReceived(): number {
    return this.received;
  }

  /** Expected minus received since the first packet (RFC 3550 A.3), without ending an interval. */
  get lost(): number {
    if (this.received === 0) return 0;
    return this.cycles + this.maxSeq - this.baseSeq + 1 - this.received;
  }

  get jitter(): number {
    return this.jitterUnits;
  }

  /** The report block for now; it resets the interval used for the fraction lost. */
  report(nowMs: number): ReportBlock {
    const extendedMax = this.cycles + this.maxSeq;
    const expected = extendedMax - this.baseSeq + 1;
    const lost = expected - this.received;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval <= 0 || lostInterval <= 0
        ? 0
        : Math.floor((lostInterval << 8) / expectedInterval);
    const delay =
      this.lastSrArrivalMs === undefined
        ? 0
        : Math.round(((nowMs - this.lastSrArrivalMs) / 1000) * 65536);
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: lost,
      extendedHighestSequence: extendedMax >>> 0,
      jitter: Math.floor(this.jitterUnits),
      lastSr: this.lastSrMiddle >>> 0,
      delaySinceLastSr: delay >>> 0,
    };
  }
}
