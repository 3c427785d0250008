/**
 * SDP offer/answer (RFC 3264) for one G.711 audio stream with RFC 4733 telephone-events, parsed
 * and written with `sdp-transform`. Pure: the RTP session supplies its address, port and origin.
 *
 * - Offers list PCMU/0, PCMA/8 and telephone-event/101 with ptime 20 (RFC 3551 §4.5.14, RFC 4733
 *   §7.1.1).
 * - Answers take the first codec of the offer that we support, in the offer's order (RFC 3264 §6.1:
 *   the offerer's preference), reuse the offer's payload type numbers, and reject every other m-line
 *   with port 0 (§6: as many m-lines as the offer).
 * - Hold (RFC 3264 §8.4): the remote marks its stream sendonly or inactive, or, the RFC 2543 way,
 *   sets the connection address to 0.0.0.0.
 * - Every number of the remote's audio stream is range-checked here, where it is read: RTP and
 *   RTCP ports 1-65535 (an RTP port of 65535 without `a=rtcp` leaves none for RTCP, RFC 3550
 *   §11), payload types 0-127 (RFC 3550 §5.1: seven bits), ptime 1-1000 ms. The connection
 *   addresses are IP literals of the family the line says, or host names (RFC 4566 §5.7), which
 *   the caller may refuse (`isNamedAddress`): the PBX resolves nothing an unknown peer names.
 *   sdp-transform leaves a number it cannot round-trip ("", "065535", 1e21) a string: every
 *   field is read as text or number here.
 */
import { isIP } from 'node:net';
import sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { FRAME_MS, PAYLOAD_TYPE } from './g711.js';
import type { G711Codec } from './g711.js';

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export type SdpErrorCode =
  'malformed' | 'no-audio' | 'no-common-codec' | 'out-of-range' | 'address';

/**
 * RFC 3261 §20.43 warn-codes for each refusal: 301 incompatible network address formats, 304
 * media type not available, 305 incompatible media format, 399 miscellaneous.
 */
const WARN_CODES: Readonly<Record<SdpErrorCode, number>> = {
  malformed: 399,
  'no-audio': 304,
  'no-common-codec': 305,
  'out-of-range': 305,
  address: 301,
};

/**
 * Why a remote SDP cannot be used; all but `malformed` are answered 488 (RFC 3261 §21.4.26),
 * `malformed` 400, each with a Warning header carrying `warnCode` and the message.
 */
export class SdpError extends Error {
  constructor(
    readonly code: SdpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SdpError';
  }

  get warnCode(): number {
    return WARN_CODES[this.code];
  }
}

export const TELEPHONE_EVENT_PT = 101;
const SUPPORTED: readonly G711Codec[] = ['PCMU', 'PCMA'];

/** What we put in our own SDP. */
export interface LocalMedia {
  readonly address: string;
  readonly port: number;
  /** RFC 4566 §5.2: a numeric session id, and a version that goes up each time the SDP changes. */
  readonly sessionId: string;
  readonly sessionVersion: number;
  /** Our wish; in an answer it is narrowed by the offer's direction. Default sendrecv. */
  readonly direction?: MediaDirection;
  /** Codecs to offer, in preference order. Default PCMU then PCMA. */
  readonly codecs?: readonly G711Codec[];
}

export interface OfferedCodec {
  readonly codec: G711Codec;
  readonly payloadType: number;
}

/** The audio stream the remote side described. */
export interface RemoteMedia {
  readonly address: string;
  readonly port: number;
  /** RFC 3605 a=rtcp when present, else port + 1 (RFC 3550 §11). */
  readonly rtcpAddress: string;
  readonly rtcpPort: number;
  /** The G.711 codecs it lists, in its order; other codecs are left out. */
  readonly codecs: readonly OfferedCodec[];
  readonly telephoneEventPt: number | undefined;
  readonly direction: MediaDirection;
  /** RFC 3264 §8.4: sendonly, inactive, or connection address 0.0.0.0. */
  readonly onHold: boolean;
  readonly ptime: number | undefined;
}

