/**
 * One call through the PBX, as a back-to-back user agent (design §5, §7): the plan executor and
 * the release bookkeeping. The session owns the caller's leg (caller-leg.ts), every B-leg the
 * plan starts (b-leg.ts), the transactions, dialogs and timers they use, and the call's media
 * (caller-media.ts); it releases all of it when the call ends, whatever the path, and
 * `holdings()` says what it still holds. The rest lives beside it: one file per plan step
 * (steps/), the UA mechanics of each dialog (sip/dialog/session-dialog.ts), offer/answer
 * (offer-answer.ts), the relay of in-dialog requests (in-dialog-relay.ts) and what the PBX
 * answers itself (local-answers.ts).
 *
 * Call states:
 *
 *   routing ──► ringing ──► answered ──► releasing ──► ended
 *      ▲           │                        ▲
 *      └───────────┘ (a step failed)        │
 *   routing, ringing ───────────────────────┘ (busy, cancelled, plan exhausted, error)
 *
 * (`announcing` and `voicemail` are the voice steps' states.) `releasing`: the outcome is decided
 * and told; BYEs, CANCELs and relayed requests are still in flight. `ended`: nothing is held.
 *
 * Decisions:
 * - Ringing steps: the step timer is the step timeout; the first 2xx wins and the other legs are
 *   CANCELled. Final responses when the plan runs out: see outcome.ts.
 * - Glare between legs: a 2xx that arrives after another leg won, or after our CANCEL crossed it,
 *   is acknowledged and BYE'd at once (RFC 3261 §13.2.2.4). A late 2xx from a leg of a step that
 *   timed out is dropped the same way: the call has moved on.
 * - The winner's 2xx is acknowledged only when the caller acknowledges ours, with the caller's ACK
 *   body: that is what makes a late offer (offer in the 2xx, answer in the ACK) work end to end.
 *   A caller's BYE may overtake its ACK (RFC 3261 §15 allows BYE on the confirmed dialog): we
 *   stop retransmitting our 2xx and the callee gets its ACK, without body since no answer came
 *   (§13.2.2.4: ACK, then BYE at once), before our BYE (see `hangUp` and `BLeg.hangUp`).
 * - Before the answer, the caller's BYE ends the call like a CANCEL (RFC 3261 §15.1.2) and any
 *   other in-dialog request gets 500 with Retry-After (§14.2).
 * - Max-Forwards is decremented on every request we send on behalf of a leg; 0 gets 483.
 * - A released session must be collectable at once, although INVITE transactions it started stay
 *   in Accepted for Timer M (RFC 6026 §7.2, 32 s) holding their callbacks: those reach the session
 *   only through a `SessionLink` emptied on release (a B-leg's and the relay's through links of
 *   their own), and are made in static methods, whose closures cannot capture the session.
 */
import { randomBytes } from 'node:crypto';
import type { Caller, Decision, Step } from '../../domain/types.js';
import { StateMachine } from '../../shared/state-machine.js';
import { SessionDialog, checkInDialog } from '../../sip/dialog/index.js';
import type { Dialog, SessionDialogHost } from '../../sip/dialog/index.js';
import {
  buildReply,
  getCallId,
  getContacts,
  getFrom,
  getMaxForwards,
} from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Scheduler } from '../../sip/timers.js';
import type { RtpSession } from '../../media/rtp-session.js';
import type { BLeg } from './b-leg.js';
import { CallMedia } from './caller-media.js';
import type { LegContext, LegEvents } from './b-leg.js';
import { TEMPORARILY_UNAVAILABLE, combineFailures, planExhausted } from './outcome.js';
import type { CallOutcome, FinalResponse, StepFailure } from './outcome.js';
import { InDialogRelay, contentOf } from './in-dialog-relay.js';
import type { Content, Side } from './in-dialog-relay.js';
import { answerAlone, answerOffer, isOfferCarrier, notYet, reply } from './local-answers.js';
import type { OfferHost } from './local-answers.js';
import { BLegs } from './b-legs.js';
import { CallerLeg } from './caller-leg.js';
import { HeldTransactions } from './held-transactions.js';
import { OfferAnswer } from './offer-answer.js';
import { OwnedTimers } from './owned-timers.js';
import { announce } from './steps/announce.js';
import { busy } from './steps/busy.js';
import { dial } from './steps/dial.js';
import { ring } from './steps/ring.js';
import type { LegTarget, StepContext } from './steps/step-context.js';
import { mailboxMenu, voicemail } from './steps/voicemail.js';
import type { CallVoice, Locator, ServerTx, Signaling, TrunkDialler } from './ports.js';

