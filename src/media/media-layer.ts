/**
 * The media layer of one PBX process, as the call sessions use it: one shared media clock, one
 * RTP port range, one prompt cache. A call leg opens an `RtpSession`, answers or offers SDP with
 * it, plays, records, bridges, and closes it when the call ends.
 *
 *   const media = new MediaLayer({ bindAddress: '0.0.0.0', advertisedAddress: '192.0.2.10',
 *                                  portMin: 20000, portMax: 20999 });
 *   const leg = await media.openSession();            // RtpSessionError when the range is full
 *   const sdp = leg.answer(invite.body);              // SdpError → 488 (or 400 when malformed)
 *   leg.on('inactive', () => endCall('no RTP'));
 *   const played = await media.play(leg, [{ kind: 'wav', path }, { kind: 'beep' }]).done;
 *   const rec = await media.record(leg, file, { silenceMs: 5000, stopDigits: '#' });
 *   const { reason, durationMs } = await rec.done;
 *   const bridge = media.bridge(leg, otherLeg);  …  bridge.stop();
 *   await leg.close();                                // sockets, timers and ports released
 */
import { Bridge } from './bridge.js';
import type { PlaySource } from './frame-source.js';
import { MediaClock } from './media-clock.js';
import { Playback } from './player.js';
import type { PlayOptions } from './player.js';
import { PortAllocator } from './port-allocator.js';
import { Recording } from './recorder.js';
import type { RecordOptions } from './recorder.js';
import { RtpSession } from './rtp-session.js';
import { WavCache } from './wav.js';

export interface MediaLayerOptions {
  /** Address the RTP sockets bind to. */
  readonly bindAddress: string;
  /**
   * Address announced in SDP: one for all, or the one a given peer reaches us at (see
   * `RtpSession.face`).
   */
  readonly advertisedAddress: string | ((peer: string) => string);
  /** RTP port range, inclusive; RTP on even ports, RTCP on the next (RFC 3550 §11). */
  readonly portMin: number;
  readonly portMax: number;
  /** No RTP or RTCP for this long emits `inactive` on the session; default 60 000, 0 disables. */
  readonly inactivityMs?: number;
  readonly rtcpIntervalMs?: number;
  readonly reorderDepth?: number;
  /** The media clock's `leadMs` (media-clock.ts): its precise wait before each tick; default 1. */
  readonly clockLeadMs?: number;
  /** A subscriber of the media clock threw (a bug): the clock goes on, this reports it. */
  readonly onError?: (error: unknown) => void;
  /** Each session as it closes, its statistics final (metrics). */
  readonly onSessionClosed?: (session: RtpSession) => void;
}

export class MediaLayer {
  readonly clock: MediaClock;
  readonly ports: PortAllocator;
  readonly wavs = new WavCache();
  private readonly sessions = new Set<RtpSession>();

  constructor(private readonly options: MediaLayerOptions) {
    this.clock = new MediaClock({ onError: options.onError, leadMs: options.clockLeadMs });
    this.ports = new PortAllocator(options.portMin, options.portMax);
  }

  /** Sessions open now (a test checks it is back to 0 after each call). */
  get openSessions(): number {
    return this.sessions.size;
  }

  async openSession(): Promise<RtpSession> {
    const session = await RtpSession.open({
      ports: this.ports,
      bindAddress: this.options.bindAddress,
      advertisedAddress: this.options.advertisedAddress,
      inactivityMs: this.options.inactivityMs,
      rtcpIntervalMs: this.options.rtcpIntervalMs,
      reorderDepth: this.options.reorderDepth,
    });
    this.sessions.add(session);
    session.once('close', () => {
      this.sessions.delete(session);
      this.options.onSessionClosed?.(session);
    });
    return session;
  }

  /** Play `sources` in order; `done` resolves with why it ended. */
  play(
    session: RtpSession,
    sources: readonly PlaySource[],
    options: Pick<PlayOptions, 'stopOnDtmf'> = {},
  ): Playback {
    return new Playback(session, sources, { ...options, clock: this.clock, wavs: this.wavs });
  }

  /** Record what `session` receives to `path` (8 kHz 16-bit mono WAV, written as it arrives). */
  record(session: RtpSession, path: string, options: RecordOptions = {}): Promise<Recording> {
    return Recording.start(session, path, options);
  }

  bridge(a: RtpSession, b: RtpSession): Bridge {
    return new Bridge(a, b);
  }

  /** Close every session still open (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close()));
  }
}
