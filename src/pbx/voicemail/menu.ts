/**
 * The mailbox menu reached with `*97` (design §5), as a pure state machine.
 *
 * 1. PIN: digits then `#` (`*` starts again); three wrong PINs, or three prompts left without an
 *    answer, and it says goodbye. An extension without a PIN skips this step: the caller is
 *    already authenticated by SIP digest as that extension, and only its own phone reaches `*97`.
 * 2. "You have N new messages".
 * 3. The messages, new ones first, then saved ones, each oldest first. A new message heard to its
 *    end becomes saved. After each message, or at any key during it:
 *      1 replay · 7 delete · 9 save · # next · 0 record your greeting · * quit
 *    After the last message: "no more messages", then the main menu:
 *      1 listen from the first message · 0 record your greeting · * quit
 * 4. Greeting: a prompt, the beep, the recording up to a minute, `#` to end it, kept when it holds
 *    at least a second of audio.
 *
 * Keys pressed during a menu prompt or a message cut it short (barge-in), as in Asterisk and 3CX;
 * keys during the short notices ("message deleted") are ignored. A menu left without an answer for
 * `inputTimeoutMs` is said again, three times at most.
 */
import { StateMachine } from '../../shared/state-machine.js';
import type { Digit, MediaCommand, MediaEvent } from './media-commands.js';
import { VoicemailFlowError } from './media-commands.js';
import type { Say, SimplePrompt } from './prompt-catalog.js';

export const INPUT_TIMEOUT_MS = 8_000;
export const MAX_GREETING_MS = 60_000;
export const MIN_GREETING_MS = 1_000;
export const MAX_PIN_ATTEMPTS = 3;
/** Prompts said in a row without any key pressed before giving up. */
export const MAX_UNANSWERED_PROMPTS = 3;
/** Keys kept while typing a PIN: enough for any PIN, bounded whatever the caller types. */
export const MAX_PIN_DIGITS = 16;

export type MenuState =
  | 'idle'
  | 'pin'
  | 'count'
  | 'message'
  | 'messageMenu'
  | 'mainMenu'
  | 'notice'
  | 'greetingPrompt'
  | 'greetingBeep'
  | 'greetingRecording'
  | 'greetingStopping'
  | 'goodbye'
  | 'done';

const MENUS: readonly MenuState[] = ['message', 'notice', 'greetingPrompt', 'goodbye', 'done'];

const TRANSITIONS: Record<MenuState, readonly MenuState[]> = {
  idle: ['pin', 'count', 'done'],
  pin: ['count', 'goodbye', 'done'],
  count: ['message', 'messageMenu', 'mainMenu', 'done'],
  message: ['messageMenu', 'done'],
  messageMenu: MENUS,
  mainMenu: MENUS,
  notice: ['pin', 'message', 'messageMenu', 'mainMenu', 'notice', 'done'],
  greetingPrompt: ['greetingBeep', 'done'],
  greetingBeep: ['greetingRecording', 'done'],
  greetingRecording: ['greetingStopping', 'done'],
  greetingStopping: ['notice', 'messageMenu', 'mainMenu', 'done'],
  goodbye: ['done'],
  done: [],
};

export interface MailboxEntry {
  id: string;
  /** The message's WAV file. */
  path: string;
  state: 'new' | 'saved';
}

export type MenuCommand =
  | MediaCommand
  /** Heard to its end, or kept with 9: no longer new. */
  | { do: 'markSaved'; id: string }
  | { do: 'deleteMessage'; id: string }
  /** The greeting just recorded replaces the mailbox's greeting. */
  | { do: 'keepGreeting' }
  /** The greeting just recorded is dropped; the previous one stays. */
  | { do: 'discardGreeting' }
  /**
   * Check the digits against the mailbox's PIN (a hash: that takes a while, off the machine);
   * answered with `pinChecked`.
   */
  | { do: 'checkPin'; entered: string };

export interface MenuOptions {
  /** Whether the mailbox has a PIN to ask for (else the PIN step is skipped). */
  pinRequired: boolean;
  /** New messages first, then saved ones (VoicemailRepository.list's order). */
  messages: readonly MailboxEntry[];
  say: Say;
  inputTimeoutMs?: number;
  maxGreetingMs?: number;
  minGreetingMs?: number;
}