export type CallState =
  'routing' | 'ringing' | 'announcing' | 'voicemail' | 'answered' | 'releasing' | 'ended';

const TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  routing: ['ringing', 'announcing', 'voicemail', 'releasing'],
  ringing: ['routing', 'answered', 'releasing'],
  announcing: ['routing', 'releasing'],
  voicemail: ['releasing'],
  answered: ['releasing'],
  releasing: ['ended'],
  ended: [],
};

/**
 * How a ringing step carries media: SDP passed through between phones; `anchored`, the PBX
 * answering the caller's offer and offering its own to the callee (a trunk on either side);
 * `pbx-answered`, the caller already talking to the PBX (after a prompt) and hearing its ringback.
 */
type LegMedia = 'passthrough' | 'anchored' | 'pbx-answered';

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
  timers?: Partial<CallTimers>;
  log?: (message: string) => void;
  events?: CallEvents;
  /** The PBX's voice and media relay; absent, SDP passes through and voice steps end with 480. */
  voice?: CallVoice;
  /** The caller is a trunk: its media is relayed by the PBX (design §5). */
  fromTrunk?: boolean;
  /** `*97`: instead of the plan, the mailbox menu of this extension (the caller's own). */
  mailboxMenu?: string;
  /** An RTP session of the call failed (the call's error boundary, call-boundary.ts). */
  onMediaFault?: (error: unknown) => void;
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

/** What callbacks outliving the call hold: the session until it is released. */
interface SessionLink {
  session: CallSession | null;
}

export class CallSession {
  readonly id: string;
  readonly decision: Decision;
  readonly caller: Caller;
  readonly callerName: string | null;
  /** The caller's Call-ID, and the one of every B-leg (each with its own From tag). */
  readonly aCallId: string;
  readonly bCallId: string;
  private readonly fsm: StateMachine<CallState>;
  /** The caller's INVITE server transaction. */
  readonly invite: ServerTx;
  private readonly signaling: Signaling;
  private readonly locator: Locator;
  private readonly trunks: TrunkDialler;
  private readonly domain: string;
  private readonly t1: number;
  private readonly t2: number;
  private readonly log: (message: string) => void;
  private readonly events: CallEvents;
  private readonly timers: OwnedTimers;
  private readonly legs: BLegs;
  private readonly held: HeldTransactions;
  private readonly relays: InDialogRelay;
  private readonly dialogHost: SessionDialogHost<ServerTx>;
  private readonly offerHost: OfferHost;
  private readonly callerLeg: CallerLeg;
  private readonly link: SessionLink = { session: this };
  private readonly stepContext: StepContext;
  /** Our dialog with the caller once it has our 2xx, and with the B-leg that answered. */
  private callerSide: Side | null = null;
  private calleeSide: Side | null = null;
  private readonly voice: CallVoice | null;
  private readonly fromTrunk: boolean;
  private readonly mailboxMenu: string | null;
  private readonly media: CallMedia | null;
  /** The caller's media ends at the PBX (answered by it, or relayed): re-INVITEs answered here. */
  private callerMediaHere = false;
  /** The same for the answered B-leg. */
  private calleeMediaHere = false;
  /** Media mode of the ringing step. */
  private legMedia: LegMedia = 'passthrough';
  /** RFC 3264 with the caller and the answered callee, when their media ends at the PBX. */
  private callerOffers: OfferAnswer | null = null;
  private calleeOffers: OfferAnswer | null = null;
  /** Runs once the caller has acknowledged the 2xx the PBX answered it with. */
  private onCallerReady: (() => void) | null = null;
  /** The media has been released (or there never was any). */
  private mediaReleased = false;
  private winner: BLeg | null = null;
  private stepIndex = -1;
  private stepFailures: StepFailure[] = [];
  private lastFailure: StepFailure | null = null;
  private maxForwards = 70;
  private end: CallEnd | null = null;

