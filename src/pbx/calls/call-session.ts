/**
 * One call through the PBX, as a back-to-back user agent (design §5, §7): the plan executor and
 * the release bookkeeping. The session owns the caller's leg, every B-leg, the transactions,
 * dialogs and timers they use, and the call's media; it releases all of it when the call ends,
 * whatever the path, and `holdings()` says what it still holds. Its parts see it as a `CallCore`
 * (call-core.ts): steps/, ringing.ts, media-sides.ts, dialog-requests.ts, transfer/.
 *
 *   routing ──► ringing ──► answered ──► releasing ──► ended
 *      ▲           │            │           ▲
 *      ├───────────┘ (failed)   │ (a transfer's plan)
 *      └────────────────────────┘           │
 *   routing, ringing ───────────────────────┘ (busy, cancelled, plan exhausted, error)
 *
 * (`announcing` and `voicemail` are the voice steps' states.) `releasing`: the outcome is decided
 * and told; BYEs, CANCELs and relayed requests are still in flight. `ended`: nothing is held.
 *
 * - The winner's 2xx is acknowledged only when the caller acknowledges ours, with the caller's ACK
 *   body (a late offer works end to end); a caller's BYE overtaking its ACK gets the callee its
 *   ACK, without body, before our BYE (RFC 3261 §13.2.2.4, `hangUp`, `BLeg.hangUp`).
 * - Max-Forwards is decremented on every request we send on behalf of a leg; 0 gets 483.
 * - A released session is collectable at once, although INVITE transactions it started stay in
 *   Accepted for Timer M (RFC 6026 §7.2) holding their callbacks: those reach the session only
 *   through a `SessionLink` emptied on release, made in static methods that cannot capture it.
 */
import { randomBytes } from 'node:crypto';
import type { Caller, Decision, Step } from '../../domain/types.js';
import { StateMachine } from '../../shared/state-machine.js';
import type { Dialog, SessionDialogHost } from '../../sip/dialog/index.js';
import { buildReply, getCallId, getMaxForwards } from '../../sip/message/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import type { BLeg, LegContext } from './b-leg.js';
import { BLegs } from './b-legs.js';
import type { BlindTransfer } from './transfer/refer.js';
import type { JoinableCall, NamedDialog, Party } from './transfer/attended.js';
import type { Replaces } from '../../sip/message/index.js';
import type {
  TransferRouting,
  CallCore,
  CallEnd,
  CallEvents,
  CallHoldings,
  CallSessionOptions,
  CallState,
  Transferred,
} from './call-core.js';
import { CallerLeg } from './caller-leg.js';
import { CallMedia } from './caller-media.js';
import {
  callerOf,
  fromCallee,
  fromCaller,
  fromTransferee,
  fromTransferor,
  partyOf,
} from './dialog-requests.js';
import { HeldTransactions } from './held-transactions.js';
import { InDialogRelay } from './in-dialog-relay.js';
import type { Side } from './in-dialog-relay.js';
import type { OfferHost } from './local-answers.js';
import { MediaSides } from './media-sides.js';
import { planExhausted } from './outcome.js';
import type { CallOutcome, FinalResponse, StepFailure } from './outcome.js';
import { OwnedTimers } from './owned-timers.js';
import type { CallVoice, ServerTx, Signaling } from './ports.js';
import { legEvents } from './ringing.js';
import { runStep } from './steps/run-step.js';
import { stepContextOf } from './steps/step-context.js';
import type { StepContext } from './steps/step-context.js';
import { mailboxMenu } from './steps/voicemail.js';

const TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  // `answered` at once: a new caller joined to another call (INVITE with Replaces, pickup).
  routing: ['ringing', 'announcing', 'voicemail', 'answered', 'releasing'],
  ringing: ['routing', 'answered', 'releasing'],
  announcing: ['routing', 'releasing'],
  voicemail: ['releasing'],
  // A blind transfer: the caller follows the transfer's plan.
  answered: ['routing', 'releasing'],
  releasing: ['ended'],
  ended: [],
};

/** What callbacks outliving the call hold: the session until it is released. */
interface SessionLink {
  session: CallSession | null;
}

