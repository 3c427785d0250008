/**
 * What a plan step borrows from its call session (design §4). Each step is a function of its own
 * file, like a jambonz verb: it reads the call, starts what the step needs through these methods,
 * and reports back with `next`, `failed` or `endCall`. The session keeps the plan executor and
 * owns everything the step starts, so that ending the call releases it whatever the step did.
 */
import type { Caller, Decision } from '../../../domain/types.js';
import type { RtpSession } from '../../../media/rtp-session.js';
import type { Destination } from '../../../sip/transport/types.js';
import type { CallCore } from '../call-core.js';
import type { CallMedia } from '../caller-media.js';
import { ring } from '../ringing.js';
import type { Presentation } from '../identity.js';
import type { CallOutcome, FinalResponse, StepFailure } from '../outcome.js';
import type { OwnedTimers } from '../owned-timers.js';
import type { CallVoice, Locator, TrunkDialler } from '../ports.js';

/** The states a step puts the call in while it runs. */
export type StepState = 'ringing' | 'announcing' | 'voicemail';

/** One B-leg a ringing step starts: to one registered device or through a trunk. */
export interface LegTarget {
  /** Who is called: an extension number or a dialled E.164 number. */
  target: string;
  /** Request-URI of the INVITE. */
  uri: string;
  /** The To header value (name-addr, no tag). */
  to: string;
  destination: Destination;
  presentation: Presentation;
  /** Extra headers the far end needs (a trunk's). */
  extra: readonly (readonly [string, string])[];
}

/** What voice steps do with the call's media: play to the caller, run a voicemail service. */
export type StepMedia = Pick<CallMedia, 'play' | 'run'>;

/** What a step sees of the world beyond its call, and the executor's moves. */
export interface StepWorld {
  locator: Locator;
  trunks: TrunkDialler;
  /** The step is done: the next one runs. */
  next(): void;
  /** The final response to a caller still waiting for one, else a BYE. */
  endCall(final: FinalResponse, outcome: CallOutcome): void;
}

/** What the plan's steps may see and do of the call `core`. */
export function stepContextOf(core: CallCore, world: StepWorld): StepContext {
  return {
    // A caller's transfer puts the callee in its place.
    get caller() {
      return core.caller;
    },
    get callerName() {
      return core.callerName;
    },
    // The plan followed changes with a transfer.
    get decision() {
      return core.decision;
    },
    domain: core.domain,
    locator: world.locator,
    trunks: world.trunks,
    timers: core.timers,
    voice: core.voice,
    media: core.media,
    step: () => core.stepIndex,
    log: (m) => core.log(m),
    still: (state, step) => core.state === state && core.stepIndex === step,
    ring: (timeout, targets) => ring(core, timeout, targets),
    enter: (state) => core.enter(state),
    withCallerMedia: (state, ready) => core.sides.withCallerMedia(state, ready),
    next: world.next,
    failed: (failure) => core.stepFailed(failure),
    endCall: world.endCall,
    hangUp: () => core.hangUp('pbx'),
    mediaFailed: (what, error) => core.mediaFailed(what, error),
    settle: (promise, ok, failed) => core.settle(promise, ok, failed),
  };
}

export interface StepContext {
  readonly caller: Caller;
  readonly callerName: string | null;
  readonly decision: Decision;
  /** Host part of the URIs we write. */
  readonly domain: string;
  readonly locator: Locator;
  readonly trunks: TrunkDialler;
  readonly timers: OwnedTimers;
  /** The PBX's voice and media. */
  readonly voice: CallVoice;
  readonly media: StepMedia;
  log(message: string): void;
  /**
   * Whether the step that started in `state` is still the one running: callbacks of a step that
   * was left (the caller hung up, the step timed out) must do nothing.
   */
  still(state: StepState, step: number): boolean;
  /** The index of the running step in the plan. */
  step(): number;
  /** Ring every target (one B-leg each), with the step's timeout in seconds (null: none). */
  ring(timeout: number | null, targets: readonly LegTarget[]): void;
  /** Enter a voice state for this step. */
  enter(state: 'announcing' | 'voicemail'): void;
  /**
   * Answer the caller from the PBX's own media if needed, then run `ready` with the caller's
   * session once it has acknowledged — only while the step is still running.
   */
  withCallerMedia(state: StepState, ready: (session: RtpSession) => void): void;
  /** The step is done: the next one runs. */
  next(): void;
  /** The step failed: the next one runs, and this failure decides the end if none is left. */
  failed(failure: StepFailure): void;
  /** The final response to a caller still waiting for one, else a BYE. */
  endCall(final: FinalResponse, outcome: CallOutcome): void;
  /** The PBX ends an answered call (the voicemail is over). */
  hangUp(): void;
  /** What to do once a promise of the media layer settles (inside the call's error boundary). */
  settle<T>(promise: Promise<T>, ok: (value: T) => void, failed: (error: unknown) => void): void;
  /** The media layer failed (no port, a prompt missing): the call cannot go on. */
  mediaFailed(what: string, error: unknown): void;
}
