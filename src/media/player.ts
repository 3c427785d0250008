/**
 * Play a sequence of sources to an RTP session on the shared media clock: one frame per tick, so
 * every stream of the PBX is paced by the same timer. WAV files are loaded (through the cache)
 * before the first frame, so a missing prompt fails before anything is heard.
 *
 * The playback ends when the sources run out (`completed`), on `stop()` (`stopped`), on a DTMF digit
 * when barge-in is asked for (`dtmf`), or when the session closes (`closed`). It leaves no
 * subscription on the clock and no listener on the session once it has ended, and playing nothing
 * never subscribes at all.
 */
import { FrameSequence } from './frame-source.js';
import type { PlaySource, ResolvedSource } from './frame-source.js';
import { FRAME_SAMPLES, encodeG711Into } from './g711.js';
import type { G711Codec } from './g711.js';
import type { MediaClock } from './media-clock.js';
import type { RtpSession } from './rtp-session.js';
import type { DtmfDigit } from './telephone-event.js';
import type { WavCache } from './wav.js';

export interface PlaybackResult {
  readonly reason: 'completed' | 'stopped' | 'dtmf' | 'closed';
  /** The digit that interrupted the playback (reason `dtmf`). */
  readonly digit?: DtmfDigit;
  readonly framesPlayed: number;
}

export interface PlayOptions {
  readonly clock: MediaClock;
  readonly wavs: WavCache;
  /** Stop at the first DTMF digit (barge-in); true for any digit, or the digits that stop it. */
  readonly stopOnDtmf?: boolean | string;
}

export class Playback {
  /** Settles once; rejects only when a WAV source cannot be read (`WavFormatError`). */
  readonly done: Promise<PlaybackResult>;
  private settle!: (result: PlaybackResult) => void;
  private fail!: (error: unknown) => void;
  private unsubscribe: (() => void) | undefined;
  private frames: FrameSequence | undefined;
  private framesPlayed = 0;
  private ended = false;
  private readonly onDtmf = (digit: DtmfDigit): void => {
    const stopOn = this.options.stopOnDtmf;
    if (stopOn === true || (typeof stopOn === 'string' && stopOn.includes(digit))) {
      this.finish('dtmf', digit);
    }
  };
  private readonly onClose = (): void => this.finish('closed');

  constructor(
    private readonly session: RtpSession,
    sources: readonly PlaySource[],
    private readonly options: PlayOptions,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    if (session.closed) {
      this.finish('closed');
      return;
    }
    session.on('close', this.onClose);
    if (options.stopOnDtmf) session.on('dtmf', this.onDtmf);
    void this.start(sources);
  }

  get playing(): boolean {
    return this.unsubscribe !== undefined;
  }

  stop(): void {
    this.finish('stopped');
  }

  private async start(sources: readonly PlaySource[]): Promise<void> {
    let resolved: ResolvedSource[];
    try {
      resolved = await Promise.all(
        sources.map(async (source): Promise<ResolvedSource> =>
          source.kind === 'wav'
            ? { kind: 'pcm', samples: await this.options.wavs.load(source.path) }
            : source,
        ),
      );
    } catch (err) {
      if (!this.ended) {
        this.detach();
        this.ended = true;
        this.fail(err);
      }
      return;
    }
    if (this.ended) return;
    this.frames = new FrameSequence(resolved);
    // The first frame is taken now so that an empty sequence never touches the clock.
    const first = this.frames.next();
    if (!first) {
      this.finish('completed');
      return;
    }
    // One frame and one payload buffer for the whole playback, reused on every tick: the packet
    // is copied out of them when it is sent.
    const frame = first;
    const payload = new Uint8Array(FRAME_SAMPLES);
    let pending = true;
    let encodedAs: G711Codec | undefined;
    const load = (): void => {
      const codec = this.session.negotiated?.codec;
      encodedAs = pending && codec ? codec : undefined;
      if (encodedAs) encodeG711Into(encodedAs, frame, payload);
    };
    load();
    // The tick only sends what was prepared; the next frame is read and encoded in the clock's
    // second phase, once every stream has sent (media-clock.ts).
    const onTick = (tick: number): void => {
      if (!pending) {
        this.finish('completed');
        return;
      }
      // A re-INVITE may have changed the codec since the frame was encoded.
      if (encodedAs !== undefined && encodedAs === this.session.negotiated?.codec) {
        this.session.sendEncodedFrame(payload, tick);
      } else {
        this.session.sendFrame(frame, tick);
      }
      this.framesPlayed++;
    };
    const prepare = (): void => {
      pending = this.frames?.next(frame) !== undefined;
      load();
    };
    // An error in this stream's tick ends its session (and so its call), not the clock's others.
    this.unsubscribe = this.options.clock.subscribe(onTick, prepare, (error) =>
      this.session.fail(error),
    );
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.session.off('close', this.onClose);
    this.session.off('dtmf', this.onDtmf);
  }

  private finish(reason: PlaybackResult['reason'], digit?: DtmfDigit): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    this.settle(
      digit === undefined
        ? { reason, framesPlayed: this.framesPlayed }
        : { reason, digit, framesPlayed: this.framesPlayed },
    );
  }
}