/** The outcome of offer/answer for our stream. */
export interface Negotiated {
  readonly codec: G711Codec;
  /** The payload type to send the codec with (the offer's number for it). */
  readonly payloadType: number;
  /** Undefined when the other side does not do RFC 4733. */
  readonly telephoneEventPt: number | undefined;
  readonly remote: RemoteMedia;
  /** Our direction for the stream: whether we may send and whether we expect to receive. */
  readonly direction: MediaDirection;
}

function parse(text: string): SessionDescription {
  if (typeof text !== 'string' || !/^v=0\s*$/m.test(text)) {
    throw new SdpError('malformed', 'SDP has no "v=0" line');
  }
  try {
    return sdpTransform.parse(text);
  } catch (err) {
    throw new SdpError('malformed', `SDP cannot be parsed: ${(err as Error).message}`);
  }
}

const RTP_PROFILES = new Set(['RTP/AVP', 'RTP/AVPF']);

/** A decimal field as a number, or null when it is none (sdp-transform may leave a string). */
function integerOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  return typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : null;
}

function portOf(value: unknown, what: string): number {
  const port = integerOf(value);
  if (port === null || port < 1 || port > 65535) {
    throw new SdpError('out-of-range', `${what} ${printable(value)} is not a port (1-65535)`);
  }
  return port;
}

function payloadTypeOf(value: unknown): number {
  const pt = integerOf(value);
  if (pt === null || pt > 127) {
    throw new SdpError(
      'out-of-range',
      `payload type ${printable(value)} is not in 0-127 (RFC 3550 §5.1)`,
    );
  }
  return pt;
}

/** A value of the remote's SDP quoted in our messages: short, and printable ASCII only. */
function printable(value: unknown): string {
  return String(value)
    .slice(0, 40)
    .replace(/[^\x20-\x7e]/g, '?');
}

/** RFC 1123 §2.1 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** RFC 4566 §5.7: an IP literal of the line's family, or a host name; anything else is refused. */
function addressOf(value: unknown, ipVersion: unknown, what: string): string {
  const address = typeof value === 'string' ? value : '';
  const family = isIP(address);
  if (family !== 0) {
    if (ipVersion !== undefined && String(ipVersion) !== String(family)) {
      throw new SdpError(
        'address',
        `${what} ${printable(address)} is not an IP${ipVersion} address`,
      );
    }
    return address;
  }
  if (!HOST_NAME.test(address)) {
    throw new SdpError(
      'address',
      `${what} ${printable(address)} is neither an IP address nor a host name`,
    );
  }
  return address;
}

/** The remote media names a host rather than an IP address (RFC 4566 §5.7 allows it). */
export function isNamedAddress(remote: RemoteMedia): boolean {
  return isIP(remote.address) === 0 || isIP(remote.rtcpAddress) === 0;
}

function isUsableAudio(m: MediaDescription): boolean {
  return m.type === 'audio' && integerOf(m.port) !== 0 && RTP_PROFILES.has(m.protocol);
}

/** The format list of an RTP m-line; every entry must be a payload type. */
function payloadsOf(m: MediaDescription): number[] {
  return String(m.payloads ?? '')
    .split(/\s+/)
    .filter((p) => p !== '')
    .map(payloadTypeOf);
}

function codecsOf(m: MediaDescription): OfferedCodec[] {
  const payloads = payloadsOf(m);
  const out: OfferedCodec[] = [];
  for (const pt of payloads) {
    const map = m.rtp.find((r) => integerOf(r.payload) === pt);
    if (map) {
      // A codec name of digits ("a=rtpmap:9 22/8000") comes back from sdp-transform a number.
      const name = String(map.codec).toUpperCase();
      if ((name === 'PCMU' || name === 'PCMA') && integerOf(map.rate ?? 8000) === 8000) {
        out.push({ codec: name, payloadType: pt });
      }
    } else if (pt === 0 || pt === 8) {
      // RFC 3551 §6: static payload types need no rtpmap.
      out.push({ codec: pt === 0 ? 'PCMU' : 'PCMA', payloadType: pt });
    }
  }
  return out;
}

