import { describe, expect, it } from 'vitest';
import { Deposit, END_SILENCE_MS, MAX_MESSAGE_MS } from '../../../src/pbx/voicemail/deposit.js';
import type { DepositState } from '../../../src/pbx/voicemail/deposit.js';
import type { MediaEvent } from '../../../src/pbx/voicemail/media-commands.js';
import { VoicemailFlowError } from '../../../src/pbx/voicemail/media-commands.js';
import type { Say } from '../../../src/pbx/voicemail/prompt-catalog.js';

const say: Say = (spec) => [`${spec.prompt}.wav`];
const GREETING = ['greeting-intro.wav', 'number-1.wav', 'greeting-outro.wav'];

const start: MediaEvent = { type: 'start' };
const ended: MediaEvent = { type: 'playbackEnded' };
const hash: MediaEvent = { type: 'digit', digit: '#' };
const five: MediaEvent = { type: 'digit', digit: '5' };
const silence: MediaEvent = { type: 'silence' };
const timer: MediaEvent = { type: 'timer' };
const hangup: MediaEvent = { type: 'hangup' };
const stopped = (durationMs: number, trailingSilenceMs = 0): MediaEvent => ({
  type: 'recordingStopped',
  durationMs,
  trailingSilenceMs,
});

/** A deposit driven by `events` from the start. */
function deposit(...events: MediaEvent[]): Deposit {
  const d = new Deposit({ greeting: GREETING, say });
  for (const e of events) d.handle(e);
  return d;
}

describe('leaving a message', () => {
  it('plays the greeting, beeps, records with a 3-minute limit and a 5 s silence watch', () => {
    const d = new Deposit({ greeting: GREETING, say });
    expect(d.handle(start)).toEqual([{ do: 'play', files: GREETING }]);
    expect(d.state).toBe('greeting');
    expect(d.handle(ended)).toEqual([{ do: 'beep' }]);
    expect(d.handle(ended)).toEqual([
      { do: 'startRecording', silenceMs: END_SILENCE_MS },
      { do: 'startTimer', ms: MAX_MESSAGE_MS },
    ]);
    expect(d.state).toBe('recording');
    expect(MAX_MESSAGE_MS).toBe(180_000);
    expect(END_SILENCE_MS).toBe(5_000);
  });

  it('ends on # : keeps the message, says goodbye, hangs up', () => {
    const d = deposit(start, ended, ended);
    expect(d.handle(hash)).toEqual([{ do: 'cancelTimer' }, { do: 'stopRecording' }]);
    expect(d.handle(stopped(12_000))).toEqual([
      { do: 'keepMessage', durationMs: 12_000 },
      { do: 'play', files: ['goodbye.wav'] },
    ]);
    expect(d.handle(ended)).toEqual([{ do: 'hangup' }]);
    expect(d.state).toBe('done');
    expect(d.outcome).toBe('kept');
  });

  it('tells the caller when the recording failed (a full disk), keeping what was written', () => {
    const d = deposit(start, ended, ended);
    const failed: MediaEvent = { type: 'recordingFailed' };
    expect(d.handle(failed)).toEqual([{ do: 'cancelTimer' }, { do: 'stopRecording' }]);
    expect(d.handle(stopped(4_000))).toEqual([
      { do: 'keepMessage', durationMs: 4_000 },
      { do: 'play', files: ['recording-failed.wav'] },
    ]);
    expect(d.handle(ended)).toEqual([{ do: 'hangup' }]);
    expect(d.outcome).toBe('kept');
    // Failed before a second was written: nothing kept, the caller still told.
    const early = deposit(start, ended, ended, failed);
    expect(early.handle(stopped(300))).toEqual([
      { do: 'discardMessage' },
      { do: 'play', files: ['recording-failed.wav'] },
    ]);
  });

  it('ends on 5 s of silence and cuts that silence off the duration', () => {
    const d = deposit(start, ended, ended);
    expect(d.handle(silence)).toEqual([{ do: 'cancelTimer' }, { do: 'stopRecording' }]);
    expect(d.handle(stopped(9_000, 5_000))[0]).toEqual({ do: 'keepMessage', durationMs: 4_000 });
  });

  it('ends at the 3-minute limit', () => {
    const d = deposit(start, ended, ended);
    expect(d.handle(timer)).toEqual([{ do: 'stopRecording' }]);
    expect(d.handle(stopped(180_000))[0]).toEqual({ do: 'keepMessage', durationMs: 180_000 });
  });

  it('ends when the caller hangs up: the message is kept, nothing more is played', () => {
    const d = deposit(start, ended, ended);
    expect(d.handle(hangup)).toEqual([{ do: 'cancelTimer' }, { do: 'stopRecording' }]);
    expect(d.handle(stopped(3_000, 200))).toEqual([{ do: 'keepMessage', durationMs: 2_800 }]);
    expect(d.state).toBe('done');
  });

  it('discards a message under one second once its silent end is cut', () => {
    const short = deposit(start, ended, ended, hangup);
    expect(short.handle(stopped(999))).toEqual([{ do: 'discardMessage' }]);
    expect(short.outcome).toBe('discarded');
    const silent = deposit(start, ended, ended, silence);
    expect(silent.handle(stopped(5_600, 5_000))).toEqual([
      { do: 'discardMessage' },
      { do: 'play', files: ['goodbye.wav'] },
    ]);
    const exactlyOne = deposit(start, ended, ended, hash);
    expect(exactlyOne.handle(stopped(1_000))[0]).toEqual({ do: 'keepMessage', durationMs: 1_000 });
  });

  it('never counts more silence than there is audio', () => {
    const d = deposit(start, ended, ended, hash);
    expect(d.handle(stopped(500, 5_000))[0]).toEqual({ do: 'discardMessage' });
  });

  it('skips the rest of the greeting on #', () => {
    const d = deposit(start);
    expect(d.handle(hash)).toEqual([{ do: 'stopPlayback' }, { do: 'beep' }]);
    expect(d.state).toBe('beep');
  });

  it('a caller gone before the recording leaves nothing', () => {
    const inGreeting = deposit(start);
    expect(inGreeting.handle(hangup)).toEqual([]);
    expect(inGreeting.outcome).toBe('abandoned');
    const onBeep = deposit(start, ended);
    expect(onBeep.handle(hangup)).toEqual([]);
    expect(onBeep.state).toBe('done');
    expect(onBeep.outcome).toBe('abandoned');
  });

  it('remembers a hang-up while the recorder closes: no goodbye then', () => {
    const d = deposit(start, ended, ended, hash);
    expect(d.handle(hangup)).toEqual([]);
    expect(d.handle(stopped(4_000))).toEqual([{ do: 'keepMessage', durationMs: 4_000 }]);
    expect(d.state).toBe('done');
  });

  it('stops at the goodbye when the caller hangs up during it', () => {
    const d = deposit(start, ended, ended, hash, stopped(4_000));
    expect(d.handle(hangup)).toEqual([]);
    expect(d.state).toBe('done');
  });

  it('honours its options', () => {
    const d = new Deposit({
      greeting: ['mine.wav'],
      say,
      maxMessageMs: 60_000,
      endSilenceMs: 3_000,
      minMessageMs: 2_000,
    });
    d.handle(start);
    d.handle(ended);
    expect(d.handle(ended)).toEqual([
      { do: 'startRecording', silenceMs: 3_000 },
      { do: 'startTimer', ms: 60_000 },
    ]);
    d.handle(hash);
    expect(d.handle(stopped(1_999))[0]).toEqual({ do: 'discardMessage' });
  });

  it('refuses an empty greeting and a nonsense recording length', () => {
    expect(() => new Deposit({ greeting: [], say })).toThrow(VoicemailFlowError);
    expect(() => deposit(start, ended, ended, hash).handle(stopped(-1))).toThrow(/-1 ms/);
    expect(() => deposit(start, ended, ended, hash).handle(stopped(10, -5))).toThrow(
      VoicemailFlowError,
    );
  });
});

