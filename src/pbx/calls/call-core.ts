/**
 * The call session's types, and `CallCore`: what the session's parts (ringing.ts,
 * media-sides.ts, dialog-requests.ts) see of it. The session owns the state and
 * the release bookkeeping; its parts read and move that state only through this interface, so
 * each can be read (and tested) on its own.
 */
import type { Caller, Decision, Step } from '../../domain/types.js';
import type { SessionDialogHost } from '../../sip/dialog/index.js';
import type { Scheduler } from '../../sip/timers.js';
import type { BLeg } from './b-leg.js';
import type { BLegs } from './b-legs.js';
import type { CallSession } from './call-session.js';
import type { BlindTransfer } from './transfer/refer.js';
import type { DialogFinder, JoinableCall } from './transfer/attended.js';
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

/** A blind transfer the call went through (transfer/refer.ts). */
export interface Transferred {
  /** Who transferred: the extension (or number) of the party that answered. */
  by: string;
  /** The Refer-To target as dialled: an extension, a ring group, `*`+extension, a number. */
  to: string;
  /** The decision the call follows from now on. */
  decision: Decision;
}

/** How a transfer's target is routed (the router's, with the directory and the policy). */
export interface TransferRouting {
  /**
   * `target` (an extension, a ring group, `*`+extension, an outside number) as if `caller` had
   * called it, for a transfer by `by`; null when nobody knows the target, 'forbidden' when the
   * outbound policy refuses it or `by` is no extension and the target is an outside number.
   */
  route(
    caller: Caller,
    target: string,
    by: string,
  ):
    | {
        decision: Decision;
        /** `by` when it is an extension (it is rung back if the transfer fails). */
        transferor: string | null;
        /** The transferor's ring timeout, in seconds. */
        returnTimeout: number;
      }
    | null
    | 'forbidden';
  /** The call and party whose dialog a Replaces header names (attended transfer). */
  dialog?: DialogFinder;
}

export interface CallEvents {
  answered?(session: CallSession, answeredBy: string): void;
  /** The call was transferred: the history starts a new line for it, saying by whom. */
  transferred?(session: CallSession, transfer: Transferred): void;
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
  /** Instead of the plan: the caller joins another call (INVITE with Replaces, pickup). */
  joining?: (session: CallSession) => void;
  /** Routing of a blind transfer's target; absent, REFER gets 403. */
  transfers?: TransferRouting;
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
export interface CallCore extends JoinableCall {
  readonly id: string;
  /** Who the plan is for: the caller, or the callee the caller transferred. */
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
  readonly transfers: TransferRouting | null;
  readonly state: CallState;
  readonly decision: Decision;
  /** Counts the steps run, a transfer's included (B-legs belong to one). */
  readonly stepIndex: number;
  /** The running step of the plan followed. */
  readonly currentStep: Step | undefined;
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
  /**
   * A blind transfer was accepted: the answered callee becomes the transferor (told by
   * `transfer`), and the caller follows `decision` from its first step.
   */
  transferTo(transfer: BlindTransfer, decision: Decision, transferee: Caller): void;
  /** `leg` is the transferor of a transfer in progress. */
  isTransferor(leg: BLeg): boolean;
  /** BYE on the caller's own dialog (a caller that transferred). */
  byeCallerLeg(): void;
  /** Release once nothing is held any more. */
  maybeReleased(): void;
}
