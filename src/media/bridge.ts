/**
 * Relay media between two RTP sessions with the PBX in the middle (trunk legs, bounce): what A
 * receives B sends, and the other way round. Each leg keeps its own SSRC, sequence numbers and
 * timestamp line (RFC 3550 §7.1: a translator that changes the stream is a new source towards the
 * other side): the relayed timestamps are the source's shifted by an offset chosen when a
 * talkspurt starts, so the receiver sees the source's timing, gaps included, continuing from what
 * the leg sent before (a prompt, ringback).
 *
 * Audio is passed through as is when both legs negotiated the same codec, else decoded to PCM and
 * encoded again (PCMU ↔ PCMA). RFC 4733 events are passed with the receiving leg's telephone-event
 * payload type, and dropped towards a leg that did not negotiate one.
 *
 * `stop()` (or either session closing) detaches the bridge and leaves both sessions open, so the
 * call can go on to a prompt.
 */
import { decodeG711, encodeG711 } from './g711.js';
import type { G711Codec } from './g711.js';
import type { RtpPacket } from './rtp-packet.js';
import type { RtpSession } from './rtp-session.js';
import type { TelephoneEvent } from './telephone-event.js';

export interface BridgeStats {
  readonly relayed: number;
  readonly transcoded: number;
  readonly events: number;
  /** Packets that could not be sent (the other leg on hold or without SDP yet). */
  readonly dropped: number;
}

class Direction {
  private offset: number | undefined;
  private sourceSsrc: number | undefined;
  relayed = 0;
  transcoded = 0;
  events = 0;
  dropped = 0;

  constructor(private readonly to: RtpSession) {}

  /**
   * Whether `packet` starts a new timestamp mapping (and sets it up when it does); `talkspurt`: the
   * packet's marker starts a talkspurt (audio), not an event (RFC 4733 §2.5.1.1).
   */
  private remap(packet: RtpPacket, talkspurt: boolean): boolean {
    const first =
      this.offset === undefined || this.sourceSsrc !== packet.ssrc || (talkspurt && packet.marker);
    if (first) {
      this.offset = (this.to.resumeTimestamp() - packet.timestamp) | 0;
      this.sourceSsrc = packet.ssrc;
    }
    return first;
  }

  private mapped(packet: RtpPacket): number {
    return (packet.timestamp + (this.offset as number)) >>> 0;
  }

  audio(packet: RtpPacket, codec: G711Codec): void {
    const target = this.to.negotiated;
    if (!target || !this.to.canSend) {
      this.dropped++;
      return;
    }
    const payload =
      codec === target.codec
        ? packet.payload
        : encodeG711(target.codec, decodeG711(codec, packet.payload));
    if (codec !== target.codec) this.transcoded++;
    const first = this.remap(packet, true);
    // Sent here, in the receive handler, not on the media clock: a relayed packet leaves as soon
    // as it arrives, with no added delay or batching. RFC 3551 §4.1: the first packet we send of a
    // source's talkspurt carries the marker.
    this.to.relay(target.payloadType, first, this.mapped(packet), payload, payload.length);
    this.relayed++;
  }

  event(packet: RtpPacket, event: TelephoneEvent): void {
    const target = this.to.negotiated;
    if (!target || target.telephoneEventPt === undefined || !this.to.canSend) {
      this.dropped++;
      return;
    }
    this.remap(packet, false);
    // RFC 4733 §2.5.1.2: every packet of an event keeps the event's timestamp, mapped unchanged.
    this.to.relay(
      target.telephoneEventPt,
      packet.marker,
      this.mapped(packet),
      packet.payload,
      event.duration,
    );
    this.events++;
  }
}

export class Bridge {
  private readonly aToB: Direction;
  private readonly bToA: Direction;
  private active = true;
  private readonly detachers: (() => void)[] = [];

  constructor(
    readonly a: RtpSession,
    readonly b: RtpSession,
  ) {
    if (a === b) throw new RangeError('a bridge needs two different sessions');
    this.aToB = new Direction(b);
    this.bToA = new Direction(a);
    this.listen(a, this.aToB);
    this.listen(b, this.bToA);
  }

  private listen(from: RtpSession, direction: Direction): void {
    const onAudio = (packet: RtpPacket, codec: G711Codec): void => direction.audio(packet, codec);
    const onEvent = (packet: RtpPacket, event: TelephoneEvent): void =>
      direction.event(packet, event);
    const onClose = (): void => this.stop();
    from.on('audio', onAudio);
    from.on('telephone-event', onEvent);
    from.on('close', onClose);
    this.detachers.push(
      () => from.off('audio', onAudio),
      () => from.off('telephone-event', onEvent),
      () => from.off('close', onClose),
    );
  }

  get running(): boolean {
    return this.active;
  }

  get stats(): { aToB: BridgeStats; bToA: BridgeStats } {
    const of = (d: Direction): BridgeStats => ({
      relayed: d.relayed,
      transcoded: d.transcoded,
      events: d.events,
      dropped: d.dropped,
    });
    return { aToB: of(this.aToB), bToA: of(this.bToA) };
  }

  /** Detach from both sessions; they stay open. Idempotent. */
  stop(): void {
    if (!this.active) return;
    this.active = false;
    for (const detach of this.detachers) detach();
    this.detachers.length = 0;
  }
}
