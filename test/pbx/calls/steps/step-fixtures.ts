import type { Decision, Step } from '../../../../src/domain/types.js';
import { OwnedTimers } from '../../../../src/pbx/calls/owned-timers.js';
import type { CallVoice, Contact, TrunkDialler } from '../../../../src/pbx/calls/ports.js';
import type {
  LegTarget,
  StepContext,
  StepMedia,
  StepState,
} from '../../../../src/pbx/calls/steps/step-context.js';
import { FakeScheduler } from '../../../../src/sip/timers.js';
import { FakeLocator, FakeTrunks } from '../fakes.js';
import { loopbackMedia, testVoice } from '../test-voice.js';

/** Never opened: the steps' sessions come from `withCallerMedia`, faked here. */
const media = loopbackMedia(33900);

/** Steps that play nothing are given media that refuses to. */
const noMedia: StepMedia = {
  play: () => Promise.reject(new Error('this step plays nothing')),
  run: () => Promise.reject(new Error('this step runs no voicemail service')),
};

/** A step context that records what the step asked of its call. */
export interface RecordingContext extends StepContext {
  readonly calls: string[];
  readonly rung: { timeout: number | null; targets: readonly LegTarget[] }[];
  readonly logs: string[];
  state: StepState | 'routing';
  index: number;
}

export function stepContext(
  options: {
    plan?: Step[];
    contacts?: Record<string, Contact[]>;
    trunks?: TrunkDialler;
    caller?: StepContext['caller'];
    voice?: CallVoice;
    media?: StepMedia;
  } = {},
): RecordingContext {
  const decision: Decision = {
    to: '100',
    exception: null,
    action: null,
    plan: options.plan ?? [],
    trace: [],
  };
  const calls: string[] = [];
  const ctx: RecordingContext = {
    calls,
    rung: [],
    logs: [],
    state: 'routing',
    index: 0,
    caller: options.caller ?? { kind: 'external', e164: '+33612345678', digits: '+33612345678' },
    callerName: 'Bob Caller',
    decision,
    domain: 'pbx.test',
    locator: new FakeLocator(options.contacts ?? {}),
    trunks: options.trunks ?? new FakeTrunks(null),
    timers: new OwnedTimers(new FakeScheduler()),
    voice: options.voice ?? testVoice(media),
    media: options.media ?? noMedia,
    log: (m) => ctx.logs.push(m),
    still: (state, step) => ctx.state === state && ctx.index === step,
    step: () => ctx.index,
    ring: (timeout, targets) => {
      calls.push('ring');
      ctx.rung.push({ timeout, targets });
    },
    enter: (state) => {
      calls.push(`enter ${state}`);
      ctx.state = state;
    },
    withCallerMedia: (state) => calls.push(`withCallerMedia ${state}`),
    next: () => calls.push('next'),
    failed: (failure) => calls.push(`failed ${failure}`),
    endCall: (final, outcome) => calls.push(`endCall ${final.status} ${outcome}`),
    hangUp: () => calls.push('hangUp'),
    mediaFailed: (what) => calls.push(`mediaFailed ${what}`),
    settle: (promise, ok, failed) => void promise.then(ok, failed),
  };
  return ctx;
}
