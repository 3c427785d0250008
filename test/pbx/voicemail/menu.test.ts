import { describe, expect, it } from 'vitest';
import { INPUT_TIMEOUT_MS, MAX_GREETING_MS, MailboxMenu } from '../../../src/pbx/voicemail/menu.js';
import type {
  MailboxEntry,
  MenuCommand,
  MenuOptions,
  MenuState,
} from '../../../src/pbx/voicemail/menu.js';
import { VoicemailFlowError } from '../../../src/pbx/voicemail/media-commands.js';
import type { Digit, MediaEvent } from '../../../src/pbx/voicemail/media-commands.js';
import type { PromptSpec, Say } from '../../../src/pbx/voicemail/prompt-catalog.js';

/** Prompt files named after what they say, so that commands read like the dialogue. */
const say: Say = (spec: PromptSpec) => {
  switch (spec.prompt) {
    case 'newMessages':
      return [`new:${spec.count}`];
    case 'locating':
    case 'greeting':
      return [`${spec.prompt}:${spec.extension}`];
    case 'digits':
      return [`digits:${spec.digits}`];
    default:
      return [spec.prompt];
  }
};

const MESSAGES: MailboxEntry[] = [
  { id: 'n1', path: '/vm/n1.wav', state: 'new' },
  { id: 'n2', path: '/vm/n2.wav', state: 'new' },
  { id: 's1', path: '/vm/s1.wav', state: 'saved' },
];

const start: MediaEvent = { type: 'start' };
const ended: MediaEvent = { type: 'playbackEnded' };
const timer: MediaEvent = { type: 'timer' };
const hangup: MediaEvent = { type: 'hangup' };
const silence: MediaEvent = { type: 'silence' };
const key = (digit: Digit): MediaEvent => ({ type: 'digit', digit });
const keys = (digits: string): MediaEvent[] => [...digits].map((d) => key(d as Digit));
const stopped = (durationMs: number, trailingSilenceMs = 0): MediaEvent => ({
  type: 'recordingStopped',
  durationMs,
  trailingSilenceMs,
});
const play = (...files: string[]) => ({ do: 'play', files });
const arm = { do: 'startTimer', ms: INPUT_TIMEOUT_MS };

/**
 * The menu with each checkPin answered at once, as the driver answers it once the hash is
 * checked: the commands that follow the answer take the checkPin's place.
 */
class AnsweredMenu extends MailboxMenu {
  constructor(
    options: MenuOptions,
    private readonly pin: string | null,
  ) {
    super(options);
  }

  override handle(event: MediaEvent): MenuCommand[] {
    const commands = super.handle(event);
    const at = commands.findIndex((c) => c.do === 'checkPin');
    const check = commands[at];
    if (check?.do !== 'checkPin') return commands;
    const ok = check.entered === this.pin;
    return [...commands.slice(0, at), ...this.handle({ type: 'pinChecked', ok })];
  }
}

function menu(
  options: { pin?: string | null; messages?: MailboxEntry[] } = {},
  ...events: MediaEvent[]
): MailboxMenu {
  const pin = options.pin === undefined ? '1234' : options.pin;
  const m = new AnsweredMenu(
    { pinRequired: pin !== null, messages: options.messages ?? MESSAGES, say },
    pin,
  );
  for (const e of events) m.handle(e);
  return m;
}

/** Logged in with the PIN, the count heard. */
const loggedIn = [start, ...keys('1234#'), ended];