export class CallSession implements CallCore {
  readonly id: string;
  /** The plan the call follows: the routed one, then a transfer's. */
  decision: Decision;
  /** Who the plan is for: the caller, or the callee the caller transferred. */
  caller: Caller;
  callerName: string | null;
  /** The caller's Call-ID, and the one of every B-leg (each with its own From tag). */
  readonly aCallId: string;
  readonly bCallId: string;
  /** The caller's INVITE server transaction. */
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
  readonly dialogHost: SessionDialogHost<ServerTx>;
  readonly offerHost: OfferHost;
  readonly transfers: TransferRouting | null;
  callerSide: Side | null = null;
  calleeSide: Side | null = null;
  winner: BLeg | null = null;
  stepIndex = -1;
  stepFailures: StepFailure[] = [];
  maxForwards = 70;
  private readonly fsm: StateMachine<CallState>;
  private readonly events: CallEvents;
  private readonly mailboxMenu: string | null;
  private readonly joining: ((session: CallSession) => void) | null;
  private readonly link: SessionLink = { session: this };
  private readonly stepContext: StepContext;
  private readonly logger: (message: string) => void;
  private readonly guard: (fn: () => void) => void;
  /** The media has been released (or there never was any). */
  private mediaReleased = false;
  private lastFailure: StepFailure | null = null;
  /** `stepIndex` of the first step of the plan followed (a transfer's starts later). */
  private planBase = 0;
  /** A blind transfer whose outcome the transferor has not been told yet, or its leg to end. */
  private transfer: BlindTransfer | null = null;
  /** The callee the caller transferred: it stands in the caller's place, on its B-leg. */
  private transferee: BLeg | null = null;
  private end: CallEnd | null = null;
  /** An attended transfer joined the remaining party to a party of this other call. */
  private partner: JoinableCall | null = null;
  /** Who answered, for the history, once the answering leg is gone (an attended transfer). */
  private joinedAnswer: string | null = null;
  /** A callee hung up on by an attended transfer (its BYE may cross ours). */
  private departed: BLeg | null = null;

  constructor(options: CallSessionOptions) {
    this.id = options.id;
    this.decision = options.decision;
    this.caller = options.caller;
    this.callerName = options.callerName;
    this.invite = options.invite;
    this.signaling = options.signaling;
    this.domain = options.domain;
    this.voice = options.voice;
    const t1 = options.timers?.t1 ?? 500;
    const t2 = options.timers?.t2 ?? 4000;
    const log = options.log ?? console.info;
    this.logger = (m) => log(`call ${this.id}: ${m}`);
    this.events = options.events ?? {};
    this.guard = options.guard ?? ((fn) => fn());
    this.mailboxMenu = options.mailboxMenu ?? null;
    this.joining = options.joining ?? null;
    this.transfers = options.transfers ?? null;
    this.media = new CallMedia(this.voice.media, options.onMediaFault);
    this.timers = new OwnedTimers(options.scheduler);
    this.fsm = new StateMachine<CallState>(`call ${this.id}`, 'routing', TRANSITIONS);
    this.aCallId = getCallId(this.invite.request) ?? '';
    this.bCallId = `${randomBytes(12).toString('hex')}@${this.domain}`;
    this.held = new HeldTransactions(this.signaling, () => this.maybeReleased());
    this.held.hold(this.invite);
    this.callerLeg = new CallerLeg(this.invite, this.signaling, () =>
      this.held.answered(this.invite),
    );
    this.sides = new MediaSides(this, options.fromTrunk ?? false);
    const legContext: LegContext = {
      signaling: this.signaling,
      timers: this.timers,
      t1,
      send: (request, destination, handlers) => this.held.send(request, destination, handlers),
      forget: (tx) => this.held.forget(tx),
      log: this.logger,
      dialogHost: () => this.dialogHost,
    };
    this.legs = new BLegs(this.bCallId, legContext, legEvents(this));
    this.stepContext = stepContextOf(this, {
      locator: options.locator,
      trunks: options.trunks,
      next: () => {
        this.enter('routing');
        this.nextStep();
      },
      endCall: (final, outcome) => this.endCall(final, outcome),
    });
    this.dialogHost = {
      timers: this.timers,
      t1,
      t2,
      respond: (tx, response) => this.signaling.respond(tx, response),
      sendAck: (ack, destination) => this.signaling.sendAck(ack, destination),
      ackTimedOut: (side) => {
        // RFC 3261 §13.3.1.4: no ACK after 64*T1: the session SHOULD be terminated.
        this.log(`no ACK from the ${side.name}: hanging up`);
        this.hangUp('pbx');
      },
    };
    this.offerHost = {
      signaling: this.signaling,
      log: (m) => this.log(m),
      hangUp: () => this.hangUp('pbx'),
    };
    this.relays = new InDialogRelay({
      signaling: this.signaling,
      send: (request, destination, handlers) => this.held.send(request, destination, handlers),
      hold: (tx) => this.held.hold(tx),
      answered: (tx) => {
        this.held.answered(tx);
        this.maybeReleased();
      },
    });
  }

