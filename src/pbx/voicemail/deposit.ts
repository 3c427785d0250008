/**
 * Leaving a message (design §5), as a pure state machine: the greeting (the mailbox's own or the
 * default one), the beep, then the recording, up to 3 minutes, ended by the caller hanging up,
 * `#`, or 5 s of silence. `#` during the greeting skips to the beep, as in Asterisk.
 *
 * The kept duration leaves out the silence at the end, which only delays the next message when the
 * mailbox owner listens. A message under one second of audio once that silence is removed is
 * discarded: it is a caller who hung up on the beep, or a line that stayed silent, and keeping it
 * would light the message-waiting lamp for nothing (Asterisk's `minsecs` does the same).
 *
 *   idle -start-> greeting -playbackEnded | #-> beep -playbackEnded-> recording
 *   recording -# | silence | timer | hangup | recordingFailed-> stopping -recordingStopped-> goodbye | done
 *
 * A recording that failed (a full disk) keeps what was written before the failure, by the same
 * rule as any other, and the caller is told the mailbox could not record rather than a goodbye.
 *   goodbye -playbackEnded | hangup-> done
 */
import { StateMachine } from '../../shared/state-machine.js';
import type { MediaCommand, MediaEvent } from './media-commands.js';
import { VoicemailFlowError } from './media-commands.js';
import type { Say } from './prompt-catalog.js';

export const MAX_MESSAGE_MS = 180_000;
export const END_SILENCE_MS = 5_000;
export const MIN_MESSAGE_MS = 1_000;

export type DepositState =
  'idle' | 'greeting' | 'beep' | 'recording' | 'stopping' | 'goodbye' | 'done';

const TRANSITIONS: Record<DepositState, readonly DepositState[]> = {
  idle: ['greeting'],
  greeting: ['beep', 'done'],
  beep: ['recording', 'done'],
  recording: ['stopping'],
  stopping: ['goodbye', 'done'],
  goodbye: ['done'],
  done: [],
};

export type DepositCommand =
  | MediaCommand
  /** The recording is a message: finish it with this duration (its silent end cut off). */
  | { do: 'keepMessage'; durationMs: number }
  /** The recording is too short to be a message: delete it and its file. */
  | { do: 'discardMessage' };

/** How the deposit ended: a message kept, a recording discarded, or a caller gone before the beep. */
export type DepositOutcome = 'kept' | 'discarded' | 'abandoned';

export interface DepositOptions {
  /** The mailbox's own greeting file, or the default greeting's prompt files. */
  greeting: readonly string[];
  say: Say;
  maxMessageMs?: number;
  endSilenceMs?: number;
  minMessageMs?: number;
}

export class Deposit {
  private readonly fsm = new StateMachine<DepositState>('voicemail deposit', 'idle', TRANSITIONS);
  private callerGone = false;
  private recordingFailed = false;
  private result: DepositOutcome | undefined;

  constructor(private readonly options: DepositOptions) {
    if (options.greeting.length === 0) throw new VoicemailFlowError('a deposit needs a greeting');
  }

  get state(): DepositState {
    return this.fsm.state;
  }

  /** Set once the deposit is done. */
  get outcome(): DepositOutcome | undefined {
    return this.result;
  }

  handle(event: MediaEvent): DepositCommand[] {
    const state = this.fsm.state;
    switch (state) {
      case 'idle':
        if (event.type !== 'start') break;
        this.fsm.transition('greeting');
        return [{ do: 'play', files: [...this.options.greeting] }];
      case 'greeting':
        if (event.type === 'playbackEnded') return this.beep([]);
        if (event.type === 'digit')
          return event.digit === '#' ? this.beep([{ do: 'stopPlayback' }]) : [];
        if (event.type === 'hangup') return this.abandon();
        break;
      case 'beep':
        if (event.type === 'playbackEnded') {
          this.fsm.transition('recording');
          const max = this.options.maxMessageMs ?? MAX_MESSAGE_MS;
          return [
            { do: 'startRecording', silenceMs: this.options.endSilenceMs ?? END_SILENCE_MS },
            { do: 'startTimer', ms: max },
          ];
        }
        if (event.type === 'digit') return [];
        if (event.type === 'hangup') return this.abandon();
        break;
      case 'recording':
        switch (event.type) {
          case 'digit':
            return event.digit === '#' ? this.stop([{ do: 'cancelTimer' }]) : [];
          case 'silence':
            return this.stop([{ do: 'cancelTimer' }]);
          case 'timer':
            return this.stop([]);
          case 'hangup':
            this.callerGone = true;
            return this.stop([{ do: 'cancelTimer' }]);
          case 'recordingFailed':
            this.recordingFailed = true;
            return this.stop([{ do: 'cancelTimer' }]);
          default:
            break;
        }
        break;
      case 'stopping':
        switch (event.type) {
          case 'recordingStopped':
            return this.decide(event.durationMs, event.trailingSilenceMs);
          case 'hangup':
            this.callerGone = true;
            return [];
          // Keys and silence reported while the recorder closes change nothing any more.
          case 'digit':
          case 'silence':
            return [];
          default:
            break;
        }
        break;
      case 'goodbye':
        if (event.type === 'playbackEnded') {
          this.fsm.transition('done');
          return [{ do: 'hangup' }];
        }
        if (event.type === 'hangup') {
          this.fsm.transition('done');
          return [];
        }
        if (event.type === 'digit' || event.type === 'silence') return [];
        break;
      case 'done':
        break;
    }
    throw new VoicemailFlowError(`voicemail deposit: unexpected ${event.type} in state ${state}`);
  }

  private beep(before: DepositCommand[]): DepositCommand[] {
    this.fsm.transition('beep');
    return [...before, { do: 'beep' }];
  }

  private abandon(): DepositCommand[] {
    this.fsm.transition('done');
    this.result = 'abandoned';
    return [];
  }

  private stop(before: DepositCommand[]): DepositCommand[] {
    this.fsm.transition('stopping');
    return [...before, { do: 'stopRecording' }];
  }

  private decide(durationMs: number, trailingSilenceMs: number): DepositCommand[] {
    if (!Number.isFinite(durationMs) || durationMs < 0 || !(trailingSilenceMs >= 0)) {
      throw new VoicemailFlowError(
        `voicemail deposit: a recording of ${durationMs} ms ending in ${trailingSilenceMs} ms of silence`,
      );
    }
    const kept = Math.max(0, Math.round(durationMs - Math.min(trailingSilenceMs, durationMs)));
    const keep = kept >= (this.options.minMessageMs ?? MIN_MESSAGE_MS);
    this.result = keep ? 'kept' : 'discarded';
    const verdict: DepositCommand = keep
      ? { do: 'keepMessage', durationMs: kept }
      : { do: 'discardMessage' };
    if (this.callerGone) {
      this.fsm.transition('done');
      return [verdict];
    }
    this.fsm.transition('goodbye');
    const prompt = this.recordingFailed ? 'recording-failed' : 'goodbye';
    return [verdict, { do: 'play', files: this.options.say({ prompt }) }];
  }
}