describe('PIN', () => {
  it('asks for the PIN, takes digits then #, and says the count of new messages', () => {
    const m = menu();
    expect(m.handle(start)).toEqual([play('enter-pin')]);
    expect(m.state).toBe('pin');
    expect(m.handle(key('1'))).toEqual([{ do: 'stopPlayback' }, arm]);
    expect(m.handle(key('2'))).toEqual([{ do: 'cancelTimer' }, arm]);
    m.handle(key('3'));
    m.handle(key('4'));
    expect(m.handle(key('#'))).toEqual([{ do: 'cancelTimer' }, play('new:2')]);
    expect(m.state).toBe('count');
  });

  it('waits for the PIN after its prompt ends', () => {
    const m = menu({}, start);
    expect(m.handle(ended)).toEqual([arm]);
  });

  it('starts the PIN again on *', () => {
    const m = menu({}, start, ...keys('99*1234'));
    expect(m.handle(key('#'))).toEqual([{ do: 'cancelTimer' }, play('new:2')]);
  });

  it('says the PIN is wrong and asks again, then gives up after three wrong PINs', () => {
    const m = menu({}, start, ...keys('1111'));
    expect(m.handle(key('#'))).toEqual([{ do: 'cancelTimer' }, play('wrong-pin', 'enter-pin')]);
    expect(m.state).toBe('pin');
    for (const e of keys('2222#')) m.handle(e);
    expect(m.state).toBe('pin');
    for (const e of keys('333')) m.handle(e);
    expect(m.handle(key('#'))).toEqual([{ do: 'cancelTimer' }, play('wrong-pin', 'goodbye')]);
    expect(m.state).toBe('goodbye');
    expect(m.handle(ended)).toEqual([{ do: 'hangup' }]);
    expect(m.state).toBe('done');
  });

  it('does not let a correct PIN through after a wrong one typed before it without #', () => {
    const m = menu({}, start, ...keys('12341234'));
    expect(m.handle(key('#'))).toContainEqual(play('wrong-pin', 'enter-pin'));
  });

  it('keeps at most 17 keys, so an overlong entry never matches and never grows', () => {
    const pin = '1234567890123456';
    const exact = menu({ pin }, start, ...keys(pin));
    expect(exact.handle(key('#'))).toContainEqual(play('new:2'));
    const longer = menu({ pin }, start, ...keys(`${pin}7`));
    expect(longer.handle(key('#'))).toContainEqual(play('wrong-pin', 'enter-pin'));
    const endless = menu({ pin }, start, ...keys(pin.repeat(50)));
    expect(endless.handle(key('#'))).toContainEqual(play('wrong-pin', 'enter-pin'));
  });

  it('takes the digits typed when the timer runs out as the PIN', () => {
    const m = menu({}, start, ended, ...keys('1234'));
    expect(m.handle(timer)).toEqual([play('new:2')]);
  });

  it('says the PIN prompt again when nothing is typed, and gives up after three', () => {
    const m = menu({}, start, ended);
    expect(m.handle(timer)).toEqual([play('enter-pin')]);
    m.handle(ended);
    expect(m.handle(timer)).toEqual([play('enter-pin')]);
    m.handle(ended);
    expect(m.handle(timer)).toEqual([play('goodbye')]);
  });

  it('skips the PIN step for a mailbox without a PIN', () => {
    const m = menu({ pin: null });
    expect(m.handle(start)).toEqual([play('new:2')]);
    expect(m.state).toBe('count');
  });

  it('hands the digits out to be checked and ignores keys until the answer', () => {
    const m = new MailboxMenu({ pinRequired: true, messages: MESSAGES, say });
    for (const e of [start, ...keys('4321')]) m.handle(e);
    expect(m.handle(key('#'))).toEqual([
      { do: 'cancelTimer' },
      { do: 'checkPin', entered: '4321' },
    ]);
    expect(m.handle(key('5'))).toEqual([]);
    expect(m.handle({ type: 'pinChecked', ok: false })).toEqual([play('wrong-pin', 'enter-pin')]);
    for (const e of keys('1234')) m.handle(e);
    expect(m.handle(key('#'))).toContainEqual({ do: 'checkPin', entered: '1234' });
    expect(m.handle({ type: 'pinChecked', ok: true })).toEqual([play('new:2')]);
    expect(m.state).toBe('count');
  });

  it('refuses a pinChecked nobody asked for', () => {
    const m = new MailboxMenu({ pinRequired: true, messages: MESSAGES, say });
    m.handle(start);
    expect(() => m.handle({ type: 'pinChecked', ok: true })).toThrow(VoicemailFlowError);
  });
});