export class MailboxMenu {
  private readonly fsm = new StateMachine<MenuState>('voicemail menu', 'idle', TRANSITIONS);
  private readonly messages: MailboxEntry[];
  private index = 0;
  /** A prompt or message is playing (else, in a menu, the input timer runs). */
  private playing = false;
  private timerArmed = false;
  /** The greeting being recorded could not be written whole (a full disk). */
  private greetingFailed = false;
  private entered = '';
  private pinFailures = 0;
  /** A checkPin is out; its pinChecked is awaited. */
  private checking = false;
  private unanswered = 0;
  /** What follows the notice being played. */
  private afterNotice: () => MenuCommand[] = () => [];
  /** The menu to go back to after recording a greeting. */
  private greetingReturn: 'messageMenu' | 'mainMenu' = 'mainMenu';

  constructor(private readonly options: MenuOptions) {
    this.messages = options.messages.map((m) => ({ ...m }));
  }

  get state(): MenuState {
    return this.fsm.state;
  }

  /** The messages left in the mailbox, in order, with their state as the menu changed it. */
  get remaining(): readonly MailboxEntry[] {
    return this.messages;
  }

  handle(event: MediaEvent): MenuCommand[] {
    const state = this.fsm.state;
    if (event.type === 'hangup' && state !== 'done') return this.hangup(state);
    if (event.type === 'timer') {
      if (!this.timerArmed) throw this.unexpected(event, state);
      this.timerArmed = false;
    }
    const commands = this.dispatch(state, event);
    if (commands === null) throw this.unexpected(event, state);
    return commands;
  }

  private dispatch(state: MenuState, event: MediaEvent): MenuCommand[] | null {
    switch (state) {
      case 'idle':
        if (event.type !== 'start') return null;
        if (!this.options.pinRequired) return this.count();
        this.fsm.transition('pin');
        return this.prompt(this.say({ prompt: 'enter-pin' }));
      case 'pin':
        if (this.checking) return this.whileChecking(event);
        return this.listening(
          event,
          (digit) => this.pinKey(digit),
          () =>
            this.entered.length > 0
              ? this.checkPin()
              : this.reprompt(() => this.say({ prompt: 'enter-pin' })),
        );
      case 'count':
        if (event.type === 'playbackEnded') return this.afterCount();
        if (event.type === 'digit') {
          const stop: MenuCommand[] = [{ do: 'stopPlayback' }];
          this.playing = false;
          if (this.messages.length > 0) {
            this.go('messageMenu');
            return [...stop, ...this.messageKey(event.digit)];
          }
          this.go('mainMenu');
          return [...stop, ...this.mainKey(event.digit)];
        }
        return null;
      case 'message':
        if (event.type === 'playbackEnded') {
          const current = this.current();
          const commands: MenuCommand[] = [];
          if (current.state === 'new') {
            current.state = 'saved';
            commands.push({ do: 'markSaved', id: current.id });
          }
          return [...commands, ...this.messageMenu()];
        }
        if (event.type === 'digit') {
          this.playing = false;
          this.go('messageMenu');
          return [{ do: 'stopPlayback' }, ...this.messageKey(event.digit)];
        }
        return null;
      case 'messageMenu':
        return this.listening(
          event,
          (digit) => this.messageKey(digit),
          () => this.reprompt(() => this.say({ prompt: 'message-menu' })),
        );
      case 'mainMenu':
        return this.listening(
          event,
          (digit) => this.mainKey(digit),
          () => this.reprompt(() => this.say({ prompt: 'main-menu' })),
        );
      case 'notice':
        if (event.type === 'playbackEnded') return this.afterNotice();
        if (event.type === 'digit') return [];
        return null;
      case 'greetingPrompt':
        if (event.type === 'playbackEnded') return this.greetingBeep([]);
        if (event.type === 'digit') {
          return event.digit === '#' ? this.greetingBeep([{ do: 'stopPlayback' }]) : [];
        }
        return null;
      case 'greetingBeep':
        if (event.type === 'playbackEnded') {
          this.fsm.transition('greetingRecording');
          this.timerArmed = true;
          return [
            { do: 'startRecording' },
            { do: 'startTimer', ms: this.options.maxGreetingMs ?? MAX_GREETING_MS },
          ];
        }
        if (event.type === 'digit') return [];
        return null;
      case 'greetingRecording':
        if (event.type === 'timer') return this.stopGreeting([]);
        if (event.type === 'recordingFailed') {
          this.greetingFailed = true;
          this.timerArmed = false;
          return this.stopGreeting([{ do: 'cancelTimer' }]);
        }
        if (event.type === 'digit') {
          if (event.digit !== '#') return [];
          this.timerArmed = false;
          return this.stopGreeting([{ do: 'cancelTimer' }]);
        }
        return null;
      case 'greetingStopping':
        if (event.type === 'recordingStopped') {
          return this.greetingRecorded(event.durationMs, event.trailingSilenceMs);
        }
        if (event.type === 'digit') return [];
        return null;
      case 'goodbye':
        if (event.type === 'playbackEnded') {
          this.fsm.transition('done');
          return [{ do: 'hangup' }];
        }
        if (event.type === 'digit') return [];
        return null;
      case 'done':
        return null;
    }
  }