function telephoneEventOf(m: MediaDescription): number | undefined {
  const map = m.rtp.find(
    (r) => String(r.codec).toLowerCase() === 'telephone-event' && integerOf(r.rate) === 8000,
  );
  return map === undefined ? undefined : (integerOf(map.payload) ?? undefined);
}

function audioIndex(session: SessionDescription): number {
  const index = session.media.findIndex(isUsableAudio);
  if (index < 0) {
    const audio = session.media.find((m) => m.type === 'audio');
    throw new SdpError(
      'no-audio',
      audio
        ? `SDP audio stream not usable (port ${printable(audio.port)}, profile ${printable(audio.protocol)})`
        : 'SDP has no audio stream',
    );
  }
  return index;
}

function remoteFrom(session: SessionDescription, m: MediaDescription): RemoteMedia {
  const connection = m.connection ?? session.connection;
  if (!connection?.ip) throw new SdpError('malformed', 'SDP has no connection address (c=)');
  const address = addressOf(connection.ip, connection.version, 'connection address');
  const port = portOf(m.port, 'RTP port');
  for (const map of [...m.rtp, ...m.fmtp]) payloadTypeOf(map.payload);
  let rtcpPort: number;
  if (m.rtcp !== undefined) rtcpPort = portOf(m.rtcp.port, 'RTCP port');
  else if (port < 65535) rtcpPort = port + 1;
  else {
    throw new SdpError(
      'out-of-range',
      'RTP port 65535 leaves no port for RTCP (RFC 3550 §11) and there is no a=rtcp',
    );
  }
  const rtcpAddress =
    m.rtcp?.address === undefined
      ? address
      : addressOf(m.rtcp.address, m.rtcp.ipVer, 'RTCP address');
  let ptime: number | undefined;
  if (m.ptime !== undefined) {
    ptime = Number(m.ptime);
    if (!(ptime >= 1 && ptime <= 1000)) {
      throw new SdpError('out-of-range', `ptime ${printable(m.ptime)} is not in 1-1000 ms`);
    }
  }
  const direction: MediaDirection = m.direction ?? session.direction ?? 'sendrecv';
  return {
    address,
    port,
    rtcpAddress,
    rtcpPort,
    codecs: codecsOf(m),
    telephoneEventPt: telephoneEventOf(m),
    direction,
    onHold: direction === 'sendonly' || direction === 'inactive' || address === '0.0.0.0',
    ptime,
  };
}

/** Read the audio stream of a remote SDP (offer or answer). */
export function parseRemoteSdp(text: string): RemoteMedia {
  const session = parse(text);
  return remoteFrom(session, session.media[audioIndex(session)] as MediaDescription);
}

/** RFC 3264 §6.1: the answer's direction mirrors the offer's, narrowed by what we want. */
export function answerDirection(offered: MediaDirection, wanted: MediaDirection): MediaDirection {
  const theySend = offered === 'sendrecv' || offered === 'sendonly';
  const theyReceive = offered === 'sendrecv' || offered === 'recvonly';
  const weSend = theyReceive && (wanted === 'sendrecv' || wanted === 'sendonly');
  const weReceive = theySend && (wanted === 'sendrecv' || wanted === 'recvonly');
  if (weSend && weReceive) return 'sendrecv';
  if (weSend) return 'sendonly';
  if (weReceive) return 'recvonly';
  return 'inactive';
}