describe('listening to messages', () => {
  it('plays the first message after the count, marks it saved at its end, then the menu', () => {
    const m = menu({}, start, ...keys('1234#'));
    expect(m.handle(ended)).toEqual([play('/vm/n1.wav')]);
    expect(m.state).toBe('message');
    expect(m.handle(ended)).toEqual([{ do: 'markSaved', id: 'n1' }, play('message-menu')]);
    expect(m.state).toBe('messageMenu');
    expect(m.handle(ended)).toEqual([arm]);
  });

  it('does not mark saved a message that was already saved', () => {
    const m = menu({ messages: [MESSAGES[2] as MailboxEntry] }, ...loggedIn);
    expect(m.handle(ended)).toEqual([play('message-menu')]);
  });

  it('replays with 1', () => {
    const m = menu({}, ...loggedIn, ended);
    expect(m.handle(key('1'))).toEqual([{ do: 'stopPlayback' }, play('/vm/n1.wav')]);
    // Heard once already: saved, so nothing more to mark.
    expect(m.handle(ended)).toEqual([play('message-menu')]);
  });

  it('goes to the next message with #, even while one plays, leaving it new', () => {
    const m = menu({}, ...loggedIn);
    expect(m.handle(key('#'))).toEqual([{ do: 'stopPlayback' }, play('/vm/n2.wav')]);
    expect(m.remaining.map((e) => e.state)).toEqual(['new', 'new', 'saved']);
  });

  it('deletes with 7 and goes on with the message that took its place', () => {
    const m = menu({}, ...loggedIn, ended);
    expect(m.handle(key('7'))).toEqual([
      { do: 'stopPlayback' },
      { do: 'deleteMessage', id: 'n1' },
      play('message-deleted'),
    ]);
    expect(m.state).toBe('notice');
    expect(m.handle(ended)).toEqual([play('/vm/n2.wav')]);
    expect(m.remaining.map((e) => e.id)).toEqual(['n2', 's1']);
  });

  it('saves with 9 and goes on with the next message', () => {
    const m = menu({}, ...loggedIn);
    expect(m.handle(key('9'))).toEqual([
      { do: 'stopPlayback' },
      { do: 'markSaved', id: 'n1' },
      play('message-saved'),
    ]);
    expect(m.handle(ended)).toEqual([play('/vm/n2.wav')]);
    expect(m.remaining[0]?.state).toBe('saved');
  });

  it('after the last message says there are no more, then the main menu', () => {
    const m = menu({}, ...loggedIn, key('#'), key('#'));
    expect(m.handle(key('#'))).toEqual([{ do: 'stopPlayback' }, play('no-more-messages')]);
    expect(m.handle(ended)).toEqual([play('main-menu')]);
    expect(m.state).toBe('mainMenu');
  });

  it('deleting the last message leads to the main menu', () => {
    const m = menu({ messages: [MESSAGES[0] as MailboxEntry] }, ...loggedIn, ended);
    m.handle(key('7'));
    expect(m.handle(ended)).toEqual([play('no-more-messages')]);
    expect(m.handle(ended)).toEqual([play('main-menu')]);
    expect(m.remaining).toEqual([]);
  });

  it('says "invalid choice" for another key and the menu again', () => {
    const m = menu({}, ...loggedIn, ended, ended);
    expect(m.handle(key('5'))).toEqual([{ do: 'cancelTimer' }, play('invalid-choice')]);
    expect(m.handle(ended)).toEqual([play('message-menu')]);
  });

  it('quits with *', () => {
    const m = menu({}, ...loggedIn, ended);
    expect(m.handle(key('*'))).toEqual([{ do: 'stopPlayback' }, play('goodbye')]);
    expect(m.handle(ended)).toEqual([{ do: 'hangup' }]);
  });

  it('says the message menu again when no key comes, and gives up after three times', () => {
    const m = menu({}, ...loggedIn, ended, ended);
    expect(m.handle(timer)).toEqual([play('message-menu')]);
    m.handle(ended);
    expect(m.handle(timer)).toEqual([play('message-menu')]);
    m.handle(ended);
    expect(m.handle(timer)).toEqual([play('goodbye')]);
  });

  it('a key during the count acts on the first message', () => {
    const m = menu({}, start, ...keys('1234#'));
    expect(m.handle(key('1'))).toEqual([{ do: 'stopPlayback' }, play('/vm/n1.wav')]);
    const quit = menu({}, start, ...keys('1234#'));
    expect(quit.handle(key('*'))).toEqual([{ do: 'stopPlayback' }, play('goodbye')]);
  });

  it('ignores keys during a notice', () => {
    const m = menu({}, ...loggedIn, key('9'));
    expect(m.handle(key('7'))).toEqual([]);
    expect(m.state).toBe('notice');
  });
});