describe('every state against every event', () => {
  const events: Record<string, MediaEvent> = {
    start,
    playbackEnded: ended,
    hash,
    otherDigit: five,
    silence,
    timer,
    recordingStopped: stopped(2_000),
    hangup,
  };
  const reach: Record<DepositState, MediaEvent[]> = {
    idle: [],
    greeting: [start],
    beep: [start, ended],
    recording: [start, ended, ended],
    stopping: [start, ended, ended, hash],
    goodbye: [start, ended, ended, hash, stopped(2_000)],
    done: [start, hangup],
  };
  /** What each state accepts; everything else throws. `[]`: accepted, nothing to do. */
  const accepted: Record<DepositState, Record<string, DepositState>> = {
    idle: { start: 'greeting' },
    greeting: { playbackEnded: 'beep', hash: 'beep', otherDigit: 'greeting', hangup: 'done' },
    beep: { playbackEnded: 'recording', hash: 'beep', otherDigit: 'beep', hangup: 'done' },
    recording: {
      hash: 'stopping',
      otherDigit: 'recording',
      silence: 'stopping',
      timer: 'stopping',
      hangup: 'stopping',
    },
    stopping: {
      recordingStopped: 'goodbye',
      hash: 'stopping',
      otherDigit: 'stopping',
      silence: 'stopping',
      hangup: 'stopping',
    },
    goodbye: {
      playbackEnded: 'done',
      hangup: 'done',
      hash: 'goodbye',
      otherDigit: 'goodbye',
      silence: 'goodbye',
    },
    done: {},
  };
  for (const [state, path] of Object.entries(reach) as [DepositState, MediaEvent[]][]) {
    for (const [name, event] of Object.entries(events)) {
      const next = accepted[state][name];
      it(`${state} + ${name} → ${next ?? 'throws'}`, () => {
        const d = deposit(...path);
        expect(d.state).toBe(state);
        if (next === undefined) {
          expect(() => d.handle(event)).toThrow(VoicemailFlowError);
          expect(d.state).toBe(state);
        } else {
          d.handle(event);
          expect(d.state).toBe(next);
        }
      });
    }
  }
});