  get state(): CallState {
    return this.fsm.state;
  }

  /** Index in the plan of the step running (or that ran last); -1 before `start`. */
  get step(): number {
    return this.stepIndex;
  }

  get currentStep(): Step | undefined {
    return this.decision.plan[this.stepIndex - this.planBase];
  }

  /** How the call ended, once decided. */
  get result(): CallEnd | null {
    return this.end;
  }

  /** The B-legs still held. */
  get bLegs(): readonly BLeg[] {
    return this.legs.all;
  }

  /** The B-leg that answered, while the call lasts. */
  get answeredLeg(): BLeg | null {
    return this.winner;
  }

  holdings(): CallHoldings {
    const sides = [this.callerSide, this.calleeSide];
    const media = this.media.holdings();
    return {
      serverTransactions: this.held.serverCount,
      clientTransactions: this.held.clientCount,
      timers: this.timers.size,
      legs: this.legs.size,
      dialogs: (this.callerLeg.holdsDialog ? 1 : 0) + this.legs.dialogs,
      pendingAcks: sides.filter((s) => s !== null && s.awaitingAck).length,
      media: media.sessions + media.playbacks + media.bridges + media.drivers,
    };
  }

  log(message: string): void {
    this.logger(message);
  }

  settle<T>(promise: Promise<T>, ok: (value: T) => void, failed: (error: unknown) => void): void {
    promise.then(
      (value) => this.guard(() => ok(value)),
      (error: unknown) => this.guard(() => failed(error)),
    );
  }

  enter(state: CallState): void {
    this.fsm.transition(state);
    // A transfer to a voicemail box (or a rule sending the caller there) has succeeded.
    if (state === 'voicemail') this.transfer?.conclude(null);
  }

  /** Run the plan. */
  start(): void {
    if (this.stepIndex !== -1) throw new Error(`call ${this.id} already started`);
    this.invite.user = CallSession.callerHandlers(this.link);
    this.maxForwards = (getMaxForwards(this.invite.request) ?? 70) - 1;
    const refusal = this.callerLeg.refusal();
    if (refusal !== null) {
      this.stepIndex = 0;
      this.rejectCaller(refusal, 'failed');
      return;
    }
    if (this.mailboxMenu !== null) {
      this.stepIndex = 0;
      mailboxMenu(this.stepContext, this.mailboxMenu);
      return;
    }
    if (this.joining !== null) {
      this.stepIndex = 0;
      this.joining(this);
      return;
    }
    this.nextStep();
  }

  /**
   * The caller's CANCEL, with its own server transaction (RFC 3261 §9.2): 200 to the CANCEL,
   * then, if the INVITE is still unanswered, 487 to it and a CANCEL to every B-leg.
   */
  cancel(cancelTx: ServerTx): void {
    this.signaling.respond(cancelTx, buildReply(cancelTx.request, 200, 'OK', this.callerLeg.tag));
    if (this.callerSide === null && this.unanswered()) {
      this.rejectCaller({ status: 487, reason: 'Request Terminated' }, 'cancelled');
    }
  }

  unanswered(): boolean {
    return this.held.holds(this.invite) && this.live();
  }

  live(): boolean {
    return this.state !== 'releasing' && this.state !== 'ended';
  }

  /** End the call at once, e.g. at shutdown: 503 to an unanswered caller, BYEs after the answer. */
  terminate(): void {
    if (this.callerSide !== null) this.hangUp('pbx');
    else if (this.unanswered()) {
      this.rejectCaller({ status: 503, reason: 'Service Unavailable' }, 'failed');
    }
  }

