/**
 * Runs one voicemail state machine (a `Deposit` or a `MailboxMenu`) against a live RTP session:
 * it feeds the machine events from the media (digits, the end of a playback, the recorder's
 * verdicts, its one timer, the caller's hang-up) and carries out the commands it returns, in
 * order, exactly per media-commands.ts. Commands beyond the media vocabulary (keep a message, mark
 * one saved…) go to the `store` callback, which writes through the repository.
 *
 * Decisions:
 * - Events and commands go through one queue: a command that waits (opening the recording file,
 *   a store write) holds back the events that arrive meanwhile, so the machine sees them in the
 *   order they happened and never two at a time.
 * - Barge-in is the machine's business: playbacks never stop on DTMF by themselves; a digit is
 *   passed on and the machine answers `stopPlayback` if it wants.
 * - The recorder watches silence itself (`silenceMs` of the command) and stops on it; that is
 *   told as `silence`, and the machine's `stopRecording` that follows finds the file already
 *   closed. Its own 3-minute limit is a backstop set beyond the machine's timer.
 * - `trailingSilenceMs` is measured in the file (its last frames under the silence threshold),
 *   not assumed from `silenceMs`: a caller who stops sending RTP leaves no silence in the file.
 * - The driver is done when the machine is `done` and nothing of its own is left running;
 *   `finished` then says why: the machine hung up, the caller did, or something failed.
 */
import { open } from 'node:fs/promises';
import type { MediaLayer } from '../../media/media-layer.js';
import type { Playback } from '../../media/player.js';
import type { Recording, RecordingResult } from '../../media/recorder.js';
import type { RtpSession } from '../../media/rtp-session.js';
import type { PlaySource } from '../../media/frame-source.js';
import { SAMPLE_RATE } from '../../media/g711.js';
import { WAV_HEADER_BYTES } from '../../media/wav.js';
import { samplesOf, trailingSilenceMs } from './trailing-silence.js';
import type { MediaCommand, MediaEvent } from './media-commands.js';
import { DIGITS } from './media-commands.js';
import type { Digit } from './media-commands.js';

/** What the driver needs of a machine: both `Deposit` and `MailboxMenu` fit. */
export interface VoiceMachine<C extends { do: string }> {
  readonly state: string;
  handle(event: MediaEvent): C[];
}

/** Named timers owned by the call (OwnedTimers fits), so its leak checks count the driver's. */
export interface DriverTimers {
  set(name: string, ms: number, fn: () => void): void;
  clear(name: string): void;
}

/** Why the driver ended. */
export type DriverEnd = 'hangup' | 'caller-gone' | 'failed';

export interface VoiceDriverOptions<C extends { do: string }> {
  media: MediaLayer;
  session: RtpSession;
  machine: VoiceMachine<C>;
  timers: DriverTimers;
  /** Distinguishes this driver's timer among the call's. */
  name?: string;
  /** Where the recording asked for now goes (a message row may be created here). */
  recordingPath(): Promise<string>;
  /**
   * Carry out a command that is not a media command (store writes, a PIN check). An event it
   * returns is the machine's answer, handed to it before any event that arrived meanwhile.
   */
  store(command: Exclude<C, MediaCommand>): Promise<MediaEvent | undefined>;
  /** Called once the driver has ended, whatever the path (e.g. to clean a half-made message). */
  onEnd?(end: DriverEnd): Promise<void>;
  log?: (message: string) => void;
  /** RMS under which a recorded frame is silence; the recorder's default. */
  silenceThreshold?: number;
}

/** The recorder's own limit, kept beyond the machine's timer so the timer always comes first. */
const RECORDER_BACKSTOP_MS = 185_000;
/** The longest tail of a recording read back to measure its trailing silence. */
const MAX_TAIL_MS = 30_000;

const MEDIA_COMMANDS = new Set<string>([
  'play',
  'stopPlayback',
  'beep',
  'startTimer',
  'cancelTimer',
  'startRecording',
  'stopRecording',
  'hangup',
]);

function isMediaCommand(command: { do: string }): command is MediaCommand {
  return MEDIA_COMMANDS.has(command.do);
}

function isDigit(value: string): value is Digit {
  return (DIGITS as readonly string[]).includes(value);
}

