/**
 * The media a call's PBX side terminates: the RTP session facing the caller, the one facing the
 * answering B-leg when the PBX relays (trunk legs, bounce), and what runs on them — a prompt or
 * ringback, the bridge, a voicemail driver. The call owns one `CallMedia`; `release()` stops and
 * closes everything whatever the path, and `holdings()` says what is still open, for the leak
 * checks.
 *
 * Sessions are opened on demand (binding sockets is asynchronous) and at most one of each side
 * exists: the callee session is reused from one ringing step to the next, since only the leg that
 * answers ever uses it.
 */
import type { Bridge } from '../../media/bridge.js';
import type { PlaySource } from '../../media/frame-source.js';
import type { MediaLayer } from '../../media/media-layer.js';
import type { Playback, PlaybackResult } from '../../media/player.js';
import type { RtpSession } from '../../media/rtp-session.js';
import type { DriverEnd, VoiceDriver } from '../voicemail/voice-driver.js';

export interface MediaHoldings {
  /** RTP sessions open, or being opened. */
  sessions: number;
  playbacks: number;
  bridges: number;
  /** A voicemail service still running. */
  drivers: number;
}

/** The running voicemail service, whatever its machine. */
interface Driver {
  readonly done: boolean;
  readonly finished: Promise<DriverEnd>;
  start(): void;
  hangup(): Promise<DriverEnd>;
}

export class CallMedia {
  private callerSession: RtpSession | null = null;
  private calleeSession: RtpSession | null = null;
  private opening = 0;
  private openingCaller: Promise<RtpSession> | null = null;
  private openingCallee: Promise<RtpSession> | null = null;
  private playback: Playback | null = null;
  private bridged: Bridge | null = null;
  private driver: Driver | null = null;
  private released = false;
  private releasing: Promise<void> | null = null;

  /** `failed`: one of the call's RTP sessions failed (`RtpSession.fail`): the call must end. */
  constructor(
    readonly layer: MediaLayer,
    private readonly failed: (error: unknown) => void = () => undefined,
  ) {}

  get caller(): RtpSession | null {
    return this.callerSession;
  }

  get callee(): RtpSession | null {
    return this.calleeSession;
  }

  get isBridged(): boolean {
    return this.bridged !== null;
  }

  /** Nothing was opened or started (its release has nothing to wait for). */
  get empty(): boolean {
    return (
      this.callerSession === null &&
      this.calleeSession === null &&
      this.opening === 0 &&
      this.driver === null
    );
  }

  holdings(): MediaHoldings {
    const open = (s: RtpSession | null): number => (s !== null && !s.closed ? 1 : 0);
    return {
      sessions: open(this.callerSession) + open(this.calleeSession) + this.opening,
      playbacks: this.playback === null ? 0 : 1,
      bridges: this.bridged === null ? 0 : 1,
      drivers: this.driver === null || this.driver.done ? 0 : 1,
    };
  }

  /** The session facing the caller, opened on first use. Throws `RtpSessionError` when the range is full. */
  openCaller(): Promise<RtpSession> {
    if (this.callerSession !== null) return Promise.resolve(this.callerSession);
    this.openingCaller ??= this.open().then((s) => (this.callerSession = s));
    return this.openingCaller;
  }

  /** The session facing the B-legs, opened on first use. */
  openCallee(): Promise<RtpSession> {
    if (this.calleeSession !== null) return Promise.resolve(this.calleeSession);
    this.openingCallee ??= this.open().then((s) => (this.calleeSession = s));
    return this.openingCallee;
  }

  private async open(): Promise<RtpSession> {
    if (this.released) throw new Error('the call has released its media');
    this.opening++;
    try {
      const session = await this.layer.openSession();
      session.once('failed', this.failed);
      if (this.released) {
        // The call ended while the ports were being bound.
        await session.close();
        throw new Error('the call has released its media');
      }
      return session;
    } finally {
      this.opening--;
    }
  }

  /**
   * Play to the caller (or to `session`, the callee's for music on hold), replacing what was
   * playing; resolves with why it ended.
   */
  play(
    sources: readonly PlaySource[],
    session: RtpSession | null = this.callerSession,
  ): Promise<PlaybackResult> {
    if (session === null) throw new Error('no media to play to');
    this.stopPlayback();
    const playback = this.layer.play(session, sources);
    this.playback = playback;
    const clear = (): void => {
      if (this.playback === playback) this.playback = null;
    };
    playback.done.then(clear, clear);
    return playback.done;
  }

  stopPlayback(): void {
    const playback = this.playback;
    this.playback = null;
    playback?.stop();
  }

  /** Relay between the caller and the callee session (stops what played to the caller). */
  bridge(): void {
    if (this.bridged !== null) return;
    const { callerSession: caller, calleeSession: callee } = this;
    if (caller === null || callee === null) throw new Error('a bridge needs both sessions');
    this.stopPlayback();
    this.bridged = this.layer.bridge(caller, callee);
  }

  /**
   * Relay between the caller's session and another call's (an attended transfer joined the two
   * calls): this call owns the bridge and stops it when it ends.
   */
  bridgeTo(other: RtpSession): void {
    const caller = this.callerSession;
    if (caller === null) throw new Error('a bridge needs the caller session');
    this.unbridge();
    this.stopPlayback();
    this.bridged = this.layer.bridge(caller, other);
  }

  unbridge(): void {
    this.bridged?.stop();
    this.bridged = null;
  }

  /** Run a voicemail service on the caller's session; `finished` says how it ended. */
  run<C extends { do: string }>(driver: VoiceDriver<C>): Promise<DriverEnd> {
    if (this.driver !== null && !this.driver.done)
      throw new Error('a voicemail service runs already');
    this.stopPlayback();
    this.driver = driver;
    driver.start();
    return driver.finished;
  }

  /**
   * The caller transferred its callee: the callee's session faces the party the plan is now for
   * (the caller's place), the caller's faces the leaving transferor (closed by `closeCallee`).
   */
  swapSides(): void {
    this.unbridge();
    [this.callerSession, this.calleeSession] = [this.calleeSession, this.callerSession];
    [this.openingCaller, this.openingCallee] = [this.openingCallee, this.openingCaller];
  }

  /** The caller's media goes phone to phone again (off hold): its session is not needed. */
  async closeCaller(): Promise<void> {
    this.unbridge();
    const session = this.callerSession;
    this.callerSession = null;
    this.openingCaller = null;
    await session?.close();
  }

  /** The B-leg's session is no longer needed (its leg failed or hung up). */
  async closeCallee(): Promise<void> {
    this.unbridge();
    const session = this.calleeSession;
    this.calleeSession = null;
    this.openingCallee = null;
    await session?.close();
  }

  /**
   * Stop everything and close both sessions. A voicemail service is told the caller is gone and
   * finishes first (its recording is closed and stored). Idempotent.
   */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      this.released = true;
      this.stopPlayback();
      this.unbridge();
      if (this.driver !== null) await this.driver.hangup();
      // Sessions still being opened close themselves when their bind completes (see open()).
      await Promise.allSettled([this.openingCaller, this.openingCallee]);
      await Promise.all([this.callerSession?.close(), this.calleeSession?.close()]);
    })();
    return this.releasing;
  }
}
