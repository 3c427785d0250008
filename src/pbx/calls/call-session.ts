/**
 * One call through the PBX, as a back-to-back user agent (design §5, §7): the A-leg (the caller's
 * INVITE server transaction and the dialog we hold with the caller) and every B-leg the plan
 * starts. The session owns all of it — transactions, dialogs, timers — and releases all of it when
 * the call ends, whatever the path; `holdings()` says what it still holds.
 *
 * Call states:
 *
 *   routing ──► ringing ──► answered ──► releasing ──► ended
 *      ▲           │                        ▲
 *      └───────────┘ (a step failed)        │
 *   routing, ringing ───────────────────────┘ (busy, cancelled, plan exhausted, error)
 *
 * `releasing`: the outcome is decided and told; BYEs, CANCELs and relayed requests are still in
 * flight. `ended`: nothing is held.
 *
 * Decisions:
 * - Plan (design §4): `ring` forks one B-leg per registered contact of each extension (the
 *   caller's own extension is skipped: a phone never rings for its own call); the step timer is
 *   the step timeout; the first 2xx wins and the other legs are CANCELled. `dial` goes through the
 *   TrunkDialler; `timeout: null` arms no timer. `busy` answers 486. `announce` and `voicemail`
 *   need the media layer, which does not exist yet: the call ends with 480 and a log line.
 * - Final responses when the plan runs out: see outcome.ts (the last step's failure decides).
 * - Early media: the first provisional response carrying SDP is relayed to the caller with its
 *   SDP, once per call: without reliable provisionals (RFC 3262) a second early answer in the same
 *   early dialog would not be a valid offer/answer exchange. Other 1xx give one 180 Ringing.
 * - Glare between legs: a 2xx that arrives after another leg won, or after our CANCEL crossed it,
 *   is acknowledged and BYE'd at once (RFC 3261 §13.2.2.4). A late 2xx from a leg of a step that
 *   timed out is dropped the same way: the call has moved on.
 * - The winner's 2xx is acknowledged only when the caller acknowledges ours, with the caller's ACK
 *   body: that is what makes a late offer (offer in the 2xx, answer in the ACK) work end to end.
 * - Our 2xx to an INVITE (initial or re-INVITE) is retransmitted from T1, doubling up to T2,
 *   until its ACK comes (RFC 3261 §13.3.1.4); after 64*T1 without ACK the call is ended with BYEs.
 * - In-dialog requests after the answer (re-INVITE, UPDATE, INFO, OPTIONS, MESSAGE) are relayed
 *   to the other leg through that leg's own dialog (its own CSeq), the answer relayed back. An
 *   INVITE arriving while either leg has one in progress gets 491 (RFC 3261 §14.2). Other methods
 *   (REFER, SUBSCRIBE…) get 501 until transfer is built. Before the answer, the caller's BYE ends
 *   the call like a CANCEL (RFC 3261 §15.1.2) and any other in-dialog request gets 500 with
 *   Retry-After (§14.2).
 * - Max-Forwards is decremented on every request we send on behalf of a leg; 0 gets 483.
 */
import { randomBytes } from 'node:crypto';
import type { Caller, Decision, Step } from '../../domain/types.js';
import { StateMachine } from '../../sip/transaction/state.js';
import { buildReply, createTag } from '../../sip/transport/reply.js';
import { createUasDialog, isTargetRefresh } from '../../sip/dialog/index.js';
import type { Dialog } from '../../sip/dialog/index.js';
import {
  Headers,
  createRequest,
  getCSeq,
  getCallId,
  getContacts,
  getFrom,
  getMaxForwards,
} from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Scheduler } from '../../sip/timers.js';
import type { Destination } from '../../sip/transport/types.js';
import { BLeg } from './b-leg.js';
import type { LegContext, LegEvents } from './b-leg.js';
import { internalPresentation, trunkPresentation } from './identity.js';
import type { Presentation } from './identity.js';
import { BUSY_HERE, TEMPORARILY_UNAVAILABLE, combineFailures, planExhausted } from './outcome.js';
import type { CallOutcome, FinalResponse, StepFailure } from './outcome.js';
import { OwnedTimers } from './owned-timers.js';
import type {
  ClientTx,
  Locator,
  ResponseHandlers,
  ServerTx,
  Signaling,
  TrunkDialler,
} from './ports.js';

export type CallState = 'routing' | 'ringing' | 'answered' | 'releasing' | 'ended';

const TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  routing: ['ringing', 'releasing'],
  ringing: ['routing', 'answered', 'releasing'],
  answered: ['releasing'],
  releasing: ['ended'],
  ended: [],
};

/** Methods relayed between the legs of an answered call. */
const RELAYED = new Set(['INVITE', 'UPDATE', 'INFO', 'OPTIONS', 'MESSAGE']);
const ALLOW = 'INVITE, ACK, CANCEL, BYE, UPDATE, INFO, OPTIONS, MESSAGE';
/** Request headers that mean something to the far end and pass through a relay. */
const REQUEST_PASS = ['Content-Disposition', 'Info-Package', 'Reason'];
/** Response headers that pass back through a relay. */
const RESPONSE_PASS = ['Content-Disposition', 'Retry-After', 'Allow', 'Warning'];

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
}

export interface CallHoldings {
  serverTransactions: number;
  clientTransactions: number;
  timers: number;
  legs: number;
  dialogs: number;
  /** 2xx responses we retransmit until their ACK. */
  pendingAcks: number;
}

/** A 2xx to an INVITE we sent and retransmit until its ACK (RFC 3261 §13.3.1.4). */
interface AckWait {
  seq: number;
  tx: ServerTx;
  response: SipResponse;
  interval: number;
  elapsed: number;
  onAck(ack: SipRequest): void;
}

/** One end of the answered call, as seen by the relay. */
interface Side {
  readonly name: 'caller' | 'callee';
  readonly dialog: Dialog;
  readonly destination: Destination;
  /** An INVITE transaction in progress on this dialog, either way (RFC 3261 §14.1, §14.2). */
  inviteBusy: boolean;
  ackWait: AckWait | null;
}

/** An in-dialog request relayed to the other leg, until its final response is relayed back. */
interface Relay {
  request: SipRequest;
  tx: ServerTx;
  answered: boolean;
  /** The ACK we sent for the other leg's 2xx, resent if that 2xx is retransmitted. */
  ack: SipRequest | null;
}

function contentOf(m: SipRequest | SipResponse): { body?: Buffer; contentType?: string } {
  if (m.body.length === 0) return {};
  const contentType = m.headers.get('Content-Type');
  return contentType === undefined ? { body: m.body } : { body: m.body, contentType };
}

