/**
 * The call session's types, and `CallCore`: what the session's parts (ringing.ts,
 * media-sides.ts, dialog-requests.ts) see of it. The session owns the state and
 * the release bookkeeping; its parts read and move that state only through this interface, so
 * each can be read (and tested) on its own.
 */
import type { Caller, Decision } from '../../domain/types.js';
import type { SessionDialogHost } from '../../sip/dialog/index.js';
import type { Scheduler } from '../../sip/timers.js';
import type { BLeg } from './b-leg.js';
import type { BLegs } from './b-legs.js';
import type { CallSession } from './call-session.js';
import type { CallerLeg } from './caller-leg.js';
import type { CallMedia } from './caller-media.js';
import type { HeldTransactions } from './held-transactions.js';
import type { InDialogRelay, Side } from './in-dialog-relay.js';
import type { OfferHost } from './local-answers.js';
import type { MediaSides } from './media-sides.js';
import type { CallOutcome, FinalResponse, StepFailure } from './outcome.js';
import type { OwnedTimers } from './owned-timers.js';
import type { CallVoice, Locator, ServerTx, Signaling, TrunkDialler } from './ports.js';

export type CallState =
  'routing' | 'ringing' | 'announcing' | 'voicemail' | 'answered' | 'releasing' | 'ended';

/** RFC 3261 Appendix A; tests and long-haul links may change them. */
export interface CallTimers {
  t1: number;
  t2: number;
}

export interface CallEnd {
  outcome: CallOutcome;
  /** The final status the caller got (200 when answered). */
  status: number;
  /** The extension or number that answered, if any. */
  answeredBy: string | null;
}

export interface CallEvents {
  answered?(session: CallSession, answeredBy: string): void;
  /** The outcome is decided: the caller has its final response or a BYE was exchanged. */
  ended?(session: CallSession, end: CallEnd): void;
  /** Nothing is held any more: the session can be forgotten. */
  released?(session: CallSession): void;
}

export interface CallSessionOptions {
  id: string;
  /** The caller's INVITE server transaction. */
  invite: ServerTx;
  decision: Decision;
  caller: Caller;
  callerName: string | null;
  signaling: Signaling;
  scheduler: Scheduler;
  locator: Locator;
  trunks: TrunkDialler;
  /** Host part of the URIs we write (From and To of B-legs). */
  domain: string;
  /** The PBX's voice and media relay: prompts, voicemail, anchored legs. */
  voice: CallVoice;
  timers?: Partial<CallTimers>;
  log?: (message: string) => void;
  events?: CallEvents;
  /** The caller is a trunk: its media is relayed by the PBX (design §5). */
  fromTrunk?: boolean;
  /** `*97`: instead of the plan, the mailbox menu of this extension (the caller's own). */
  mailboxMenu?: string;
  /** An RTP session of the call failed (the call's error boundary, call-boundary.ts). */
  onMediaFault?: (error: unknown) => void;
  /** Runs the continuations of the media layer's promises (the call's error boundary). */
  guard?: (fn: () => void) => void;
}

export interface CallHoldings {
  serverTransactions: number;
  clientTransactions: number;
  timers: number;
  legs: number;
  dialogs: number;
  /** 2xx responses we retransmit until their ACK. */
  pendingAcks: number;
  /** RTP sessions, playbacks, bridges and voicemail services (caller-media.ts). */
  media: number;
}

/** What the session's parts see of it. */
export interface CallCore {
  readonly id: string;
  readonly caller: Caller;
  readonly callerName: string | null;
  readonly invite: ServerTx;
  readonly signaling: Signaling;
  readonly domain: string;
  readonly voice: CallVoice;
  readonly media: CallMedia;
  readonly timers: OwnedTimers;
  readonly legs: BLegs;
  readonly held: HeldTransactions;
  readonly relays: InDialogRelay;
  readonly callerLeg: CallerLeg;
  readonly sides: MediaSides;
  readonly offerHost: OfferHost;
  readonly dialogHost: SessionDialogHost<ServerTx>;
  readonly state: CallState;
  readonly decision: Decision;
  /** Index in the plan of the running step. */
  readonly stepIndex: number;
  readonly maxForwards: number;
  /** Failures of the running step's legs. */
  readonly stepFailures: StepFailure[];
  /** Our dialog with the caller once it has our 2xx, and with the B-leg that answered. */
  callerSide: Side | null;
  calleeSide: Side | null;
  winner: BLeg | null;
  log(message: string): void;
  /** A move of the call's state machine (an invalid one throws). */
  enter(state: CallState): void;
  /** Not yet releasing. */
  live(): boolean;
  /** The caller has no final response yet. */
  unanswered(): boolean;
  hangUp(by: 'caller' | 'callee' | 'pbx', end?: CallEnd): void;
  rejectCaller(final: FinalResponse, outcome: CallOutcome): void;
  stepFailed(failure: StepFailure): void;
  mediaFailed(what: string, error: unknown): void;
  /** The B-leg that answered: the call is connected (the others are CANCELled). */
  connected(leg: BLeg, side: Side): void;
  /** Logged and told once the caller has its 2xx. */
  reportAnswered(answeredBy: string): void;
  /**
   * What to do once a promise of the media layer settles, run inside the call's error boundary:
   * an error there ends this call, never the process.
   */
  settle<T>(promise: Promise<T>, ok: (value: T) => void, failed: (error: unknown) => void): void;
  /** Release once nothing is held any more. */
  maybeReleased(): void;
}