describe('main menu', () => {
  const empty = { messages: [] as MailboxEntry[] };

  it('goes straight to the main menu when the mailbox is empty', () => {
    const m = menu(empty, start, ...keys('1234#'));
    expect(m.handle(ended)).toEqual([play('main-menu')]);
  });

  it('1 starts again from the first message, or says there is none', () => {
    const m = menu({}, ...loggedIn, key('#'), key('#'), key('#'), ended);
    expect(m.handle(key('1'))).toEqual([{ do: 'stopPlayback' }, play('/vm/n1.wav')]);
    const none = menu(empty, ...loggedIn);
    expect(none.handle(key('1'))).toEqual([{ do: 'stopPlayback' }, play('no-more-messages')]);
    expect(none.handle(ended)).toEqual([play('main-menu')]);
  });

  it('* quits, another key is invalid, a key during the count goes to the main menu', () => {
    expect(menu(empty, ...loggedIn).handle(key('*'))).toEqual([
      { do: 'stopPlayback' },
      play('goodbye'),
    ]);
    expect(menu(empty, ...loggedIn, ended).handle(key('8'))).toEqual([
      { do: 'cancelTimer' },
      play('invalid-choice'),
    ]);
    const m = menu(empty, start, ...keys('1234#'));
    expect(m.handle(key('#'))).toEqual([{ do: 'stopPlayback' }, play('invalid-choice')]);
  });

  it('is said again when no key comes, three times at most', () => {
    const m = menu(empty, ...loggedIn, ended);
    expect(m.handle(timer)).toEqual([play('main-menu')]);
    m.handle(ended);
    expect(m.handle(timer)).toEqual([play('main-menu')]);
    m.handle(ended);
    expect(m.handle(timer)).toEqual([play('goodbye')]);
  });
});

describe('recording a greeting', () => {
  const toRecording = [...loggedIn, key('0'), ended, ended];

  it('prompts, beeps, records up to a minute, ends on #, keeps it and says so', () => {
    const m = menu({}, ...loggedIn);
    expect(m.handle(key('0'))).toEqual([{ do: 'stopPlayback' }, play('record-greeting')]);
    expect(m.handle(ended)).toEqual([{ do: 'beep' }]);
    expect(m.handle(ended)).toEqual([
      { do: 'startRecording' },
      { do: 'startTimer', ms: MAX_GREETING_MS },
    ]);
    expect(m.state).toBe('greetingRecording');
    expect(m.handle(key('5'))).toEqual([]);
    expect(m.handle(key('#'))).toEqual([{ do: 'cancelTimer' }, { do: 'stopRecording' }]);
    expect(m.handle(stopped(4_000))).toEqual([{ do: 'keepGreeting' }, play('greeting-saved')]);
    // Back where it came from: the message menu of the current message.
    expect(m.handle(ended)).toEqual([play('message-menu')]);
  });

  it('goes back to the main menu when started from there', () => {
    const m = menu({ messages: [] }, ...loggedIn, key('0'), ended, ended, key('#'), stopped(3_000));
    expect(m.handle(ended)).toEqual([play('main-menu')]);
  });

  it('discards a greeting cut short by a full disk and says the mailbox cannot record', () => {
    const m = menu({}, ...toRecording);
    expect(m.handle({ type: 'recordingFailed' })).toEqual([
      { do: 'cancelTimer' },
      { do: 'stopRecording' },
    ]);
    expect(m.handle(stopped(8_000))).toEqual([{ do: 'discardGreeting' }, play('recording-failed')]);
    expect(m.handle(ended)).toEqual([play('message-menu')]);
  });

  it('stops at the one-minute limit', () => {
    const m = menu({}, ...toRecording);
    expect(m.handle(timer)).toEqual([{ do: 'stopRecording' }]);
    expect(m.handle(stopped(60_000))[0]).toEqual({ do: 'keepGreeting' });
  });

  it('discards a greeting under a second of sound and goes back to the menu', () => {
    const m = menu({}, ...toRecording, key('#'));
    expect(m.handle(stopped(3_000, 2_500))).toEqual([
      { do: 'discardGreeting' },
      play('message-menu'),
    ]);
  });

  it('skips the prompt on #', () => {
    const m = menu({}, ...loggedIn, key('0'));
    expect(m.handle(key('#'))).toEqual([{ do: 'stopPlayback' }, { do: 'beep' }]);
  });

  it('drops a greeting cut by a hang-up', () => {
    expect(menu({}, ...toRecording).handle(hangup)).toEqual([
      { do: 'stopRecording' },
      { do: 'discardGreeting' },
    ]);
    expect(menu({}, ...toRecording, key('#')).handle(hangup)).toEqual([{ do: 'discardGreeting' }]);
  });
});