function copyHeaders(from: SipRequest | SipResponse, names: readonly string[]): [string, string][] {
  return names.flatMap((name) => from.headers.getAll(name).map((v): [string, string] => [name, v]));
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
  private readonly aTag = createTag();
  private readonly legs = new Map<string, BLeg>();
  private readonly clientTxs = new Set<ClientTx>();
  private readonly serverTxs = new Set<ServerTx>();
  private readonly relays = new Set<Relay>();
  private readonly legContext: LegContext;
  private readonly legEvents: LegEvents;
  private aDialog: Dialog | null = null;
  private sides: { caller: Side; callee: Side } | null = null;
  private winner: BLeg | null = null;
  private stepIndex = -1;
  private stepFailures: StepFailure[] = [];
  private lastFailure: StepFailure | null = null;
  private legCount = 0;
  private maxForwards = 70;
  private ringingSent = false;
  private earlyMediaSent = false;
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
    this.timers = new OwnedTimers(options.scheduler);
    this.fsm = new StateMachine<CallState>(`call ${this.id}`, 'routing', TRANSITIONS);
    this.aCallId = getCallId(this.invite.request) ?? '';
    this.bCallId = `${randomBytes(12).toString('hex')}@${this.domain}`;
    this.serverTxs.add(this.invite);
    this.legContext = {
      signaling: this.signaling,
      timers: this.timers,
      t1: this.t1,
      send: (request, destination, handlers) => this.send(request, destination, handlers),
      forget: (tx) => this.forgetClient(tx),
      log: this.log,
    };
    this.legEvents = {
      provisional: (leg, response) => this.legProvisional(leg, response),
      answered: (leg, dialog, response) => this.legAnswered(leg, dialog, response),
      failed: (leg, failure) => this.legFailed(leg, failure),
      ended: (leg) => this.legEnded(leg),
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
    return [...this.legs.values()];
  }

  /** The B-leg that answered, while the call lasts. */
  get answeredLeg(): BLeg | null {
    return this.winner;
  }

  holdings(): CallHoldings {
    let dialogs = this.aDialog !== null && this.aDialog.state !== 'terminated' ? 1 : 0;
    for (const leg of this.legs.values()) dialogs += leg.dialogCount;
    const sides = this.sides === null ? [] : [this.sides.caller, this.sides.callee];
    return {
      serverTransactions: this.serverTxs.size,
      clientTransactions: this.clientTxs.size,
      timers: this.timers.size,
      legs: this.legs.size,
      dialogs,
      pendingAcks: sides.filter((s) => s.ackWait !== null).length,
    };
  }

  /** Run the plan. */
  start(): void {
    if (this.stepIndex !== -1) throw new Error(`call ${this.id} already started`);
    this.invite.user = {
      onTransportError: (e) => this.callerLost(`transport error: ${e.message}`),
    };
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
    this.nextStep();
  }

  /**
   * The caller's CANCEL, with its own server transaction (RFC 3261 §9.2): 200 to the CANCEL,
   * then, if the INVITE is still unanswered, 487 to it and a CANCEL to every B-leg.
   */
  cancel(cancelTx: ServerTx): void {
    this.signaling.respond(cancelTx, buildReply(cancelTx.request, 200, 'OK', this.aTag));
    if (this.state === 'routing' || this.state === 'ringing') {
      this.rejectCaller({ status: 487, reason: 'Request Terminated' }, 'cancelled');
    }
  }

  /** End the call at once, e.g. at shutdown: 503 to an unanswered caller, BYEs after the answer. */
  terminate(): void {
    if (this.state === 'routing' || this.state === 'ringing') {
      this.rejectCaller({ status: 503, reason: 'Service Unavailable' }, 'failed');
    } else if (this.state === 'answered') {
      this.hangUp('pbx');
    }
  }

  /**
   * An in-dialog request from either leg; `tx` is null for an ACK to a 2xx. False when it belongs
   * to none of this call's dialogs (the caller of this method then answers 481).
   */
  receiveRequest(request: SipRequest, tx: ServerTx | null): boolean {
    const callId = getCallId(request);
    if (callId === this.aCallId && this.aDialog?.matchesRequest(request) === true) {
      this.fromCaller(this.aDialog, request, tx);
      return true;
    }
    if (callId !== this.bCallId) return false;
    for (const leg of this.legs.values()) {
      const dialog = leg.dialogFor(request);
      if (dialog !== undefined) {
        this.fromCallee(leg, dialog, request, tx);
        return true;
      }
    }
    return false;
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
      this.rejectCaller(final, final.outcome);
      return;
    }
    switch (step.do) {
      case 'ring':
        this.ring(step);
        return;
      case 'dial':
        this.dial(step);
        return;
      case 'busy':
        this.rejectCaller(BUSY_HERE, 'busy');
        return;
      case 'announce':
      case 'voicemail':
        this.unavailableStep(step);
        return;
    }
  }

  private unavailableStep(step: Extract<Step, { do: 'announce' | 'voicemail' }>): void {
    this.log(
      step.do === 'voicemail'
        ? `voicemail step not available yet (mailbox ${step.mailbox}): ending with 480`
        : `announce step not available yet (prompt ${step.prompt}): ending with 480`,
    );
    this.rejectCaller(TEMPORARILY_UNAVAILABLE, 'unavailable');
  }

  private ring(step: Extract<Step, { do: 'ring' }>): void {
    const own = this.caller.kind === 'internal' ? this.caller.extension : null;
    const targets: { extension: string; uri: string; destination: Destination }[] = [];
    for (const extension of step.extensions) {
      if (extension === own) continue;
      const contacts = this.locator.contactsOf(extension);
      if (contacts.length === 0) this.log(`extension ${extension} is not registered: skipped`);
      for (const c of contacts) targets.push({ extension, ...c });
    }
    if (targets.length === 0) {
      this.stepFailed('unreachable');
      return;
    }
    const presentation = internalPresentation(this.caller, this.callerName, this.domain);
    this.fsm.transition('ringing');
    this.armStepTimer(step.timeout);
    // All legs exist before any starts: a leg failing at once must see its siblings still live.
    const legs = targets.map((t) =>
      this.createLeg(
        t.extension,
        t.uri,
        `<sip:${t.extension}@${this.domain}>`,
        t.destination,
        presentation,
        [],
      ),
    );
    for (const leg of legs) leg.start();
  }

  private dial(step: Extract<Step, { do: 'dial' }>): void {
    const route = this.trunks.dial(step.number, step.presentation, this.caller, this.callerName);
    if (route === null) {
      this.log(`no trunk for ${step.number}`);
      this.stepFailed('unreachable');
      return;
    }
    const presentation = trunkPresentation(this.caller, this.callerName, step.presentation, route);
    this.fsm.transition('ringing');
    this.armStepTimer(step.timeout);
    this.createLeg(
      step.number,
      route.requestUri,
      route.to,
      route.destination,
      presentation,
      route.headers ?? [],
    ).start();
  }

  private armStepTimer(seconds: number | null): void {
    if (seconds === null) return;
    this.timers.set('step', seconds * 1000, () => {
      this.log(`step ${this.stepIndex}: no answer after ${seconds} s`);
      for (const leg of this.legs.values()) if (leg.step === this.stepIndex) leg.cancel();
      this.stepFailed('no-answer');
    });
  }

  private stepFailed(failure: StepFailure): void {
    this.timers.clear('step');
    this.lastFailure = failure;
    if (this.state === 'ringing') this.fsm.transition('routing');
    this.nextStep();
  }

  private createLeg(
    target: string,
    uri: string,
    to: string,
    destination: Destination,
    presentation: Presentation,
    extra: readonly (readonly [string, string])[],
  ): BLeg {
    const h = new Headers();
    h.append('Max-Forwards', String(this.maxForwards));
    h.append('From', `${presentation.from};tag=${createTag()}`);
    h.append('To', to);
    h.append('Call-ID', this.bCallId);
    h.append('CSeq', '1 INVITE');
    h.append('Contact', `<${this.signaling.localContact(destination)}>`);
    h.append('Allow', ALLOW);
    for (const [name, value] of presentation.headers) h.append(name, value);
    for (const [name, value] of extra) h.append(name, value);
    const invite = createRequest('INVITE', uri, h);
    // The caller's offer goes to every callee unchanged (design §5: SDP passes through).
    const { body, contentType } = contentOf(this.invite.request);
    if (body !== undefined) {
      h.append('Content-Type', contentType ?? 'application/sdp');
      invite.body = body;
    }
    this.legCount++;
    const leg = new BLeg(
      `b${this.legCount}`,
      target,
      this.stepIndex,
      invite,
      destination,
      this.legContext,
      this.legEvents,
    );
    this.legs.set(leg.id, leg);
    return leg;
  }

  // -------------------------------------------------------------------------------------------
  // B-leg events

  private current(leg: BLeg): boolean {
    return this.state === 'ringing' && leg.step === this.stepIndex;
  }

  private legProvisional(leg: BLeg, response: SipResponse): void {
    if (!this.current(leg)) return;
    const content = contentOf(response);
    if (content.body !== undefined && !this.earlyMediaSent) {
      this.earlyMediaSent = true;
      this.ringingSent = true;
      this.respondToCaller(response.status, response.reason, content);
    } else if (!this.ringingSent) {
      this.ringingSent = true;
      this.respondToCaller(180, 'Ringing', {});
    }
  }

  private legAnswered(leg: BLeg, dialog: Dialog, response: SipResponse): boolean {
    if (!this.current(leg)) return false;
    this.timers.clear('step');
    this.fsm.transition('answered');
    this.winner = leg;
    for (const other of this.legs.values()) if (other !== leg) other.cancel();
    const ok = this.respondToCaller(200, 'OK', contentOf(response));
    const aDialog = this.aDialog;
    if (aDialog === null) throw new Error('the caller dialog exists once a 2xx is sent');
    this.sides = {
      caller: {
        name: 'caller',
        dialog: aDialog,
        destination: this.invite.source,
        inviteBusy: false,
        ackWait: null,
      },
      callee: {
        name: 'callee',
        dialog,
        destination: leg.destination,
        inviteBusy: false,
        ackWait: null,
      },
    };
    this.waitForAck(this.sides.caller, this.inviteSeq(), this.invite, ok, (ack) => {
      const content = contentOf(ack);
      leg.acknowledge(content.body, content.contentType);
    });
    this.log(`answered by ${leg.target}`);
    this.events.answered?.(this, leg.target);
    return true;
  }

  private legFailed(leg: BLeg, failure: StepFailure): void {
    if (!this.current(leg)) return;
    this.stepFailures.push(failure);
    const ringing = this.bLegs.some((l) => l.step === this.stepIndex && l.live);
    if (!ringing) this.stepFailed(combineFailures(this.stepFailures));
  }

  private legEnded(leg: BLeg): void {
    this.legs.delete(leg.id);
    if (leg === this.winner && this.state === 'answered') {
      // Only a leg whose BYE we answered ends while answered; hangUp runs right after.
      return;
    }
    this.maybeReleased();
  }

  // -------------------------------------------------------------------------------------------
  // The caller's side

  private inviteSeq(): number {
    return getCSeq(this.invite.request)?.seq ?? 0;
  }

  /**
   * A response to the caller's INVITE, with our To tag. RFC 3261 §12.1.1: responses that create
   * the dialog carry our Contact and the request's Record-Route.
   */
  private respondToCaller(
    status: number,
    reason: string,
    content: { body?: Buffer; contentType?: string },
  ): SipResponse {
    const request = this.invite.request;
    const response = buildReply(request, status, reason, this.aTag);
    const contact = this.signaling.localContact(this.invite.source);
    if (status > 100 && status < 300) {
      for (const rr of request.headers.getAll('Record-Route')) {
        response.headers.append('Record-Route', rr);
      }
      response.headers.append('Contact', `<${contact}>`);
      if (status >= 200) response.headers.append('Allow', ALLOW);
      if (this.aDialog === null) this.aDialog = createUasDialog(request, response, contact);
      else if (status >= 200) this.aDialog.confirm();
    }
    if (content.body !== undefined) {
      response.headers.append('Content-Type', content.contentType ?? 'application/sdp');
      response.body = content.body;
    }
    if (status >= 200) this.serverTxs.delete(this.invite);
    if (!this.invite.terminated) this.signaling.respond(this.invite, response);
    return response;
  }

  /** The caller's INVITE transaction failed under us: nobody is left to connect. */
  private callerLost(why: string): void {
    this.log(`caller lost: ${why}`);
    this.serverTxs.delete(this.invite);
    if (this.state === 'routing' || this.state === 'ringing') {
      this.rejectCaller({ status: 500, reason: 'Server Internal Error' }, 'failed');
    }
  }

  private fromCaller(dialog: Dialog, request: SipRequest, tx: ServerTx | null): void {
    const sides = this.sides;
    if (request.method === 'ACK') {
      if (sides !== null) this.receiveAck(sides.caller, request);
      return;
    }
    if (tx === null) return;
    if (!this.checkOrder(dialog, request, tx)) return;
    if (request.method === 'BYE') {
      this.reply(tx, 200, 'OK');
      if (this.state === 'answered') {
        dialog.terminate();
        this.hangUp('caller');
      } else if (this.state === 'routing' || this.state === 'ringing') {
        // RFC 3261 §15.1.2: the caller may BYE an early dialog; its INVITE gets 487.
        this.rejectCaller({ status: 487, reason: 'Request Terminated' }, 'cancelled');
      }
      return;
    }
    if (this.state === 'answered' && sides !== null) {
      this.relay(sides.caller, sides.callee, request, tx);
      return;
    }
    this.notYet(tx);
  }

  private fromCallee(leg: BLeg, dialog: Dialog, request: SipRequest, tx: ServerTx | null): void {
    const sides = this.sides;
    const joined = this.state === 'answered' && leg === this.winner && sides !== null;
    if (request.method === 'ACK') {
      if (joined && dialog === sides.callee.dialog) this.receiveAck(sides.callee, request);
      return;
    }
    if (tx === null) return;
    if (!this.checkOrder(dialog, request, tx)) return;
    if (request.method === 'BYE') {
      this.reply(tx, 200, 'OK');
      if (joined && dialog === sides.callee.dialog) {
        leg.remoteHangUp();
        this.hangUp('callee');
      }
      return;
    }
    if (joined && dialog === sides.callee.dialog) {
      this.relay(sides.callee, sides.caller, request, tx);
      return;
    }
    this.notYet(tx);
  }

  /**
   * RFC 3261 §12.2.2 for requests received in a dialog. A BYE on a dialog we already ended
   * crossed ours and gets 200; anything else there gets 481.
   */
  private checkOrder(dialog: Dialog, request: SipRequest, tx: ServerTx): boolean {
    if (dialog.state === 'terminated') {
      if (request.method === 'BYE') this.reply(tx, 200, 'OK');
      else this.reply(tx, 481, 'Call/Transaction Does Not Exist');
      return false;
    }
    const check = dialog.receiveRequest(request);
    if (!check.ok) this.reply(tx, check.status, check.reason);
    return check.ok;
  }

  /** RFC 3261 §14.2: not before the call is answered; retry in a few seconds. */
  private notYet(tx: ServerTx): void {
    const retry = 1 + Math.floor(Math.random() * 10);
    this.reply(tx, 500, 'Server Internal Error', [['Retry-After', String(retry)]]);
  }

  private reply(
    tx: ServerTx,
    status: number,
    reason: string,
    headers: readonly (readonly [string, string])[] = [],
  ): void {
    const response = buildReply(tx.request, status, reason);
    for (const [name, value] of headers) response.headers.append(name, value);
    this.signaling.respond(tx, response);
  }

  // -------------------------------------------------------------------------------------------
  // The answered call: relaying, ACKs, hanging up

  private relay(from: Side, to: Side, request: SipRequest, tx: ServerTx): void {
    const method = request.method;
    if (!RELAYED.has(method)) {
      this.reply(tx, 501, 'Not Implemented', [['Allow', ALLOW]]);
      return;
    }
    const maxForwards = getMaxForwards(request) ?? 70;
    if (maxForwards === 0) {
      this.reply(tx, 483, 'Too Many Hops');
      return;
    }
    const invite = method === 'INVITE';
    const busy = (s: Side): boolean => s.inviteBusy || s.ackWait !== null;
    if (invite && (busy(from) || busy(to))) {
      // RFC 3261 §14.2: one INVITE at a time per dialog; the UAC retries after a random wait.
      this.reply(tx, 491, 'Request Pending');
      return;
    }
    const out = to.dialog.createRequest(method, {
      ...contentOf(request),
      maxForwards: maxForwards - 1,
      headers: copyHeaders(request, REQUEST_PASS),
    });
    const outSeq = getCSeq(out)?.seq ?? 0;
    const relay: Relay = { request, tx, answered: false, ack: null };
    this.relays.add(relay);
    this.serverTxs.add(tx);
    if (invite) {
      from.inviteBusy = true;
      to.inviteBusy = true;
    }
    const settle = (): void => {
      from.inviteBusy = false;
      to.inviteBusy = false;
    };
    this.send(out, to.destination, {
      onResponse: (r) => {
        if (r.status < 200) return;
        const success = r.status < 300;
        if (invite && !success) settle();
        if (relay.answered) {
          // RFC 3261 §13.2.2.4: every 2xx to our INVITE is acknowledged, even after the call ended.
          if (invite && success) this.ackLate(relay, to, outSeq);
          return;
        }
        if (success && isTargetRefresh(method)) {
          to.dialog.refreshTarget(r);
          from.dialog.refreshTarget(request);
        }
        const response = buildReply(request, r.status, r.reason);
        for (const [name, value] of copyHeaders(r, RESPONSE_PASS)) {
          response.headers.append(name, value);
        }
        if (success && isTargetRefresh(method)) {
          response.headers.append('Contact', `<${from.dialog.localContact}>`);
        }
        const content = contentOf(r);
        if (content.body !== undefined) {
          response.headers.append('Content-Type', content.contentType ?? 'application/sdp');
          response.body = content.body;
        }
        this.answerRelay(relay, response);
        if (invite && success) {
          this.waitForAck(from, getCSeq(request)?.seq ?? 0, tx, response, (ack) => {
            settle();
            relay.ack = to.dialog.createAck(outSeq, contentOf(ack));
            this.signaling.sendAck(relay.ack, to.destination);
          });
        }
      },
      onTimeout: () => {
        if (invite) settle();
        if (!relay.answered) this.answerRelay(relay, buildReply(request, 408, 'Request Timeout'));
      },
      onTransportError: () => {
        if (invite) settle();
        if (!relay.answered) {
          this.answerRelay(relay, buildReply(request, 503, 'Service Unavailable'));
        }
      },
    });
  }

  private ackLate(relay: Relay, to: Side, outSeq: number): void {
    if (relay.ack === null && to.dialog.state !== 'terminated') {
      relay.ack = to.dialog.createAck(outSeq);
    }
    if (relay.ack !== null) this.signaling.sendAck(relay.ack, to.destination);
  }

  private answerRelay(relay: Relay, response: SipResponse): void {
    relay.answered = true;
    this.relays.delete(relay);
    this.serverTxs.delete(relay.tx);
    this.signaling.respond(relay.tx, response);
    this.maybeReleased();
  }

  /** RFC 3261 §13.3.1.4: retransmit our 2xx from T1, doubling up to T2, until the ACK. */
  private waitForAck(
    side: Side,
    seq: number,
    tx: ServerTx,
    response: SipResponse,
    onAck: (ack: SipRequest) => void,
  ): void {
    side.ackWait = { seq, tx, response, interval: this.t1, elapsed: 0, onAck };
    this.armAckTimer(side);
  }

  private armAckTimer(side: Side): void {
    const wait = side.ackWait;
    if (wait === null) return;
    this.timers.set(`ack:${side.name}`, wait.interval, () => {
      wait.elapsed += wait.interval;
      if (wait.elapsed >= 64 * this.t1) {
        // RFC 3261 §13.3.1.4: no ACK after 64*T1: the session SHOULD be terminated.
        this.log(`no ACK from the ${side.name}: hanging up`);
        side.ackWait = null;
        this.hangUp('pbx');
        return;
      }
      this.signaling.respond(wait.tx, wait.response);
      wait.interval = Math.min(2 * wait.interval, this.t2);
      this.armAckTimer(side);
    });
  }

  private receiveAck(side: Side, ack: SipRequest): void {
    const wait = side.ackWait;
    if (wait === null || getCSeq(ack)?.seq !== wait.seq) return;
    this.timers.clear(`ack:${side.name}`);
    side.ackWait = null;
    wait.onAck(ack);
  }

  /** End an answered call: BYE to whichever side did not hang up (both when the PBX does). */
  private hangUp(by: 'caller' | 'callee' | 'pbx'): void {
    const sides = this.sides;
    if (sides === null || this.state !== 'answered') return;
    for (const side of [sides.caller, sides.callee]) {
      this.timers.clear(`ack:${side.name}`);
      side.ackWait = null;
    }
    // RFC 3261 §15.1.2: requests pending in the dialog when it ends get 487.
    for (const relay of [...this.relays]) {
      this.answerRelay(relay, buildReply(relay.request, 487, 'Request Terminated'));
    }
    this.finish({ outcome: 'answered', status: 200, answeredBy: this.winner?.target ?? null });
    if (by !== 'callee') this.winner?.hangUp();
    if (by !== 'caller') this.byeCaller(sides.caller.dialog);
    this.maybeReleased();
  }

  private byeCaller(dialog: Dialog): void {
    const done = (): void => {
      if (dialog.state !== 'terminated') dialog.terminate();
    };
    this.send(dialog.createRequest('BYE'), this.invite.source, {
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
    if (this.serverTxs.has(this.invite)) this.respondToCaller(final.status, final.reason, {});
    if (this.aDialog !== null && this.aDialog.state !== 'terminated') this.aDialog.terminate();
    for (const leg of this.legs.values()) leg.cancel();
    this.log(`ended before answer: ${final.status} ${final.reason} (${outcome})`);
    this.finish({ outcome, status: final.status, answeredBy: null });
    this.maybeReleased();
  }

  private finish(end: CallEnd): void {
    this.end = end;
    this.fsm.transition('releasing');
    this.events.ended?.(this, end);
  }

  private maybeReleased(): void {
    if (this.state !== 'releasing') return;
    if (this.legs.size > 0 || this.clientTxs.size > 0 || this.serverTxs.size > 0) return;
    this.timers.clearAll();
    if (this.aDialog !== null && this.aDialog.state !== 'terminated') this.aDialog.terminate();
    this.sides = null;
    this.winner = null;
    this.fsm.transition('ended');
    this.events.released?.(this);
  }

  /** A client transaction counted until its final response, timeout or transport error. */
  private send(
    request: SipRequest,
    destination: Destination,
    handlers: ResponseHandlers,
  ): ClientTx {
    let done = false;
    let tx: ClientTx | null = null;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (tx !== null) this.forgetClient(tx);
    };
    tx = this.signaling.sendRequest(request, destination, {
      onResponse: (r) => {
        if (r.status >= 200) finish();
        handlers.onResponse(r);
      },
      onTimeout: () => {
        finish();
        handlers.onTimeout();
      },
      onTransportError: (e) => {
        finish();
        handlers.onTransportError(e);
      },
    });
    if (!done) this.clientTxs.add(tx);
    return tx;
  }

  private forgetClient(tx: ClientTx): void {
    this.clientTxs.delete(tx);
    this.maybeReleased();
  }
}
