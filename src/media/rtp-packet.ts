/**
 * RTP and RTCP packets on the wire (RFC 3550): the RTP fixed header (§5.1) and the three RTCP
 * packets a G.711 endpoint needs, sender report, receiver report and BYE (§6.4, §6.6). Decoding
 * never trusts the network: anything malformed throws `RtpFormatError`, which the session drops.
 */

export class RtpFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RtpFormatError';
  }
}

export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** Without the padding (RFC 3550 §5.1 P bit) and without any header extension. */
  readonly payload: Uint8Array;
}

const RTP_VERSION = 2;
const RTP_HEADER = 12;

/** The fixed 12-byte header plus CSRCs; no padding and no extension are ever sent. */
export function encodeRtp(packet: RtpPacket): Buffer {
  if (packet.payloadType < 0 || packet.payloadType > 127) {
    throw new RtpFormatError(`payload type ${packet.payloadType} out of 0-127`);
  }
  if (packet.csrcs.length > 15) throw new RtpFormatError('more than 15 CSRCs');
  const headerLength = RTP_HEADER + 4 * packet.csrcs.length;
  const out = Buffer.allocUnsafe(headerLength + packet.payload.length);
  writeRtpHeader(
    out,
    packet.marker,
    packet.payloadType,
    packet.sequenceNumber,
    packet.timestamp,
    packet.ssrc,
  );
  out[0] = (RTP_VERSION << 6) | packet.csrcs.length;
  for (let i = 0; i < packet.csrcs.length; i++) {
    out.writeUInt32BE((packet.csrcs[i] as number) >>> 0, RTP_HEADER + 4 * i);
  }
  out.set(packet.payload, headerLength);
  return out;
}

/**
 * One RTP packet without CSRCs, as a media session sends it: header and payload in one buffer, no
 * intermediate object (this runs for every packet sent). The payload type must be in 0-127.
 */
export function encodeRtpPacket(
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
  payload: Uint8Array,
): Buffer {
  const out = Buffer.allocUnsafe(RTP_HEADER + payload.length);
  writeRtpHeader(out, marker, payloadType, sequenceNumber, timestamp, ssrc);
  out.set(payload, RTP_HEADER);
  return out;
}

function writeRtpHeader(
  out: Buffer,
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
): void {
  out[0] = RTP_VERSION << 6;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out.writeUInt16BE(sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(timestamp >>> 0, 4);
  out.writeUInt32BE(ssrc >>> 0, 8);
}

/** The CSRC list of the (nearly) every packet that has none, shared rather than allocated. */
const NO_CSRCS: readonly number[] = Object.freeze([]);

const readUint32 = (data: Uint8Array, offset: number): number =>
  (((data[offset] as number) << 24) |
    ((data[offset + 1] as number) << 16) |
    ((data[offset + 2] as number) << 8) |
    (data[offset + 3] as number)) >>>
  0;

/** Parse one RTP datagram; the payload is a view on `data`, not a copy. */
export function decodeRtp(data: Uint8Array): RtpPacket {
  if (data.length < RTP_HEADER) throw new RtpFormatError(`RTP packet of ${data.length} bytes`);
  const first = data[0] as number;
  const version = first >> 6;
  if (version !== RTP_VERSION) throw new RtpFormatError(`RTP version ${version}`);
  const padding = (first & 0x20) !== 0;
  const extension = (first & 0x10) !== 0;
  const csrcCount = first & 0x0f;
  let offset = RTP_HEADER + 4 * csrcCount;
  if (data.length < offset) throw new RtpFormatError('RTP packet shorter than its CSRC list');
  let csrcs = NO_CSRCS;
  if (csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < csrcCount; i++) list.push(readUint32(data, RTP_HEADER + 4 * i));
    csrcs = list;
  }
  if (extension) {
    // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words, then the words.
    if (data.length < offset + 4) throw new RtpFormatError('RTP header extension truncated');
    offset += 4 + 4 * (((data[offset + 2] as number) << 8) | (data[offset + 3] as number));
    if (data.length < offset) throw new RtpFormatError('RTP header extension truncated');
  }
  let end = data.length;
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const count = data[data.length - 1] as number;
    if (count === 0 || offset + count > data.length) throw new RtpFormatError('bad RTP padding');
    end -= count;
  }
  const second = data[1] as number;
  const payloadType = second & 0x7f;
  // RFC 5761 §4: payload types 72-76 with the marker are RTCP SR/RR/SDES/BYE/APP muxed on the port.
  if (payloadType >= 72 && payloadType <= 76) {
    throw new RtpFormatError('RTCP packet on the RTP port');
  }
  return {
    marker: (second & 0x80) !== 0,
    payloadType,
    sequenceNumber: ((data[2] as number) << 8) | (data[3] as number),
    timestamp: readUint32(data, 4),
    ssrc: readUint32(data, 8),
    csrcs,
    payload: data.subarray(offset, end),
  };
}