describe('every state against every event', () => {
  const events: Record<string, MediaEvent> = {
    start,
    playbackEnded: ended,
    key1: key('1'),
    hash: key('#'),
    silence,
    timer,
    recordingStopped: stopped(2_000),
    hangup,
  };
  /** A way into each state; `waiting`: the prompt has ended and the input timer runs. */
  const reach: Record<string, { state: MenuState; path: MediaEvent[] }> = {
    idle: { state: 'idle', path: [] },
    'pin (prompt playing)': { state: 'pin', path: [start] },
    'pin (waiting)': { state: 'pin', path: [start, ended] },
    count: { state: 'count', path: [start, ...keys('1234#')] },
    message: { state: 'message', path: loggedIn },
    'messageMenu (prompt playing)': { state: 'messageMenu', path: [...loggedIn, ended] },
    'messageMenu (waiting)': { state: 'messageMenu', path: [...loggedIn, ended, ended] },
    'mainMenu (waiting)': {
      state: 'mainMenu',
      path: [...loggedIn, key('*')]
        .slice(0, -1)
        .concat([key('#'), key('#'), key('#'), ended, ended]),
    },
    notice: { state: 'notice', path: [...loggedIn, key('9')] },
    greetingPrompt: { state: 'greetingPrompt', path: [...loggedIn, key('0')] },
    greetingBeep: { state: 'greetingBeep', path: [...loggedIn, key('0'), ended] },
    greetingRecording: { state: 'greetingRecording', path: [...loggedIn, key('0'), ended, ended] },
    greetingStopping: {
      state: 'greetingStopping',
      path: [...loggedIn, key('0'), ended, ended, key('#')],
    },
    goodbye: { state: 'goodbye', path: [...loggedIn, key('*')] },
    done: { state: 'done', path: [start, hangup] },
  };
  /** The state each accepted event leads to; an event not listed throws. */
  const accepted: Record<string, Record<string, MenuState>> = {
    idle: { start: 'pin', hangup: 'done' },
    'pin (prompt playing)': { playbackEnded: 'pin', key1: 'pin', hash: 'pin', hangup: 'done' },
    'pin (waiting)': { key1: 'pin', hash: 'pin', timer: 'pin', hangup: 'done' },
    count: { playbackEnded: 'message', key1: 'message', hash: 'message', hangup: 'done' },
    message: { playbackEnded: 'messageMenu', key1: 'message', hash: 'message', hangup: 'done' },
    'messageMenu (prompt playing)': {
      playbackEnded: 'messageMenu',
      key1: 'message',
      hash: 'message',
      hangup: 'done',
    },
    'messageMenu (waiting)': {
      key1: 'message',
      hash: 'message',
      timer: 'messageMenu',
      hangup: 'done',
    },
    'mainMenu (waiting)': { key1: 'message', hash: 'notice', timer: 'mainMenu', hangup: 'done' },
    notice: { playbackEnded: 'message', key1: 'notice', hash: 'notice', hangup: 'done' },
    greetingPrompt: {
      playbackEnded: 'greetingBeep',
      key1: 'greetingPrompt',
      hash: 'greetingBeep',
      hangup: 'done',
    },
    greetingBeep: {
      playbackEnded: 'greetingRecording',
      key1: 'greetingBeep',
      hash: 'greetingBeep',
      hangup: 'done',
    },
    greetingRecording: {
      key1: 'greetingRecording',
      hash: 'greetingStopping',
      timer: 'greetingStopping',
      hangup: 'done',
    },
    greetingStopping: {
      recordingStopped: 'notice',
      key1: 'greetingStopping',
      hash: 'greetingStopping',
      hangup: 'done',
    },
    goodbye: { playbackEnded: 'done', key1: 'goodbye', hash: 'goodbye', hangup: 'done' },
    done: {},
  };
  for (const [name, { state, path }] of Object.entries(reach)) {
    for (const [eventName, event] of Object.entries(events)) {
      const next = accepted[name]?.[eventName];
      it(`${name} + ${eventName} → ${next ?? 'throws'}`, () => {
        const m = menu({}, ...path);
        expect(m.state).toBe(state);
        if (next === undefined) {
          expect(() => m.handle(event)).toThrow(VoicemailFlowError);
        } else {
          m.handle(event);
          expect(m.state).toBe(next);
        }
      });
    }
  }
});