  constructor(options: CallSessionOptions) {
    this.id = options.id;
    this.decision = options.decision;
    this.caller = options.caller;
    this.callerName = options.callerName;
    this.invite = options.invite;
    this.signaling = options.signaling;
    this.locator = options.locator;
    this.trunks = options.trunks;
    this.domain = options.domain;
    this.t1 = options.timers?.t1 ?? 500;
    this.t2 = options.timers?.t2 ?? 4000;
    this.log = (m) => (options.log ?? console.info)(`call ${this.id}: ${m}`);
    this.events = options.events ?? {};
    this.voice = options.voice ?? null;
    this.fromTrunk = options.fromTrunk ?? false;
    this.mailboxMenu = options.mailboxMenu ?? null;
    this.media = this.voice === null ? null : new CallMedia(this.voice.media, options.onMediaFault);
    this.timers = new OwnedTimers(options.scheduler);
    this.fsm = new StateMachine<CallState>(`call ${this.id}`, 'routing', TRANSITIONS);
    this.aCallId = getCallId(this.invite.request) ?? '';
    this.bCallId = `${randomBytes(12).toString('hex')}@${this.domain}`;
    this.held = new HeldTransactions(this.signaling, () => this.maybeReleased());
    this.held.hold(this.invite);
    this.callerLeg = new CallerLeg(this.invite, this.signaling, () =>
      this.held.answered(this.invite),
    );
    const legContext: LegContext = {
      signaling: this.signaling,
      timers: this.timers,
      t1: this.t1,
      send: (request, destination, handlers) => this.held.send(request, destination, handlers),
      forget: (tx) => this.held.forget(tx),
      log: this.log,
      dialogHost: () => this.dialogHost,
    };
    const legEvents: LegEvents = {
      provisional: (leg, response) => this.legProvisional(leg, response),
      answered: (leg, side, response) => this.legAnswered(leg, side, response),
      failed: (leg, failure) => this.legFailed(leg, failure),
      ended: (leg) => this.legEnded(leg),
    };
    this.legs = new BLegs(this.bCallId, legContext, legEvents);
    this.stepContext = this.makeStepContext();
    this.dialogHost = {
      timers: this.timers,
      t1: this.t1,
      t2: this.t2,
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

  /** What the plan's steps (steps/*.ts) may see and do of this call. */
  private makeStepContext(): StepContext {
    return {
      caller: this.caller,
      callerName: this.callerName,
      decision: this.decision,
      domain: this.domain,
      locator: this.locator,
      trunks: this.trunks,
      timers: this.timers,
      voice: this.voice,
      media: this.media,
      step: () => this.stepIndex,
      log: (m) => this.log(m),
      still: (state, step) => this.state === state && this.stepIndex === step,
      ring: (timeout, targets) => this.ring(timeout, targets),
      enter: (state) => this.fsm.transition(state),
      withCallerMedia: (state, ready) => this.withCallerMedia(state, ready),
      next: () => {
        this.fsm.transition('routing');
        this.nextStep();
      },
      failed: (failure) => this.stepFailed(failure),
      endCall: (final, outcome) => this.endCall(final, outcome),
      hangUp: () => this.hangUp('pbx'),
      mediaFailed: (what, error) => this.mediaFailed(what, error),
      noVoice: (what) => this.noVoice(what),
    };
  }

  get state(): CallState {
    return this.fsm.state;
  }

  /** Index in the plan of the step running (or that ran last); -1 before `start`. */
  get step(): number {
    return this.stepIndex;
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
    let dialogs = this.callerLeg.holdsDialog ? 1 : 0;
    dialogs += this.legs.dialogs;
    const sides = [this.callerSide, this.calleeSide];
    const media = this.media?.holdings();
    return {
      serverTransactions: this.held.serverCount,
      clientTransactions: this.held.clientCount,
      timers: this.timers.size,
      legs: this.legs.size,
      dialogs,
      pendingAcks: sides.filter((s) => s !== null && s.awaitingAck).length,
      media:
        media === undefined ? 0 : media.sessions + media.playbacks + media.bridges + media.drivers,
    };
  }

  /** Run the plan. */
  start(): void {
    if (this.stepIndex !== -1) throw new Error(`call ${this.id} already started`);
    this.invite.user = CallSession.callerHandlers(this.link);
    const maxForwards = getMaxForwards(this.invite.request) ?? 70;
    // RFC 3261 §16.3 item 3, applied by our UAS to the request it would forward.
    if (maxForwards === 0) {
      this.stepIndex = 0;
      this.rejectCaller({ status: 483, reason: 'Too Many Hops' }, 'failed');
      return;
    }
    this.maxForwards = maxForwards - 1;
    // RFC 3261 §8.1.1.8, §8.1.1.3: the dialog with the caller needs its Contact and From tag.
    const contact = getContacts(this.invite.request)?.[0];
    if (
      contact === undefined ||
      contact === '*' ||
      getFrom(this.invite.request)?.tag === undefined
    ) {
      this.stepIndex = 0;
      this.rejectCaller({ status: 400, reason: 'Missing Contact or From tag' }, 'failed');
      return;
    }
    if (this.mailboxMenu !== null) {
      this.stepIndex = 0;
      mailboxMenu(this.stepContext, this.mailboxMenu);
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

  /** The caller has no final response yet. */
  private unanswered(): boolean {
    return this.held.holds(this.invite) && this.state !== 'releasing' && this.state !== 'ended';
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
    const aDialog = this.callerLeg.dialog;
    if (callId === this.aCallId && aDialog?.matchesRequest(request) === true) {
      this.fromCaller(aDialog, request, tx);
      return true;
    }
    if (callId !== this.bCallId) return false;
    const found = this.legs.find(request);
    if (found === undefined) return false;
    this.fromCallee(found.leg, found.dialog, request, tx);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // The plan

  private nextStep(): void {
    this.stepIndex++;
    this.stepFailures = [];
    const step = this.decision.plan[this.stepIndex];
    if (step === undefined) {
      const unknown = this.decision.trace.some((t) => t.code === 'unknown-destination');
      const final = planExhausted(this.lastFailure, unknown);
      this.endCall(final, final.outcome);
      return;
    }
    switch (step.do) {
      case 'ring':
        ring(this.stepContext, step);
        return;
      case 'dial':
        dial(this.stepContext, step);
        return;
      case 'busy':
        busy(this.stepContext, step);
        return;
      case 'announce':
        announce(this.stepContext, step);
        return;
      case 'voicemail':
        voicemail(this.stepContext, step);
        return;
    }
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

  // -------------------------------------------------------------------------------------------
  // The PBX's own voice: prompts, voicemail, the *97 menu

  /** Without a media layer (unit tests of signalling), a voice step cannot run. */
  private noVoice(what: string): void {
    this.log(`${what}: no media layer, ending with 480`);
    this.rejectCaller(TEMPORARILY_UNAVAILABLE, 'unavailable');
  }

  /**
   * Answer the caller from the PBX's own session if it is not answered yet (RFC 3264: our answer
   * to its offer, or our offer when its INVITE had none, answered in its ACK), then run `ready`
   * once it has acknowledged, with its session. Only while the call stays in `state`.
   */
  private withCallerMedia(state: CallState, ready: (session: RtpSession) => void): void {
    const media = this.media;
    // The voice steps check the media before they ask for it.
    if (media === null) throw new Error(`call ${this.id}: no media to answer the caller with`);
    const index = this.stepIndex;
    const still = (): boolean => this.state === state && this.stepIndex === index;
    media.openCaller().then(
      (session) => {
        if (!still()) return;
        this.callerMediaHere = true;
        const go = (): void => {
          if (still()) ready(session);
        };
        if (this.callerSide !== null) {
          // Answered already: at once, or once the ACK still awaited comes.
          if (this.onCallerReady === null) go();
          else this.onCallerReady = go;
          return;
        }
        const sdp = this.callerSdpFor(session);
        if (sdp === null) return;
        this.onCallerReady = go;
        this.answerCaller(sdp);
      },
      (error: unknown) => this.mediaFailed('media ports', error),
    );
  }

  /**
   * RFC 3264 on one side, following that side's session (the callee's is reused from one ringing
   * step to the next).
   */
  private negotiation(side: 'caller' | 'callee', session: RtpSession): OfferAnswer {
    const current = side === 'caller' ? this.callerOffers : this.calleeOffers;
    if (current !== null && current.session === session) return current;
    const created = new OfferAnswer(session, this.domain);
    if (side === 'caller') this.callerOffers = created;
    else this.calleeOffers = created;
    return created;
  }

  /** The negotiation with a side whose media ends here, null when its session is gone. */
  private offersOf(side: 'caller' | 'callee'): OfferAnswer | null {
    const session = side === 'caller' ? this.media?.caller : this.media?.callee;
    return session === null || session === undefined ? null : this.negotiation(side, session);
  }

  /**
   * Our SDP toward the caller: the answer to the offer of its INVITE, else an offer. An offer we
   * cannot answer ends the call (see offer-answer.ts for the status).
   */
  private callerSdpFor(session: RtpSession): string | null {
    const offers = this.negotiation('caller', session);
    if (offers.local !== null) return offers.local;
    const exchange = offers.respond(contentOf(this.invite.request).body);
    if (exchange.ok) return exchange.value;
    const { status, reason, headers, why } = exchange.refusal;
    this.log(`caller SDP refused: ${why}`);
    this.rejectCaller({ status, reason, headers }, 'failed');
    return null;
  }

  /** The PBX answers the caller itself: 200 with our SDP, then the ACK (with its answer if late). */
  private answerCaller(sdp: string): void {
    this.okCallerWithSdp(sdp, () => {
      const ready = this.onCallerReady;
      this.onCallerReady = null;
      ready?.();
    });
  }

  /**
   * 200 to the caller with our SDP, an offer when its INVITE had none (RFC 3264 §4): its ACK then
   * brings the answer. `acknowledged` runs once the ACK came with a usable answer, if one was due.
   */
  private okCallerWithSdp(sdp: string, acknowledged: () => void): void {
    const ok = this.callerLeg.respond(200, 'OK', {
      body: Buffer.from(sdp),
      contentType: 'application/sdp',
    });
    const side = this.newCallerSide();
    const lateOffer = this.callerLeg.lateOffer;
    side.awaitAck(this.callerLeg.seq, this.invite, ok, (ack) => {
      if (lateOffer && !this.acceptCallerAnswer(ack)) return;
      acknowledged();
    });
  }

  /** RFC 3264 §4: the caller's answer to our offer, in its ACK. False when unusable (call ended). */
  private acceptCallerAnswer(ack: SipRequest): boolean {
    const offers = this.callerOffers;
    const exchange = offers?.accept(contentOf(ack).body);
    if (exchange?.ok === true) return true;
    this.log(`caller's answer refused: ${exchange?.refusal.why ?? 'no caller media'}`);
    this.hangUp('pbx');
    return false;
  }

  private newCallerSide(): Side {
    const dialog = this.callerLeg.dialog;
    if (dialog === null) throw new Error('the caller dialog exists once a 2xx is sent');
    this.callerSide = new SessionDialog('caller', dialog, this.invite.source, this.dialogHost);
    const session = this.media?.caller;
    // No RTP from the caller for the inactivity time ends the call (design §5).
    session?.once('inactive', () => {
      if (this.callerSide === null || !this.live()) return;
      this.log('no media from the caller: hanging up');
      this.hangUp('pbx');
    });
    return this.callerSide;
  }

  /** Not yet releasing. */
  private live(): boolean {
    return this.state !== 'releasing' && this.state !== 'ended';
  }

  /** The media layer failed (no port, a prompt missing): the call cannot go on. */
  private mediaFailed(what: string, error: unknown): void {
    if (!this.live()) return;
    this.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    if (this.callerSide !== null) this.hangUp('pbx');
    else this.rejectCaller({ status: 503, reason: 'Service Unavailable' }, 'failed');
  }

  // -------------------------------------------------------------------------------------------
  // Ringing: phones and the trunk

  /** How the step about to ring carries media (see LegMedia). */
  private legMediaFor(step: Step): LegMedia {
    if (this.media === null) return 'passthrough';
    if (this.callerSide !== null) return 'pbx-answered';
    return step.do === 'dial' || this.fromTrunk ? 'anchored' : 'passthrough';
  }

  /** A ringing step (ring or dial): one B-leg per target, the first 2xx winning. */
  private ring(timeout: number | null, targets: readonly LegTarget[]): void {
    const step = this.decision.plan[this.stepIndex];
    if (step === undefined) throw new Error(`call ${this.id}: no step ${this.stepIndex} to ring`);
    this.fsm.transition('ringing');
    this.armStepTimer(timeout);
    // All legs exist before any starts: a leg failing at once must see its siblings still live.
    this.startLegs(step, (content) =>
      targets.map((t) => this.legs.create(this.stepIndex, this.maxForwards, t, content)),
    );
  }

  /**
   * Create the step's legs with the SDP its media mode calls for, and start them. Passthrough: the
   * caller's offer, unchanged (design §5). Otherwise the PBX's own offer from the callee session,
   * once the sessions are open; relaying for a caller not answered yet first answers its offer
   * (kept for the 183 and the 200), and a caller the PBX already answered hears ringback.
   */
  private startLegs(step: Step, make: (content: Content) => BLeg[]): void {
    this.legMedia = this.legMediaFor(step);
    const media = this.media;
    if (this.legMedia === 'passthrough' || media === null) {
      for (const leg of make(contentOf(this.invite.request))) leg.start();
      return;
    }
    const index = this.stepIndex;
    const anchored = this.legMedia === 'anchored';
    Promise.all([anchored ? media.openCaller() : null, media.openCallee()]).then(
      ([caller, callee]) => {
        if (this.state !== 'ringing' || this.stepIndex !== index) return;
        if (caller !== null) {
          if (this.callerSdpFor(caller) === null) return;
          this.callerMediaHere = true;
        } else {
          // Design §4: the caller answered by the PBX hears the French ringback while it rings.
          media
            .play([{ kind: 'ringback' }])
            .catch((error: unknown) => this.mediaFailed('ringback', error));
        }
        const offer = Buffer.from(this.negotiation('callee', callee).offer());
        for (const leg of make({ body: offer, contentType: 'application/sdp' })) leg.start();
      },
      (error: unknown) => this.mediaFailed('media ports', error),
    );
  }

  private armStepTimer(seconds: number | null): void {
    if (seconds === null) return;
    this.timers.set('step', seconds * 1000, () => {
      this.log(`step ${this.stepIndex}: no answer after ${seconds} s`);
      this.legs.cancel(this.stepIndex);
      this.stepFailed('no-answer');
    });
  }

  private stepFailed(failure: StepFailure): void {
    this.timers.clear('step');
    this.media?.unbridge();
    this.lastFailure = failure;
    if (this.state === 'ringing') this.fsm.transition('routing');
    this.nextStep();
  }

  // -------------------------------------------------------------------------------------------
  // B-leg events

  private current(leg: BLeg): boolean {
    return this.state === 'ringing' && leg.step === this.stepIndex;
  }

  private legProvisional(leg: BLeg, response: SipResponse): void {
    if (!this.current(leg)) return;
    if (this.legMedia === 'pbx-answered') return;
    if (this.legMedia === 'anchored') {
      this.relayedProvisional(response);
      return;
    }
    const content = contentOf(response);
    if (
      content.body === undefined ||
      !this.callerLeg.earlyMedia(response.status, response.reason, content)
    ) {
      this.callerLeg.ringing();
    }
  }

  /**
   * A relayed leg's early media: its SDP answers our offer, the bridge starts, and the caller gets
   * a 183 with our own answer once (the same SDP its 200 will carry). A caller without an offer
   * of its own gets a 180 only: an offer in an unreliable 183 would be no valid exchange.
   */
  private relayedProvisional(response: SipResponse): void {
    const body = contentOf(response).body;
    const early = body !== undefined && this.acceptCalleeSdp(body) && !this.callerLeg.lateOffer;
    if (early) {
      this.media?.bridge();
      const sdp = this.callerOffers?.local ?? null;
      const content = { body: Buffer.from(sdp ?? ''), contentType: 'application/sdp' };
      if (sdp !== null && this.callerLeg.earlyMedia(183, 'Session Progress', content)) return;
    }
    this.callerLeg.ringing();
  }

  /** The callee's SDP answers our offer; false when it is unusable. */
  private acceptCalleeSdp(body: Buffer): boolean {
    const exchange = this.calleeOffers?.accept(body);
    if (exchange === undefined) return false;
    if (!exchange.ok) this.log(`callee SDP refused: ${exchange.refusal.why}`);
    return exchange.ok;
  }

  private legAnswered(leg: BLeg, side: Side, response: SipResponse): boolean | 'acknowledge' {
    if (!this.current(leg)) return false;
    if (this.legMedia !== 'passthrough') {
      const body = contentOf(response).body;
      const usable =
        body === undefined ? this.calleeOffers?.state === 'stable' : this.acceptCalleeSdp(body);
      if (!usable) {
        // RFC 3261 §13.2.2.4: the leg ACKs and BYEs a 2xx we do not take; the step fails with it.
        this.log(`B-leg ${leg.id}: answer without usable SDP, dropped`);
        this.stepFailures.push('rejected');
        if (!this.legs.ringing(this.stepIndex, leg))
          this.stepFailed(combineFailures(this.stepFailures));
        return false;
      }
    }
    this.timers.clear('step');
    this.fsm.transition('answered');
    this.winner = leg;
    this.legs.cancel(undefined, leg);
    this.calleeSide = side;
    if (this.legMedia === 'passthrough') {
      const ok = this.callerLeg.respond(200, 'OK', contentOf(response));
      this.newCallerSide().awaitAck(this.callerLeg.seq, this.invite, ok, (ack) => {
        const content = contentOf(ack);
        leg.acknowledge(content.body, content.contentType);
      });
    } else {
      this.calleeMediaHere = true;
      this.media?.bridge();
      if (this.legMedia === 'anchored') this.answerRelayedCaller();
    }
    this.log(`answered by ${leg.target}`);
    this.events.answered?.(this, leg.target);
    // Our offer was in our INVITE and its answer in this 2xx: the ACK goes now, empty.
    return this.legMedia === 'passthrough' ? true : 'acknowledge';
  }

  /** A relayed call is answered: 200 to the caller with our SDP (an offer when it made none). */
  private answerRelayedCaller(): void {
    const sdp = this.callerOffers?.local ?? null;
    if (sdp === null) throw new Error('a relayed caller has our SDP before the answer');
    this.okCallerWithSdp(sdp, () => undefined);
  }

  private legFailed(leg: BLeg, failure: StepFailure): void {
    if (!this.current(leg)) return;
    this.stepFailures.push(failure);
    if (!this.legs.ringing(this.stepIndex)) this.stepFailed(combineFailures(this.stepFailures));
  }

  private legEnded(leg: BLeg): void {
    this.legs.delete(leg);
    if (leg === this.winner && this.state === 'answered') {
      // Only a leg whose BYE we answered ends while answered; hangUp runs right after.
      return;
    }
    this.maybeReleased();
  }

  // -------------------------------------------------------------------------------------------
  // The caller's side

  /** The caller's INVITE transaction failed under us: nobody is left to connect. */
  private callerLost(why: string): void {
    this.log(`caller lost: ${why}`);
    this.held.answered(this.invite);
    if (this.state === 'routing' || this.state === 'ringing') {
      this.rejectCaller({ status: 500, reason: 'Server Internal Error' }, 'failed');
    }
  }

  private fromCaller(dialog: Dialog, request: SipRequest, tx: ServerTx | null): void {
    const side = this.callerSide;
    if (request.method === 'ACK') {
      side?.receiveAck(request);
      return;
    }
    if (tx === null) return;
    if (!this.checkOrder(dialog, request, tx)) return;
    if (request.method === 'BYE') {
      this.reply(tx, 200, 'OK');
      if (side !== null && this.live()) {
        dialog.terminate();
        this.hangUp('caller');
      } else if (this.unanswered()) {
        // RFC 3261 §15.1.2: the caller may BYE an early dialog; its INVITE gets 487.
        this.rejectCaller({ status: 487, reason: 'Request Terminated' }, 'cancelled');
      }
      return;
    }
    if (side === null || !this.live()) {
      notYet(this.signaling, tx);
      return;
    }
    const callee = this.state === 'answered' ? this.calleeSide : null;
    if (this.callerMediaHere && isOfferCarrier(request.method)) {
      answerOffer(this.offerHost, side, this.offersOf('caller'), callee, request, tx);
    } else if (callee !== null) {
      this.relays.relay(side, callee, request, tx);
    } else {
      answerAlone(this.signaling, request, tx);
    }
  }

  private fromCallee(leg: BLeg, dialog: Dialog, request: SipRequest, tx: ServerTx | null): void {
    const side = this.calleeSide;
    const joined =
      this.state === 'answered' && leg === this.winner && side !== null && dialog === side.dialog;
    if (request.method === 'ACK') {
      if (joined) side.receiveAck(request);
      return;
    }
    if (tx === null) return;
    if (!this.checkOrder(dialog, request, tx)) return;
    if (request.method === 'BYE') {
      this.reply(tx, 200, 'OK');
      if (joined) {
        leg.remoteHangUp();
        this.hangUp('callee');
      }
      return;
    }
    if (!joined) {
      notYet(this.signaling, tx);
      return;
    }
    const caller = this.callerSide;
    if (this.calleeMediaHere && isOfferCarrier(request.method)) {
      answerOffer(this.offerHost, side, this.offersOf('callee'), caller, request, tx);
    } else if (caller !== null) {
      this.relays.relay(side, caller, request, tx);
    }
  }

  /** RFC 3261 §12.2.2 for a request received in a dialog; false when it was answered here. */
  private checkOrder(dialog: Dialog, request: SipRequest, tx: ServerTx): boolean {
    const refused = checkInDialog(dialog, request);
    if (refused !== null) this.reply(tx, refused.status, refused.reason);
    return refused === null;
  }

  private reply(
    tx: ServerTx,
    status: number,
    reason: string,
    headers: readonly (readonly [string, string])[] = [],
  ): void {
    reply(this.signaling, tx, status, reason, headers);
  }

  // -------------------------------------------------------------------------------------------
  // The answered call: relaying, ACKs, hanging up

  /**
   * End a call whose caller has our 2xx: BYE to whichever side did not hang up (both when the PBX
   * does), CANCEL to legs still ringing. `end`: the outcome when it is not a bridged call's.
   */
  private hangUp(by: 'caller' | 'callee' | 'pbx', end?: CallEnd): void {
    const caller = this.callerSide;
    if (caller === null || !this.live()) return;
    for (const side of [caller, this.calleeSide]) side?.stopAwaitingAck();
    this.timers.clear('step');
    this.relays.terminate();
    this.finish(end ?? this.answeredEnd());
    this.legs.cancel();
    if (by !== 'callee') this.winner?.hangUp();
    if (by !== 'caller') this.byeCaller(caller.dialog);
    this.maybeReleased();
  }

  /** How an answered call ended: bridged to whoever answered, or taken by the PBX's voice. */
  private answeredEnd(): CallEnd {
    if (this.winner !== null) {
      return { outcome: 'answered', status: 200, answeredBy: this.winner.target };
    }
    if (this.state === 'voicemail') return { outcome: 'voicemail', status: 200, answeredBy: null };
    // Hung up during a prompt or while the bounce rang: nobody was reached.
    return { outcome: 'cancelled', status: 200, answeredBy: null };
  }

  private byeCaller(dialog: Dialog): void {
    const done = (): void => {
      if (dialog.state !== 'terminated') dialog.terminate();
    };
    this.held.send(dialog.createRequest('BYE'), this.invite.source, {
      onResponse: (r) => {
        if (r.status >= 200) done();
      },
      onTimeout: done,
      onTransportError: done,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Ending and releasing

  /** Before the answer: the caller's final response, CANCEL to every leg. */
  private rejectCaller(final: FinalResponse, outcome: CallOutcome): void {
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
    this.onCallerReady = null;
    this.fsm.transition('releasing');
    this.events.ended?.(this, end);
    const media = this.media;
    if (media === null) {
      this.mediaReleased = true;
      return;
    }
    // The voicemail service closes its recording first; the sessions close after it.
    const releasing = media.release();
    if (media.empty) {
      // Nothing was ever opened (a call between phones): released now, not a turn later.
      this.mediaReleased = true;
      return;
    }
    releasing.then(
      () => {
        this.mediaReleased = true;
        this.maybeReleased();
      },
      (error: unknown) => {
        this.log(`media release failed: ${error instanceof Error ? error.message : String(error)}`);
        this.mediaReleased = true;
        this.maybeReleased();
      },
    );
  }

  private maybeReleased(): void {
    if (this.state !== 'releasing') return;
    if (this.legs.size > 0 || !this.held.empty) return;
    // The voicemail driver's timer is cleared by its own release, which may still be running.
    if (!this.mediaReleased) return;
    this.timers.clearAll();
    this.callerLeg.endDialog();
    this.callerSide = null;
    this.calleeSide = null;
    this.winner = null;
    this.link.session = null;
    this.relays.release();
    this.held.release();
    this.fsm.transition('ended');
    this.events.released?.(this);
  }

  /** The caller's INVITE transaction holds these until the ACK, possibly after the release. */
  private static callerHandlers(link: SessionLink): ServerTx['user'] {
    return {
      onTransportError: (e) => link.session?.callerLost(`transport error: ${e.message}`),
    };
  }
}