  /**
   * An in-dialog request from either leg; `tx` is null for an ACK to a 2xx. False when it belongs
   * to none of this call's dialogs (the caller of this method then answers 481).
   */
  receiveRequest(request: SipRequest, tx: ServerTx | null): boolean {
    const callId = getCallId(request);
    const aDialog: Dialog | null = this.callerLeg.dialog;
    if (callId === this.aCallId && aDialog?.matchesRequest(request) === true) {
      if (this.transferee !== null) fromTransferor(this, aDialog, request, tx);
      else fromCaller(this, aDialog, request, tx);
      return true;
    }
    if (callId !== this.bCallId) return false;
    const found = this.legs.find(request);
    if (found === undefined) return false;
    if (found.leg === this.transferee) fromTransferee(this, found.leg, found.dialog, request, tx);
    else fromCallee(this, found.leg, found.dialog, request, tx);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // The plan

  private nextStep(): void {
    this.stepIndex++;
    this.stepFailures = [];
    const index = this.stepIndex - this.planBase;
    if (this.transfer !== null && index === this.transfer.returnStep) {
      this.transfer?.conclude(this.lastFailure ?? 'unreachable');
    }
    const step = this.decision.plan[index];
    if (step === undefined) {
      this.transfer?.conclude(this.lastFailure ?? 'unreachable');
      const unknown = this.decision.trace.some((t) => t.code === 'unknown-destination');
      const final = planExhausted(this.lastFailure, unknown);
      this.endCall(final, final.outcome);
      return;
    }
    runStep(this.stepContext, step);
  }

  stepFailed(failure: StepFailure): void {
    this.timers.clear('step');
    this.media.unbridge();
    this.lastFailure = failure;
    if (this.state === 'ringing') this.enter('routing');
    this.nextStep();
  }

  connected(leg: BLeg, side: Side): void {
    this.enter('answered');
    this.winner = leg;
    this.legs.cancel(undefined, leg);
    this.calleeSide = side;
    this.transfer?.conclude(null);
  }

  transferTo(transfer: BlindTransfer, decision: Decision, transferee: Caller): void {
    this.transfer = transfer;
    if (transfer.leg === null) {
      // The caller transferred: the callee takes its place, its media session the caller's.
      this.transferee = this.winner;
      this.callerSide = this.calleeSide;
      this.caller = transferee;
      this.callerName = null;
      this.media.swapSides();
      this.sides.swapSides();
    }
    this.winner = null;
    this.calleeSide = null;
    this.planBase = this.stepIndex + 1;
    this.decision = decision;
    this.lastFailure = null;
    this.enter('routing');
    this.events.transferred?.(this, { by: transfer.by, to: transfer.target, decision });
    // The transferor's media session (when the PBX relayed it) is not the next callee's.
    this.settle(
      this.media.closeCallee(),
      () => undefined,
      (error: unknown) => this.log(`closing the transferor's media failed: ${String(error)}`),
    );
    this.sides.calleeHere = false;
    // A hold ends with the transfer: whoever answers next talks through the PBX, unheld.
    this.sides.holding = null;
    this.sides.anchorCaller(() => this.nextStep());
  }

  /** The transferor's leg, while it lasts. */
  isTransferor(leg: BLeg): boolean {
    return this.transfer?.leg === leg || this.departed === leg;
  }

  /**
   * The party whose dialog `replaces` names (RFC 3891 §3: Call-ID and both tags; the tags are
   * taken in either order, since phones write them from their own side), if this call may be
   * joined: answered, and neither transferring nor joined already.
   */
  namedDialog(replaces: Replaces): NamedDialog | null {
    const { callId, toTag, fromTag } = replaces;
    const names = (dialog: Dialog | null): boolean =>
      dialog !== null &&
      dialog.id.callId === callId &&
      ((dialog.id.localTag === toTag && dialog.id.remoteTag === fromTag) ||
        (dialog.id.localTag === fromTag && dialog.id.remoteTag === toTag));
    if (!this.live()) return null;
    const free = this.transfer === null && this.partner === null && this.transferee === null;
    const joinable = free && this.state === 'answered' && this.calleeSide !== null;
    const state = joinable ? 'confirmed' : 'engaged';
    const winner = this.winner;
    const caller = partyOf(this.caller);
    if (names(this.callerLeg.dialog)) {
      const other = winner?.target ?? this.decision.to;
      const early = this.callerSide === null;
      return {
        call: this,
        party: 'caller',
        state: early ? 'unanswered' : state,
        by: caller,
        other,
      };
    }
    if (winner !== null && names(winner.dialog)) {
      return { call: this, party: 'callee', state, by: winner.target, other: caller };
    }
    const ringing = this.state === 'ringing' && free;
    for (const leg of this.legs.all) {
      const dialog = leg.dialogNamed(names);
      if (dialog === undefined) continue;
      const early = ringing && leg.live && dialog.state === 'early';
      const named = early ? 'ringing' : 'engaged';
      return { call: this, party: 'callee', state: named, by: leg.target, other: caller };
    }
    return null;
  }

  /** Ringing, free, with a live leg ringing an extension `wanted` accepts (a pickup may take it). */
  ringingFor(wanted: (extension: string) => boolean): boolean {
    if (this.state !== 'ringing' || this.partner !== null || this.transfer !== null) return false;
    return this.legs.all.some((leg) => leg.live && wanted(leg.target));
  }

  keepOnly(
    leaving: Party,
    transfer: BlindTransfer | null,
    partner: JoinableCall,
    answeredBy: string,
    ready: () => void,
  ): void {
    const leg = this.winner;
    if (leg === null || this.calleeSide === null)
      throw new Error(`call ${this.id} is not answered`);
    this.partner = partner;
    this.joinedAnswer = answeredBy;
    this.transfer = transfer;
    if (leaving === 'caller') {
      // As in a blind transfer by the caller: the callee takes the caller's place.
      this.transferee = leg;
      this.callerSide = this.calleeSide;
      this.caller = callerOf(leg.target);
      this.callerName = null;
      this.media.swapSides();
      this.sides.swapSides();
      if (transfer === null) this.byeCallerLeg();
    } else {
      this.departed = leg;
      if (transfer === null) leg.hangUp();
    }
    this.winner = null;
    this.calleeSide = null;
    this.settle(
      this.media.closeCallee(),
      () => undefined,
      (error: unknown) => this.log(`closing the transferor's media failed: ${String(error)}`),
    );
    this.sides.calleeHere = false;
    this.sides.anchorCaller(ready);
  }

  takeOver(partner: JoinableCall, by: string, ready: () => void): void {
    this.partner = partner;
    this.joinedAnswer = by;
    this.timers.clear('step');
    // Answered before its legs are cancelled: their 487s are no step's failure any more.
    this.enter('answered');
    this.legs.cancel();
    // The caller hears the picker only: no ringback, no ringing leg's early media.
    this.media.stopPlayback();
    this.media.unbridge();
    this.sides.withCallerMedia('answered', ready);
  }

  answerJoined(partner: JoinableCall, answeredBy: string, ready: () => void): void {
    this.partner = partner;
    this.joinedAnswer = answeredBy;
    this.enter('answered');
    this.sides.withCallerMedia('answered', ready);
  }

  abandon(): void {
    if (this.unanswered())
      this.rejectCaller({ status: 487, reason: 'Request Terminated' }, 'cancelled');
  }

  reportJoined(by: string, to: string): void {
    const decision: Decision = {
      to,
      exception: null,
      action: null,
      plan: [],
      trace: [{ code: 'transferred', extension: by, target: to }],
    };
    const transferred: Transferred = { by, to, decision };
    this.events.transferred?.(this, transferred);
    this.reportAnswered(to);
  }

  /** BYE on the caller's dialog (the caller's leg), once it holds one. */
  byeCallerLeg(): void {
    this.callerLeg.bye((request, destination, handlers) =>
      this.held.send(request, destination, handlers),
    );
  }

  reportAnswered(answeredBy: string): void {
    this.log(`answered by ${answeredBy}`);
    this.events.answered?.(this, answeredBy);
  }

  /**
   * The end of the plan, or a `busy` step: the final response to a caller still waiting for one,
   * else (the PBX answered it for a prompt) a BYE.
   */
  private endCall(final: FinalResponse, outcome: CallOutcome): void {
    if (this.callerSide === null) {
      this.rejectCaller(final, outcome);
      return;
    }
    this.log(`plan ended after the PBX answered: ${final.status} ${final.reason} (${outcome})`);
    this.hangUp('pbx', { outcome, status: 200, answeredBy: null });
  }

  /** The media layer failed (no port, a prompt missing): the call cannot go on. */
  mediaFailed(what: string, error: unknown): void {
    if (!this.live()) return;
    this.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    if (this.callerSide !== null) this.hangUp('pbx');
    else this.rejectCaller({ status: 503, reason: 'Service Unavailable' }, 'failed');
  }

  /** The caller's INVITE transaction failed under us: nobody is left to connect. */
  private callerLost(why: string): void {
    this.log(`caller lost: ${why}`);
    this.held.answered(this.invite);
    if (this.state === 'routing' || this.state === 'ringing') {
      this.rejectCaller({ status: 500, reason: 'Server Internal Error' }, 'failed');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Ending and releasing

  /**
   * End a call whose caller has our 2xx: BYE to whichever side did not hang up (both when the PBX
   * does), CANCEL to legs still ringing. `end`: the outcome when it is not a bridged call's.
   */
  hangUp(by: 'caller' | 'callee' | 'pbx', end?: CallEnd): void {
    const caller = this.callerSide;
    if (caller === null || !this.live()) return;
    for (const side of [caller, this.calleeSide]) side?.stopAwaitingAck();
    this.timers.clear('step');
    this.relays.terminate();
    const partner = this.partner;
    this.partner = null;
    this.finish(end ?? this.answeredEnd());
    // Joined by an attended transfer: the other call ends with this one (it stops our bridge).
    partner?.hangUp('pbx');
    this.legs.cancel();
    if (by !== 'callee') this.winner?.hangUp();
    this.transfer?.end();
    if (by !== 'caller') {
      if (this.transferee !== null) this.transferee.hangUp();
      else this.byeCallerLeg();
    }
    this.maybeReleased();
  }

  /** How an answered call ended: bridged to whoever answered, or taken by the PBX's voice. */
  private answeredEnd(): CallEnd {
    const answeredBy = this.winner?.target ?? this.joinedAnswer;
    if (answeredBy !== null) return { outcome: 'answered', status: 200, answeredBy };
    if (this.state === 'voicemail') return { outcome: 'voicemail', status: 200, answeredBy: null };
    // Hung up during a prompt or while the bounce rang: nobody was reached.
    return { outcome: 'cancelled', status: 200, answeredBy: null };
  }

  /** Before the answer: the caller's final response, CANCEL to every leg. */
  rejectCaller(final: FinalResponse, outcome: CallOutcome): void {
    this.timers.clear('step');
    if (this.held.holds(this.invite)) {
      this.callerLeg.respond(final.status, final.reason, {}, final.headers);
    }
    this.callerLeg.endDialog();
    this.legs.cancel();
    this.log(`ended before answer: ${final.status} ${final.reason} (${outcome})`);
    this.finish({ outcome, status: final.status, answeredBy: null });
    this.maybeReleased();
  }

  private finish(end: CallEnd): void {
    this.end = end;
    this.sides.forget();
    this.enter('releasing');
    this.events.ended?.(this, end);
    const media = this.media;
    // The voicemail service closes its recording first; the sessions close after it.
    const releasing = media.release();
    if (media.empty) {
      // Nothing was ever opened (a call between phones): released now, not a turn later.
      this.mediaReleased = true;
      return;
    }
    const released = (): void => {
      this.mediaReleased = true;
      this.maybeReleased();
    };
    this.settle(releasing, released, (error: unknown) => {
      this.log(`media release failed: ${error instanceof Error ? error.message : String(error)}`);
      released();
    });
  }

  maybeReleased(): void {
    if (this.state !== 'releasing') return;
    if (this.legs.size > 0 || !this.held.empty) return;
    // The voicemail driver's timer is cleared by its own release, which may still be running.
    if (!this.mediaReleased) return;
    this.timers.clearAll();
    this.callerLeg.endDialog();
    this.callerSide = null;
    this.calleeSide = null;
    this.winner = null;
    this.transfer = null;
    this.transferee = null;
    this.departed = null;
    this.partner = null;
    this.link.session = null;
    this.relays.release();
    this.held.release();
    this.enter('ended');
    this.events.released?.(this);
  }

  /** The caller's INVITE transaction holds these until the ACK, possibly after the release. */
  private static callerHandlers(link: SessionLink): ServerTx['user'] {
    return {
      onTransportError: (e) => link.session?.callerLost(`transport error: ${e.message}`),
    };
  }
}
