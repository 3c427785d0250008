/**
 * One RTP endpoint of a call leg: a UDP socket pair from the port range (RTP on the even port, RTCP
 * on the next, RFC 3550 §11), the SDP offer/answer of the leg, sending and receiving G.711 and
 * RFC 4733 events, RTCP reports, and an inactivity watch.
 *
 * States: `open` → `closed` (`close()` is the only transition, and it is idempotent). Once closed
 * nothing is sent, no event is emitted, and the sockets, timers and port pair are released.
 *
 * Sending. SSRC, first sequence number and first timestamp are random (RFC 3550 §5.1). Frames of a
 * local source (the player) carry the media clock's tick: consecutive ticks give timestamps 160
 * apart (20 ms at 8 kHz); the first frame after a pause, or after relayed audio, starts a talkspurt
 * whose timestamp advances by the time elapsed and whose marker bit is set (RFC 3551 §4.1).
 * Relayed packets (the bridge) bring their own timestamp, mapped by the bridge.
 *
 * Receiving. Symmetric RTP (RFC 4961): media is sent to the address the remote's RTP comes from,
 * learnt on the first valid packet after each new remote SDP, and to the SDP address until then.
 * Once the owner has named the signalling peer (`face`), only packets from that address or the
 * SDP's are taken: a phone behind NAT sends from its public address, which is where its SIP came
 * from, and anybody else spraying our port cannot take the call's media (RTP hijack).
 * Audio goes through a reorder buffer of a few packets; comfort noise (PT 13, RFC 3389) only
 * counts as activity; telephone-events are passed on raw and as digits, one per key press.
 *
 * Events: `audio` (packet, codec), in sequence order; `telephone-event` (packet, event); `dtmf`
 * (digit); `inactive` (no RTP or RTCP for `inactivityMs` while we expect some; emitted once);
 * `failed` (error), then `close`.
 *
 * Error boundary. Everything the session runs on its own — its timers, its sockets' handlers and
 * what they call (the bridge, a recorder), its sends — runs inside `fail`'s boundary: an error
 * there emits `failed` and closes the session, so its owner ends that call and no error reaches
 * the event loop, where it would end the process. The player's clock ticks report to it too.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
import { FRAME_MS, FRAME_SAMPLES, codecForPayloadType, encodeG711 } from './g711.js';
import type { G711Codec } from './g711.js';
import { SessionLookup } from './address-lookup.js';
import type { PortAllocator } from './port-allocator.js';
import { ReceptionStats } from './reception-stats.js';
import { ReorderBuffer } from './reorder-buffer.js';
import {
  RtpFormatError,
  decodeRtcp,
  decodeRtp,
  encodeBye,
  encodeReceiverReport,
  encodeRtpPacket,
  encodeSenderReport,
  ntpNow,
} from './rtp-packet.js';
import type { RtpPacket } from './rtp-packet.js';
import { buildAnswer, buildOffer, readAnswer } from './sdp.js';
import type { LocalMedia, MediaDirection, Negotiated } from './sdp.js';
import { DtmfDetector, decodeTelephoneEvent } from './telephone-event.js';
import type { DtmfDigit, TelephoneEvent } from './telephone-event.js';

/** RFC 3389: comfort noise, static payload type 13. */
const COMFORT_NOISE_PT = 13;
/** RTP timestamp units per millisecond at 8 kHz. */
const UNITS_PER_MS = 8;

export class RtpSessionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RtpSessionError';
  }
}

export interface RtpSessionOptions {
  readonly ports: PortAllocator;
  /** Address the sockets bind to, e.g. 0.0.0.0 or 127.0.0.1. */
  readonly bindAddress: string;
  /**
   * Address written in our SDP (c= and o=): one for every peer, or the one a given peer reaches
   * us at (the peer named by `face`, else the SDP's remote address, else '').
   */
  readonly advertisedAddress: string | ((peer: string) => string);
  /** No RTP or RTCP for this long emits `inactive`; 0 disables. Default 60 000. */
  readonly inactivityMs?: number;
  /** Mean RTCP report interval, randomised ×0.5–1.5 (RFC 3550 §6.3.5). Default 5000. */
  readonly rtcpIntervalMs?: number;
  /** Packets held while waiting for a missing one. Default 3 (60 ms). */
  readonly reorderDepth?: number;
}