/** Difference a - b of two 16-bit sequence numbers, in -32768..32767 (RFC 3550 A.1 wraparound). */
export function sequenceDelta(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

// ---- RTCP (RFC 3550 §6) ----

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_BYE = 203;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the last report, in 1/256 units. */
  readonly fractionLost: number;
  /** Cumulative packets lost, 24-bit signed. */
  readonly cumulativeLost: number;
  readonly extendedHighestSequence: number;
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received, 0 if none. */
  readonly lastSr: number;
  /** Delay since that SR in 1/65536 s, 0 if none. */
  readonly delaySinceLastSr: number;
}

export interface SenderInfo {
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

export type RtcpPacket =
  | {
      readonly type: 'sr';
      readonly ssrc: number;
      readonly sender: SenderInfo;
      readonly reports: ReportBlock[];
    }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: ReportBlock[] }
  | { readonly type: 'bye'; readonly ssrcs: number[] }
  | { readonly type: 'other'; readonly packetType: number };

function rtcpHeader(out: Buffer, count: number, packetType: number, lengthWords: number): void {
  out[0] = (RTP_VERSION << 6) | count;
  out[1] = packetType;
  // RFC 3550 §6.4.1: length in 32-bit words minus one.
  out.writeUInt16BE(lengthWords - 1, 2);
}

function writeReport(out: Buffer, offset: number, block: ReportBlock): void {
  out.writeUInt32BE(block.ssrc >>> 0, offset);
  out[offset + 4] = Math.max(0, Math.min(255, block.fractionLost));
  const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost));
  out.writeUIntBE(lost & 0xffffff, offset + 5, 3);
  out.writeUInt32BE(block.extendedHighestSequence >>> 0, offset + 8);
  out.writeUInt32BE(block.jitter >>> 0, offset + 12);
  out.writeUInt32BE(block.lastSr >>> 0, offset + 16);
  out.writeUInt32BE(block.delaySinceLastSr >>> 0, offset + 20);
}

function readReport(view: DataView, offset: number): ReportBlock {
  const lostRaw = (view.getUint8(offset + 5) << 16) | view.getUint16(offset + 6);
  return {
    ssrc: view.getUint32(offset),
    fractionLost: view.getUint8(offset + 4),
    cumulativeLost: lostRaw & 0x800000 ? lostRaw - 0x1000000 : lostRaw,
    extendedHighestSequence: view.getUint32(offset + 8),
    jitter: view.getUint32(offset + 12),
    lastSr: view.getUint32(offset + 16),
    delaySinceLastSr: view.getUint32(offset + 20),
  };
}