/** Pick the first codec of the remote's list that we support; throws `no-common-codec`. */
export function negotiate(
  remote: RemoteMedia,
  supported: readonly G711Codec[] = SUPPORTED,
  wanted: MediaDirection = 'sendrecv',
): Negotiated {
  const chosen = remote.codecs.find((c) => supported.includes(c.codec));
  if (!chosen) {
    throw new SdpError(
      'no-common-codec',
      `no common codec: the SDP offers none of ${supported.join(', ')}`,
    );
  }
  return {
    codec: chosen.codec,
    payloadType: chosen.payloadType,
    telephoneEventPt: remote.telephoneEventPt,
    remote,
    direction: answerDirection(remote.direction, wanted),
  };
}

function origin(local: LocalMedia): SessionDescription['origin'] {
  return {
    username: 'renvoi',
    sessionId: local.sessionId,
    sessionVersion: local.sessionVersion,
    netType: 'IN',
    ipVer: 4,
    address: local.address,
  };
}

function audioMedia(
  port: number,
  codecs: readonly OfferedCodec[],
  telephoneEventPt: number | undefined,
  direction: MediaDirection,
): MediaDescription {
  const rtp: MediaDescription['rtp'] = codecs.map((c) => ({
    payload: c.payloadType,
    codec: c.codec,
    rate: 8000,
  }));
  const fmtp: MediaDescription['fmtp'] = [];
  if (telephoneEventPt !== undefined) {
    rtp.push({ payload: telephoneEventPt, codec: 'telephone-event', rate: 8000 });
    // RFC 4733 §7.1.1: events 0-15 are the DTMF digits.
    fmtp.push({ payload: telephoneEventPt, config: '0-16' });
  }
  return {
    type: 'audio',
    port,
    protocol: 'RTP/AVP',
    payloads: rtp.map((r) => r.payload).join(' '),
    rtp,
    fmtp,
    ptime: FRAME_MS,
    direction,
  };
}

function write(local: LocalMedia, media: MediaDescription[]): string {
  return sdpTransform.write({
    version: 0,
    origin: origin(local),
    name: 'renvoi',
    connection: { version: 4, ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  });
}

/** Our offer: the codecs in preference order plus telephone-event/101. */
export function buildOffer(local: LocalMedia): string {
  const codecs = (local.codecs ?? SUPPORTED).map((codec) => ({
    codec,
    payloadType: PAYLOAD_TYPE[codec],
  }));
  if (codecs.length === 0) throw new RangeError('an offer needs at least one codec');
  return write(local, [
    audioMedia(local.port, codecs, TELEPHONE_EVENT_PT, local.direction ?? 'sendrecv'),
  ]);
}

/**
 * Answer a remote offer. Throws `SdpError` (`malformed`, `no-audio` or `no-common-codec`); the
 * caller answers the INVITE 488 Not Acceptable Here for the last two, 400 for the first.
 */
export function buildAnswer(
  offerText: string,
  local: LocalMedia,
): { sdp: string; negotiated: Negotiated } {
  const session = parse(offerText);
  const index = audioIndex(session);
  const remote = remoteFrom(session, session.media[index] as MediaDescription);
  const negotiated = negotiate(remote, local.codecs ?? SUPPORTED, local.direction ?? 'sendrecv');
  const media = session.media.map((m, i): MediaDescription => {
    if (i === index) {
      return audioMedia(
        local.port,
        [{ codec: negotiated.codec, payloadType: negotiated.payloadType }],
        negotiated.telephoneEventPt,
        negotiated.direction,
      );
    }
    // RFC 3264 §6: a stream we refuse keeps its place with port 0.
    return {
      type: m.type,
      port: 0,
      protocol: m.protocol,
      payloads: m.payloads ?? '0',
      rtp: [],
      fmtp: [],
    };
  });
  return { sdp: write(local, media), negotiated };
}

/** Read the answer to our offer; the codec is the first of the answer that we offered. */
export function readAnswer(answerText: string, local: LocalMedia): Negotiated {
  return negotiate(
    parseRemoteSdp(answerText),
    local.codecs ?? SUPPORTED,
    local.direction ?? 'sendrecv',
  );
}