export class VoiceDriver<C extends { do: string }> {
  /** Settles once, when the machine is done and nothing of the driver's runs any more. */
  readonly finished: Promise<DriverEnd>;
  private settle!: (end: DriverEnd) => void;
  private queue: Promise<void> = Promise.resolve();
  private playback: Playback | undefined;
  private recording: Recording | undefined;
  private recorded: Promise<RecordingResult> | undefined;
  /** The recorder stopped on its own (silence, limit) before the machine asked. */
  private selfStopped = false;
  private stopAsked = false;
  private timerArmed = false;
  private ended: DriverEnd | undefined;
  private started = false;
  private callerGone = false;
  private readonly timerName: string;
  private readonly log: (message: string) => void;
  private readonly onDtmf = (digit: string): void => {
    if (isDigit(digit)) this.push({ type: 'digit', digit });
  };

  constructor(private readonly options: VoiceDriverOptions<C>) {
    this.timerName = `${options.name ?? 'voice'}:timer`;
    this.log = options.log ?? (() => undefined);
    this.finished = new Promise((resolve) => (this.settle = resolve));
  }

  /** Something of the driver's is running: a playback, a recording or its timer. */
  get busy(): boolean {
    return this.playback !== undefined || this.recording !== undefined || this.timerArmed;
  }

  get done(): boolean {
    return this.ended !== undefined;
  }

  start(): void {
    if (this.started) throw new Error('voice driver already started');
    this.started = true;
    this.options.session.on('dtmf', this.onDtmf);
    this.push({ type: 'start' });
  }

  /** The caller hung up (BYE, CANCEL, the call ending): the machine is told, then everything stops. */
  hangup(): Promise<DriverEnd> {
    if (!this.started) {
      this.started = true;
      this.end('caller-gone');
    } else if (this.ended === undefined && !this.callerGone) {
      this.callerGone = true;
      this.push({ type: 'hangup' });
    }
    return this.finished;
  }

  private push(event: MediaEvent): void {
    this.queue = this.queue.then(() => this.deliver(event));
  }

  private async deliver(event: MediaEvent): Promise<void> {
    if (this.ended !== undefined) return;
    // After the caller's hang-up only the recorder's closing still matters to the machine (and
    // the start, when the hang-up came before it was handled).
    const after = ['start', 'hangup', 'recordingStopped'];
    if (this.callerGone && !after.includes(event.type)) return;
    try {
      await this.run(this.options.machine.handle(event));
      if (this.options.machine.state === 'done' && this.ended === undefined) {
        await this.stopAll();
        this.end(this.callerGone ? 'caller-gone' : 'hangup');
      }
    } catch (error) {
      this.log(`voicemail failed: ${error instanceof Error ? error.message : String(error)}`);
      await this.stopAll();
      this.end('failed');
    }
  }

  private async run(commands: C[]): Promise<void> {
    for (const command of commands) {
      if (this.ended !== undefined) return;
      await this.execute(command);
    }
  }

  private async execute(command: C): Promise<void> {
    if (!isMediaCommand(command)) {
      const answer = await this.options.store(command as Exclude<C, MediaCommand>);
      if (answer !== undefined && this.ended === undefined) {
        await this.run(this.options.machine.handle(answer));
      }
      return;
    }
    switch (command.do) {
      case 'play':
        this.play(command.files.map((path): PlaySource => ({ kind: 'wav', path })));
        return;
      case 'beep':
        this.play([{ kind: 'beep' }]);
        return;
      case 'stopPlayback':
        this.stopPlayback();
        return;
      case 'startTimer':
        this.timerArmed = true;
        this.options.timers.set(this.timerName, command.ms, () => {
          this.timerArmed = false;
          this.push({ type: 'timer' });
        });
        return;
      case 'cancelTimer':
        this.cancelTimer();
        return;
      case 'startRecording':
        await this.startRecording(command.silenceMs);
        return;
      case 'stopRecording':
        await this.stopRecording();
        return;
      case 'hangup':
        await this.stopAll();
        this.end('hangup');
        return;
    }
  }