  /**
   * A menu that waits for a key: its prompt playing (a key cuts it short), then the input timer.
   * `key` handles a key once the playback or timer is dealt with.
   */
  private listening(
    event: MediaEvent,
    key: (digit: Digit) => MenuCommand[],
    onTimeout: () => MenuCommand[],
  ): MenuCommand[] | null {
    switch (event.type) {
      case 'playbackEnded':
        if (!this.playing) return null;
        this.playing = false;
        return [this.armTimer()];
      case 'timer':
        return onTimeout();
      case 'digit': {
        const before: MenuCommand[] = [];
        if (this.playing) before.push({ do: 'stopPlayback' });
        else if (this.timerArmed) before.push({ do: 'cancelTimer' });
        this.playing = false;
        this.timerArmed = false;
        this.unanswered = 0;
        return [...before, ...key(event.digit)];
      }
      default:
        return null;
    }
  }

  private pinKey(digit: Digit): MenuCommand[] {
    if (digit === '#') return this.checkPin();
    if (digit === '*') this.entered = '';
    // One key beyond the longest PIN is kept, so that an overlong entry can never match.
    else if (this.entered.length <= MAX_PIN_DIGITS) this.entered += digit;
    return [this.armTimer()];
  }

  private checkPin(): MenuCommand[] {
    const entered = this.entered;
    this.entered = '';
    this.checking = true;
    return [{ do: 'checkPin', entered }];
  }

  /** Keys pressed while the PIN is checked are dropped: the next prompt asks again. */
  private whileChecking(event: MediaEvent): MenuCommand[] | null {
    if (event.type === 'digit') return [];
    if (event.type !== 'pinChecked') return null;
    this.checking = false;
    if (event.ok) return this.count();
    this.pinFailures++;
    if (this.pinFailures >= MAX_PIN_ATTEMPTS) {
      return this.goodbye([...this.say({ prompt: 'wrong-pin' })]);
    }
    return this.prompt([
      ...this.say({ prompt: 'wrong-pin' }),
      ...this.say({ prompt: 'enter-pin' }),
    ]);
  }

  private count(): MenuCommand[] {
    this.go('count');
    this.playing = true;
    const count = this.messages.filter((m) => m.state === 'new').length;
    return [{ do: 'play', files: this.say({ prompt: 'newMessages', count }) }];
  }

  private afterCount(): MenuCommand[] {
    this.playing = false;
    return this.messages.length > 0 ? this.playMessage(0) : this.mainMenu();
  }

  private messageKey(digit: Digit): MenuCommand[] {
    const current = this.current();
    switch (digit) {
      case '1':
        return this.playMessage(this.index);
      case '7':
        this.messages.splice(this.index, 1);
        // The next message has moved into the deleted one's place.
        return [
          { do: 'deleteMessage', id: current.id },
          ...this.notice('message-deleted', () => this.advanceTo(this.index)),
        ];
      case '9':
        current.state = 'saved';
        return [
          { do: 'markSaved', id: current.id },
          ...this.notice('message-saved', () => this.advanceTo(this.index + 1)),
        ];
      case '#':
        return this.advanceTo(this.index + 1);
      case '0':
        return this.greeting('messageMenu');
      case '*':
        return this.goodbye([]);
      default:
        return this.notice('invalid-choice', () => this.messageMenu());
    }
  }

  private mainKey(digit: Digit): MenuCommand[] {
    switch (digit) {
      case '1':
        return this.messages.length > 0
          ? this.playMessage(0)
          : this.notice('no-more-messages', () => this.mainMenu());
      case '0':
        return this.greeting('mainMenu');
      case '*':
        return this.goodbye([]);
      default:
        return this.notice('invalid-choice', () => this.mainMenu());
    }
  }