/** A sender report (RFC 3550 §6.4.1); at most 31 report blocks. */
export function encodeSenderReport(
  ssrc: number,
  sender: SenderInfo,
  reports: readonly ReportBlock[] = [],
): Buffer {
  if (reports.length > 31) throw new RtpFormatError('more than 31 report blocks');
  const out = Buffer.alloc(28 + 24 * reports.length);
  rtcpHeader(out, reports.length, RTCP_SR, out.length / 4);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out.writeUInt32BE(sender.ntpSeconds >>> 0, 8);
  out.writeUInt32BE(sender.ntpFraction >>> 0, 12);
  out.writeUInt32BE(sender.rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(sender.packetCount >>> 0, 20);
  out.writeUInt32BE(sender.octetCount >>> 0, 24);
  reports.forEach((block, i) => writeReport(out, 28 + 24 * i, block));
  return out;
}

/** A receiver report (RFC 3550 §6.4.2), for an endpoint that has sent nothing since the last one. */
export function encodeReceiverReport(ssrc: number, reports: readonly ReportBlock[] = []): Buffer {
  if (reports.length > 31) throw new RtpFormatError('more than 31 report blocks');
  const out = Buffer.alloc(8 + 24 * reports.length);
  rtcpHeader(out, reports.length, RTCP_RR, out.length / 4);
  out.writeUInt32BE(ssrc >>> 0, 4);
  reports.forEach((block, i) => writeReport(out, 8 + 24 * i, block));
  return out;
}

/** BYE (RFC 3550 §6.6), without a reason. */
export function encodeBye(ssrcs: readonly number[]): Buffer {
  if (ssrcs.length > 31) throw new RtpFormatError('more than 31 SSRCs in a BYE');
  const out = Buffer.alloc(4 + 4 * ssrcs.length);
  rtcpHeader(out, ssrcs.length, RTCP_BYE, out.length / 4);
  ssrcs.forEach((ssrc, i) => out.writeUInt32BE(ssrc >>> 0, 4 + 4 * i));
  return out;
}

/** Decode a compound RTCP packet (RFC 3550 §6.1) into its parts; unknown types are kept as 'other'. */
export function decodeRtcp(data: Uint8Array): RtcpPacket[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < 4) throw new RtpFormatError('RTCP header truncated');
    const first = view.getUint8(offset);
    if (first >> 6 !== RTP_VERSION) throw new RtpFormatError(`RTCP version ${first >> 6}`);
    const count = first & 0x1f;
    const packetType = view.getUint8(offset + 1);
    const length = 4 * (view.getUint16(offset + 2) + 1);
    if (offset + length > data.length) throw new RtpFormatError('RTCP packet truncated');
    const need = (fixed: number): void => {
      if (fixed + 24 * count > length) throw new RtpFormatError('RTCP report blocks truncated');
    };
    if (packetType === RTCP_SR) {
      need(28);
      packets.push({
        type: 'sr',
        ssrc: view.getUint32(offset + 4),
        sender: {
          ntpSeconds: view.getUint32(offset + 8),
          ntpFraction: view.getUint32(offset + 12),
          rtpTimestamp: view.getUint32(offset + 16),
          packetCount: view.getUint32(offset + 20),
          octetCount: view.getUint32(offset + 24),
        },
        reports: Array.from({ length: count }, (_, i) => readReport(view, offset + 28 + 24 * i)),
      });
    } else if (packetType === RTCP_RR) {
      need(8);
      packets.push({
        type: 'rr',
        ssrc: view.getUint32(offset + 4),
        reports: Array.from({ length: count }, (_, i) => readReport(view, offset + 8 + 24 * i)),
      });
    } else if (packetType === RTCP_BYE) {
      if (4 + 4 * count > length) throw new RtpFormatError('RTCP BYE truncated');
      packets.push({
        type: 'bye',
        ssrcs: Array.from({ length: count }, (_, i) => view.getUint32(offset + 4 + 4 * i)),
      });
    } else {
      packets.push({ type: 'other', packetType });
    }
    offset += length;
  }
  if (packets.length === 0) throw new RtpFormatError('empty RTCP packet');
  return packets;
}

/** The current time as a 64-bit NTP timestamp (RFC 3550 §4), for sender reports. */
export function ntpNow(nowMs: number = Date.now()): { seconds: number; fraction: number } {
  const NTP_EPOCH_OFFSET = 2_208_988_800;
  const seconds = Math.floor(nowMs / 1000) + NTP_EPOCH_OFFSET;
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 0x1_0000_0000);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}