export interface RtpSessionEvents {
  audio: [packet: RtpPacket, codec: G711Codec];
  'telephone-event': [packet: RtpPacket, event: TelephoneEvent];
  dtmf: [digit: DtmfDigit];
  inactive: [];
  failed: [error: unknown];
  close: [];
}

/** A packet for `sendRelayed`: the session adds its own SSRC and sequence number. */
export interface OutgoingPacket {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly timestamp: number;
  readonly payload: Uint8Array;
  /** Timestamp units the payload covers, to know where the next packet goes. */
  readonly samples: number;
}

export interface RtpSessionStats {
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly packetsReceived: number;
  readonly malformedReceived: number;
  /** From the current source (SSRC): expected minus received, RFC 3550 §6.4.1. */
  readonly packetsLost: number;
  /** Interarrival jitter in timestamp units (RFC 3550 §6.4.1). */
  readonly jitter: number;
}

interface Endpoint {
  address: string;
  port: number;
}

function bindSocket(address: string, port: number, names: SessionLookup): Promise<Socket> {
  const socket = createSocket({
    type: address.includes(':') ? 'udp6' : 'udp4',
    lookup: names.lookup,
  });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, address, () => {
      socket.removeAllListeners('error');
      // ICMP port unreachable and the like: a media socket must outlive them.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Monotonic milliseconds, fractional: cheaper than dividing a BigInt for every packet, and the
 * reception jitter (RFC 3550 §6.4.1) gets sub-millisecond arrival times.
 */
const nowMs = (): number => performance.now();

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  private state: 'open' | 'closed' = 'open';
  private closing: Promise<void> | undefined;
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  private sequence = randomInt(0, 0x10000);
  private lastTimestamp = randomBytes(4).readUInt32BE(0);
  private lastSamples = 0;
  private lastSendMs: number | undefined;
  /** The tick of the last local frame, undefined when the last packet was relayed or none was sent. */
  private lastTick: number | undefined;
  private packetsSent = 0;
  private octetsSent = 0;
  private sentSinceReport = false;

  private negotiatedMedia: Negotiated | undefined;
  private sdpTarget: Endpoint | undefined;
  private rtcpTarget: Endpoint | undefined;
  private latched: Endpoint | undefined;
  private latchedRtcp: Endpoint | undefined;
  /** The address the peer's signalling comes from (`face`). */
  private peer: string | undefined;

  private readonly reorder: ReorderBuffer<RtpPacket>;
  private reorderTimer: NodeJS.Timeout | undefined;
  private readonly dtmf = new DtmfDetector();
  private stats: ReceptionStats | undefined;
  private packetsReceived = 0;
  private malformed = 0;

  private lastActivityMs = nowMs();
  private inactivityTimer: NodeJS.Timeout | undefined;
  private rtcpTimer: NodeJS.Timeout | undefined;

  private readonly sessionId = String(randomInt(1, 2 ** 47));
  private sessionVersion = 0;
  private lastSdpBody: string | undefined;

  private constructor(
    private readonly rtp: Socket,
    private readonly rtcp: Socket,
    /** Our RTP port; RTCP is port + 1. */
    readonly port: number,
    private readonly options: RtpSessionOptions,
  ) {
    super();
    this.reorder = new ReorderBuffer(options.reorderDepth ?? 3);
    rtp.on(
      'message',
      this.guarded((data: Buffer, rinfo: RemoteInfo) => this.onRtp(data, rinfo)),
    );
    rtcp.on(
      'message',
      this.guarded((data: Buffer, rinfo: RemoteInfo) => this.onRtcp(data, rinfo)),
    );
    this.armInactivity(this.inactivityMs);
    this.armRtcp();
  }

  /** Bind a port pair from the range; throws `RtpSessionError` when none is free. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const { ports } = options;
    // Ports held by other programs fail to bind: try the next pair, at most once round the range.
    for (let attempt = 0; attempt < ports.capacity; attempt++) {
      const port = ports.acquire();
      if (port === undefined) break;
      let rtp: Socket | undefined;
      // One resolver for both sockets: a name in the SDP is looked up once per session.
      const names = new SessionLookup();
      try {
        rtp = await bindSocket(options.bindAddress, port, names);
        const rtcp = await bindSocket(options.bindAddress, port + 1, names);
        return new RtpSession(rtp, rtcp, port, options);
      } catch (err) {
        if (rtp) await closeSocket(rtp);
        ports.release(port);
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') {
          throw new RtpSessionError(`cannot bind RTP port ${port}: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
    }
    throw new RtpSessionError(
      `no free RTP port pair in ${ports.first}-${ports.last + 1} (${ports.inUse} in use)`,
    );
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /**
   * The peer whose SIP this session's SDP answers: our SDP gives it the address it reaches us at,
   * and media is taken only from it or from its SDP's address.
   */
  face(peer: string): void {
    this.peer = peer;
  }

  get negotiated(): Negotiated | undefined {
    return this.negotiatedMedia;
  }

  /** Where RTP goes now: the latched source, else the SDP address; undefined before any SDP. */
  get remoteTarget(): Readonly<Endpoint> | undefined {
    return this.latched ?? this.sdpTarget;
  }

  get statistics(): RtpSessionStats {
    return {
      packetsSent: this.packetsSent,
      octetsSent: this.octetsSent,
      packetsReceived: this.packetsReceived,
      malformedReceived: this.malformed,
      packetsLost: this.stats?.lost ?? 0,
      jitter: this.stats?.jitter ?? 0,
    };
  }

  private get inactivityMs(): number {
    return this.options.inactivityMs ?? 60_000;
  }

  // ---- SDP ----

  private local(direction: MediaDirection | undefined, codecs?: readonly G711Codec[]): LocalMedia {
    const advertised = this.options.advertisedAddress;
    return {
      address:
        typeof advertised === 'string'
          ? advertised
          : advertised(this.peer ?? this.sdpTarget?.address ?? ''),
      port: this.port,
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      direction,
      codecs,
    };
  }

  /** RFC 3264 §8: the o= version goes up by one when the SDP changes, and only then. */
  private versioned(build: (local: LocalMedia) => string, local: LocalMedia): string {
    const body = build({ ...local, sessionVersion: 0 });
    if (this.lastSdpBody !== undefined && body !== this.lastSdpBody) this.sessionVersion++;
    this.lastSdpBody = body;
    return build({ ...local, sessionVersion: this.sessionVersion });
  }

  /** Our offer (initial INVITE or re-INVITE); `acceptAnswer` completes it. */
  createOffer(options: { direction?: MediaDirection; codecs?: readonly G711Codec[] } = {}): string {
    this.assertOpen();
    return this.versioned(buildOffer, this.local(options.direction, options.codecs));
  }

  /**
   * Answer a remote offer and start using it. Throws `SdpError` (no audio, no common codec: answer
   * 488; malformed: 400); the session is unchanged then.
   */
  answer(offerSdp: string, options: { direction?: MediaDirection } = {}): string {
    this.assertOpen();
    let negotiated: Negotiated | undefined;
    const sdp = this.versioned((local) => {
      const result = buildAnswer(offerSdp, local);
      negotiated = result.negotiated;
      return result.sdp;
    }, this.local(options.direction));
    this.useNegotiated(negotiated as Negotiated);
    return sdp;
  }

  /** Take the remote answer to our offer into use. Throws `SdpError` as `answer` does. */
  acceptAnswer(answerSdp: string, options: { direction?: MediaDirection } = {}): Negotiated {
    this.assertOpen();
    const negotiated = readAnswer(answerSdp, this.local(options.direction));
    this.useNegotiated(negotiated);
    return negotiated;
  }

  private useNegotiated(negotiated: Negotiated): void {
    const { remote } = negotiated;
    const previous = this.sdpTarget;
    this.negotiatedMedia = negotiated;
    this.sdpTarget = { address: remote.address, port: remote.port };
    this.rtcpTarget = { address: remote.rtcpAddress, port: remote.rtcpPort };
    // A new address in the SDP (transfer, re-INVITE to another device): learn the source anew.
    if (
      previous === undefined ||
      previous.address !== remote.address ||
      previous.port !== remote.port
    ) {
      this.latched = undefined;
      this.latchedRtcp = undefined;
    }
  }

  // ---- sending ----

  /** True when the negotiated direction lets us send and there is somewhere to send to. */
  get canSend(): boolean {
    const n = this.negotiatedMedia;
    if (this.state !== 'open' || !n) return false;
    if (n.direction !== 'sendrecv' && n.direction !== 'sendonly') return false;
    const target = this.remoteTarget;
    return target !== undefined && target.address !== '0.0.0.0' && target.port !== 0;
  }

  /**
   * Send one 20 ms frame of local audio for media clock tick `tick`, encoded with the negotiated
   * codec. Returns false when nothing was sent (closed, no SDP yet, or on hold).
   */
  sendFrame(pcm: Int16Array, tick: number): boolean {
    const n = this.negotiatedMedia;
    if (!this.canSend || !n) return false;
    return this.sendLocal(encodeG711(n.codec, pcm), pcm.length, tick);
  }

  /** Send a frame already encoded with the negotiated codec (prompts kept as G.711). */
  sendEncodedFrame(payload: Uint8Array, tick: number): boolean {
    if (!this.canSend) return false;
    return this.sendLocal(payload, payload.length, tick);
  }

  private sendLocal(payload: Uint8Array, samples: number, tick: number): boolean {
    const n = this.negotiatedMedia as Negotiated;
    const continuous = this.lastTick !== undefined && tick === this.lastTick + 1;
    const timestamp = continuous
      ? (this.lastTimestamp + this.lastSamples) >>> 0
      : this.resumeTimestamp();
    this.lastTick = tick;
    // RFC 3551 §4.1: the marker bit flags the first packet of a talkspurt.
    this.transmit(n.payloadType, !continuous, timestamp, payload, samples);
    return true;
  }

  /**
   * The timestamp a packet sent now would carry if it starts a new talkspurt: the last one plus
   * the time elapsed since it was sent, in whole frames (at least one). The bridge maps relayed
   * timestamps onto it.
   */
  resumeTimestamp(): number {
    if (this.lastSendMs === undefined) return this.lastTimestamp;
    const frames = Math.max(1, Math.round((nowMs() - this.lastSendMs) / FRAME_MS));
    return (this.lastTimestamp + Math.max(this.lastSamples, frames * FRAME_SAMPLES)) >>> 0;
  }

  /** Send a packet whose payload type, marker and timestamp the caller chose (the bridge). */
  sendRelayed(packet: OutgoingPacket): boolean {
    return this.relay(
      packet.payloadType,
      packet.marker,
      packet.timestamp,
      packet.payload,
      packet.samples,
    );
  }

  /** `sendRelayed` without the packet object, for the bridge's per-packet path. */
  relay(
    payloadType: number,
    marker: boolean,
    timestamp: number,
    payload: Uint8Array,
    samples: number,
  ): boolean {
    if (!this.canSend) return false;
    this.lastTick = undefined;
    this.transmit(payloadType, marker, timestamp, payload, samples);
    return true;
  }

  private transmit(
    payloadType: number,
    marker: boolean,
    timestamp: number,
    payload: Uint8Array,
    samples: number,
  ): void {
    const target = this.remoteTarget as Endpoint;
    const data = encodeRtpPacket(marker, payloadType, this.sequence, timestamp, this.ssrc, payload);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.lastTimestamp = timestamp >>> 0;
    this.lastSamples = samples;
    this.lastSendMs = nowMs();
    this.packetsSent++;
    this.octetsSent += payload.length;
    this.sentSinceReport = true;
    try {
      this.rtp.send(data, target.port, target.address);
    } catch (error) {
      this.fail(error);
    }
  }

  // ---- receiving ----

  /** RTP hijack: with a known peer, only its address or its SDP's sends us media. */
  private fromPeer(address: string): boolean {
    if (this.peer === undefined) return true;
    return address === this.peer || address === this.sdpTarget?.address;
  }

  private onRtp(data: Buffer, rinfo: RemoteInfo): void {
    if (this.state !== 'open') return;
    let packet: RtpPacket;
    try {
      packet = decodeRtp(data);
    } catch (err) {
      if (!(err instanceof RtpFormatError)) throw err;
      this.malformed++;
      return;
    }
    if (!this.fromPeer(rinfo.address)) return;
    const n = this.negotiatedMedia;
    const codec =
      n && packet.payloadType === n.payloadType ? n.codec : codecForPayloadType(packet.payloadType);
    const isEvent = n?.telephoneEventPt !== undefined && packet.payloadType === n.telephoneEventPt;
    if (!codec && !isEvent && packet.payloadType !== COMFORT_NOISE_PT) {
      // A payload type never negotiated: not our peer's media, so neither activity nor a latch.
      this.malformed++;
      return;
    }
    this.packetsReceived++;
    this.lastActivityMs = nowMs();
    // RFC 4961: send back to where the remote's RTP comes from (NAT, wrong SDP address).
    if (!this.latched && n) this.latched = { address: rinfo.address, port: rinfo.port };
    if (packet.payloadType === COMFORT_NOISE_PT) return;
    if (isEvent) {
      this.onTelephoneEvent(packet);
      return;
    }
    if (!this.stats || this.stats.ssrc !== packet.ssrc)
      this.stats = new ReceptionStats(packet.ssrc);
    this.stats.record(packet.sequenceNumber, packet.timestamp, this.lastActivityMs * UNITS_PER_MS);
    for (const ready of this.reorder.push(packet)) this.emitAudio(ready);
    this.armReorderFlush();
  }

  private emitAudio(packet: RtpPacket): void {
    const n = this.negotiatedMedia;
    const codec =
      n && packet.payloadType === n.payloadType ? n.codec : codecForPayloadType(packet.payloadType);
    if (codec && this.state === 'open') this.emit('audio', packet, codec);
  }

  private armReorderFlush(): void {
    if (this.reorder.size === 0) {
      if (this.reorderTimer) clearTimeout(this.reorderTimer);
      this.reorderTimer = undefined;
      return;
    }
    if (this.reorderTimer) return;
    // A gap that nothing fills within the buffer's span: give up waiting and release what is held.
    const waitMs = (this.options.reorderDepth ?? 3) * FRAME_MS;
    this.reorderTimer = setTimeout(
      this.guarded(() => {
        this.reorderTimer = undefined;
        for (const ready of this.reorder.flush()) this.emitAudio(ready);
      }),
      waitMs,
    );
  }

  private onTelephoneEvent(packet: RtpPacket): void {
    let event: TelephoneEvent;
    try {
      event = decodeTelephoneEvent(packet.payload);
    } catch {
      this.malformed++;
      return;
    }
    this.emit('telephone-event', packet, event);
    const digit = this.dtmf.accept(packet.ssrc, packet.timestamp, event);
    if (digit !== undefined && this.state === 'open') this.emit('dtmf', digit);
  }

  /**
   * A digit the far end signalled out of band (SIP INFO): told to the session's listeners like a
   * digit of RFC 4733 events, so that menus and recordings need not know how it came.
   */
  signalledDigit(digit: DtmfDigit): void {
    if (this.state === 'open') this.emit('dtmf', digit);
  }

  private onRtcp(data: Buffer, rinfo: RemoteInfo): void {
    if (this.state !== 'open') return;
    let packets;
    try {
      packets = decodeRtcp(data);
    } catch (err) {
      if (!(err instanceof RtpFormatError)) throw err;
      this.malformed++;
      return;
    }
    if (!this.fromPeer(rinfo.address)) return;
    this.lastActivityMs = nowMs();
    if (!this.latchedRtcp && this.negotiatedMedia) {
      this.latchedRtcp = { address: rinfo.address, port: rinfo.port };
    }
    for (const packet of packets) {
      if (packet.type === 'sr' && this.stats?.ssrc === packet.ssrc) {
        this.stats.recordSenderReport(
          packet.sender.ntpSeconds,
          packet.sender.ntpFraction,
          Date.now(),
        );
      }
    }
  }

  // ---- timers ----

  private armInactivity(delayMs: number): void {
    if (this.inactivityMs <= 0) return;
    this.inactivityTimer = setTimeout(
      this.guarded(() => this.checkInactivity()),
      delayMs,
    );
  }

  private checkInactivity(): void {
    this.inactivityTimer = undefined;
    if (this.state !== 'open') return;
    const n = this.negotiatedMedia;
    // When our direction is sendonly or inactive the remote sends nothing by agreement (hold), so
    // silence is no sign of a dead call.
    const expectsMedia = !n || n.direction === 'sendrecv' || n.direction === 'recvonly';
    const idle = nowMs() - this.lastActivityMs;
    if (expectsMedia && idle >= this.inactivityMs) {
      this.emit('inactive');
      return;
    }
    this.armInactivity(expectsMedia ? this.inactivityMs - idle : this.inactivityMs);
  }

  /**
   * Count from now again, e.g. when a re-INVITE takes the call off hold or a ringing leg is
   * answered; a watch that already fired (and was let pass) starts again.
   */
  touch(): void {
    this.lastActivityMs = nowMs();
    if (this.inactivityTimer === undefined && this.state === 'open') {
      this.armInactivity(this.inactivityMs);
    }
  }

  private armRtcp(): void {
    const mean = this.options.rtcpIntervalMs ?? 5000;
    // RFC 3550 §6.3.5: a random interval between 0.5 and 1.5 times the mean, so that reports
    // from many sessions do not synchronise.
    const delay = mean * (0.5 + Math.random());
    this.rtcpTimer = setTimeout(
      this.guarded(() => {
        this.rtcpTimer = undefined;
        if (this.state !== 'open') return;
        this.sendRtcp(this.buildReport());
        this.armRtcp();
      }),
      delay,
    );
  }

  private buildReport(): Buffer {
    const blocks = this.stats ? [this.stats.report(Date.now())] : [];
    if (!this.sentSinceReport) return encodeReceiverReport(this.ssrc, blocks);
    this.sentSinceReport = false;
    const ntp = ntpNow();
    return encodeSenderReport(
      this.ssrc,
      {
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: this.resumeTimestamp(),
        packetCount: this.packetsSent,
        octetCount: this.octetsSent,
      },
      blocks,
    );
  }

  private sendRtcp(data: Buffer, sent: () => void = () => undefined): void {
    const target = this.latchedRtcp ?? this.rtcpTarget;
    if (!target || target.address === '0.0.0.0' || target.port === 0) {
      sent();
      return;
    }
    try {
      this.rtcp.send(data, target.port, target.address, () => sent());
    } catch (error) {
      sent();
      this.fail(error);
    }
  }

  /** `fn` inside the session's error boundary. */
  private guarded<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        fn(...args);
      } catch (error) {
        this.fail(error);
      }
    };
  }

  /**
   * The session's error boundary: `error` happened in something it ran (or, for the player,
   * something run for it). Emits `failed` once, then closes; nothing is rethrown.
   */
  fail(error: unknown): void {
    if (this.state !== 'open') return;
    try {
      this.emit('failed', error);
    } catch {
      // The owner's own handler failed: the session still closes, and the boundary holds.
    }
    void this.close();
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new RtpSessionError(`RTP session on port ${this.port} closed`);
  }

  /** Send an RTCP BYE when we sent media, then release sockets, timers and the port pair. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const bye =
      this.packetsSent > 0
        ? // RFC 3550 §6.1, §6.6: a compound packet opens with a report; the BYE comes last.
          Buffer.concat([this.buildReport(), encodeBye([this.ssrc])])
        : undefined;
    this.state = 'closed';
    for (const timer of [this.inactivityTimer, this.rtcpTimer, this.reorderTimer]) {
      if (timer) clearTimeout(timer);
    }
    this.inactivityTimer = this.rtcpTimer = this.reorderTimer = undefined;
    this.closing = (async () => {
      // A datagram handed to a socket is dropped if the socket closes before it is written: wait
      // for the BYE, and one turn of the event loop for the last RTP packets.
      if (bye) await new Promise<void>((resolve) => this.sendRtcp(bye, resolve));
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([closeSocket(this.rtp), closeSocket(this.rtcp)]);
      this.options.ports.release(this.port);
      this.emit('close');
      this.removeAllListeners();
    })();
    return this.closing;
  }
}