  private advanceTo(index: number): MenuCommand[] {
    if (index < this.messages.length) return this.playMessage(index);
    return this.notice('no-more-messages', () => this.mainMenu());
  }

  private playMessage(index: number): MenuCommand[] {
    this.index = index;
    this.go('message');
    this.playing = true;
    return [{ do: 'play', files: [this.current().path] }];
  }

  private messageMenu(): MenuCommand[] {
    this.go('messageMenu');
    return this.prompt(this.say({ prompt: 'message-menu' }));
  }

  private mainMenu(): MenuCommand[] {
    this.go('mainMenu');
    return this.prompt(this.say({ prompt: 'main-menu' }));
  }

  private notice(prompt: SimplePrompt, then: () => MenuCommand[]): MenuCommand[] {
    this.go('notice');
    this.playing = true;
    this.afterNotice = () => {
      this.playing = false;
      return then();
    };
    return [{ do: 'play', files: this.say({ prompt }) }];
  }

  private greeting(returnTo: 'messageMenu' | 'mainMenu'): MenuCommand[] {
    this.greetingReturn = returnTo;
    this.go('greetingPrompt');
    return [{ do: 'play', files: this.say({ prompt: 'record-greeting' }) }];
  }

  private greetingBeep(before: MenuCommand[]): MenuCommand[] {
    this.fsm.transition('greetingBeep');
    return [...before, { do: 'beep' }];
  }

  private stopGreeting(before: MenuCommand[]): MenuCommand[] {
    this.fsm.transition('greetingStopping');
    return [...before, { do: 'stopRecording' }];
  }

  private greetingRecorded(durationMs: number, trailingSilenceMs: number): MenuCommand[] {
    const back = () =>
      this.greetingReturn === 'messageMenu' ? this.messageMenu() : this.mainMenu();
    // A greeting cut short by a full disk is not the one its owner meant to record.
    if (this.greetingFailed) {
      this.greetingFailed = false;
      return [{ do: 'discardGreeting' }, ...this.notice('recording-failed', back)];
    }
    if (durationMs - trailingSilenceMs >= (this.options.minGreetingMs ?? MIN_GREETING_MS)) {
      return [{ do: 'keepGreeting' }, ...this.notice('greeting-saved', back)];
    }
    return [{ do: 'discardGreeting' }, ...back()];
  }

  private goodbye(before: string[]): MenuCommand[] {
    this.go('goodbye');
    this.playing = true;
    return [{ do: 'play', files: [...before, ...this.say({ prompt: 'goodbye' })] }];
  }

  /** Says a menu prompt again after a timeout, or gives up after too many. */
  private reprompt(files: () => string[]): MenuCommand[] {
    this.unanswered++;
    if (this.unanswered >= MAX_UNANSWERED_PROMPTS) return this.goodbye([]);
    return this.prompt(files());
  }

  /** Plays a menu prompt; the state stays a listening one. */
  private prompt(files: string[]): MenuCommand[] {
    this.playing = true;
    return [{ do: 'play', files }];
  }

  private armTimer(): MenuCommand {
    this.timerArmed = true;
    return { do: 'startTimer', ms: this.options.inputTimeoutMs ?? INPUT_TIMEOUT_MS };
  }

  private hangup(state: MenuState): MenuCommand[] {
    this.fsm.transition('done');
    if (state === 'greetingRecording') return [{ do: 'stopRecording' }, { do: 'discardGreeting' }];
    if (state === 'greetingStopping') return [{ do: 'discardGreeting' }];
    return [];
  }

  private current(): MailboxEntry {
    const entry = this.messages[this.index];
    if (entry === undefined) throw new VoicemailFlowError('voicemail menu: no current message');
    return entry;
  }

  private say(spec: Parameters<Say>[0]): string[] {
    return this.options.say(spec);
  }

  /** Moves to `next`, staying put when already there (a menu said again). */
  private go(next: MenuState): void {
    if (this.fsm.state !== next) this.fsm.transition(next);
  }

  private unexpected(event: MediaEvent, state: MenuState): VoicemailFlowError {
    return new VoicemailFlowError(`voicemail menu: unexpected ${event.type} in state ${state}`);
  }
}