  private play(sources: PlaySource[]): void {
    this.stopPlayback();
    const playback = this.options.media.play(this.options.session, sources);
    this.playback = playback;
    playback.done.then(
      (result) => {
        if (this.playback !== playback) return;
        this.playback = undefined;
        // media-commands.ts: only a playback that played to its end is reported.
        if (result.reason === 'completed') this.push({ type: 'playbackEnded' });
      },
      (error: unknown) => {
        if (this.playback !== playback) return;
        this.playback = undefined;
        this.queue = this.queue.then(async () => {
          if (this.ended !== undefined) return;
          this.log(
            `cannot play a prompt: ${error instanceof Error ? error.message : String(error)}`,
          );
          await this.stopAll();
          this.end('failed');
        });
      },
    );
  }

  private stopPlayback(): void {
    const playback = this.playback;
    this.playback = undefined;
    playback?.stop();
  }

  private cancelTimer(): void {
    this.timerArmed = false;
    this.options.timers.clear(this.timerName);
  }

  private async startRecording(silenceMs: number | undefined): Promise<void> {
    if (this.recording !== undefined) throw new Error('a recording is already running');
    const path = await this.options.recordingPath();
    const recording = await this.options.media.record(this.options.session, path, {
      maxMs: RECORDER_BACKSTOP_MS,
      ...(silenceMs === undefined ? {} : { silenceMs }),
      ...(this.options.silenceThreshold === undefined
        ? {}
        : { silenceThreshold: this.options.silenceThreshold }),
    });
    this.recording = recording;
    this.selfStopped = false;
    this.stopAsked = false;
    this.recorded = recording.done;
    recording.done.then(
      (result) => {
        if (this.stopAsked || this.recording !== recording) return;
        this.selfStopped = true;
        if (result.reason === 'silence') this.push({ type: 'silence' });
        else if (result.reason === 'failed') {
          this.options.log?.(`recording failed: ${String(result.error)}`);
          this.push({ type: 'recordingFailed' });
        } else if (result.reason === 'max-duration' && this.timerArmed) {
          // The machine's limit and the recorder's backstop agree; the machine hears its timer.
          this.cancelTimer();
          this.push({ type: 'timer' });
        }
        // 'closed': the session ended under the recording; the call tells the hang-up.
      },
      () => undefined,
    );
  }

  private async stopRecording(): Promise<void> {
    const recording = this.recording;
    const recorded = this.recorded;
    if (recording === undefined || recorded === undefined) {
      throw new Error('stopRecording without a recording');
    }
    this.stopAsked = true;
    if (!this.selfStopped) recording.stop();
    const result = await recorded;
    this.recording = undefined;
    this.recorded = undefined;
    const trailing = await measureTrailingSilence(
      result.path,
      result.durationMs,
      this.options.silenceThreshold,
    );
    if (this.options.machine.state === 'done') return;
    this.push({
      type: 'recordingStopped',
      durationMs: result.durationMs,
      trailingSilenceMs: trailing,
    });
  }

  /** Stop whatever still runs, waiting for the recording file to be closed. */
  private async stopAll(): Promise<void> {
    this.stopPlayback();
    this.cancelTimer();
    const recording = this.recording;
    const recorded = this.recorded;
    this.recording = undefined;
    this.recorded = undefined;
    if (recording !== undefined && recorded !== undefined) {
      this.stopAsked = true;
      recording.stop();
      await recorded.catch(() => undefined);
    }
  }

  private end(end: DriverEnd): void {
    if (this.ended !== undefined) return;
    this.ended = end;
    this.options.session.off('dtmf', this.onDtmf);
    const after = this.options.onEnd?.(end) ?? Promise.resolve();
    void after
      .catch((error: unknown) =>
        this.log(
          `voicemail cleanup failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      )
      .then(() => this.settle(end));
  }
}

/** The trailing silence of a recorded WAV (the recorder's canonical 16-bit mono format). */
async function measureTrailingSilence(
  path: string,
  durationMs: number,
  threshold: number | undefined,
): Promise<number> {
  const tailMs = Math.min(durationMs, MAX_TAIL_MS);
  const bytes = Math.floor((tailMs * SAMPLE_RATE) / 1000) * 2;
  if (bytes === 0) return 0;
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const start = Math.max(WAV_HEADER_BYTES, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await file.read(buffer, 0, buffer.length, start);
    return trailingSilenceMs(samplesOf(buffer), threshold);
  } finally {
    await file.close();
  }
}
