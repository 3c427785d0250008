/**
 * One B-leg of a call: the INVITE the PBX sends to one device or trunk, its client transaction,
 * the dialogs its responses create (a fork downstream may make several) and, when it wins, the
 * dialog joined to the caller. An explicit state machine:
 *
 *   calling ──► early ──► answered ──► releasing ──► ended
 *      │          │           └───────────────────────►│   (the callee hung up)
 *      └──────────┴──► cancelling ──► releasing ──► ended   (a 2xx crossed our CANCEL)
 *      (any state before answered) ──────────────────► ended (final response, timeout, error)
 *
 * `releasing` waits for the BYEs the leg sent; `ended` holds nothing.
 *
 * The INVITE's client transaction outlives the leg: after a 2xx it stays in Accepted for Timer M
 * (RFC 6026 §7.2) and still passes 2xx responses on. Its callbacks reach the leg only through a
 * `LegLink`, emptied when the leg ends; from then on `LateAnswers` acknowledges what arrives, and
 * the leg and its call can be collected.
 */
import { StateMachine } from '../../shared/state-machine.js';
import { buildCancel } from '../../sip/transaction/requests.js';
import { DialogSet, SessionDialog, createUacDialog } from '../../sip/dialog/index.js';
import type { Dialog, SessionDialogHost } from '../../sip/dialog/index.js';
import { getCSeq, getTo } from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Destination } from '../../sip/transport/types.js';
import { LateAnswers } from './late-answers.js';
import { failureOfStatus } from './outcome.js';
import type { StepFailure } from './outcome.js';
import type { OwnedTimers } from './owned-timers.js';
import type { ClientTx, ResponseHandlers, ServerTx, Signaling } from './ports.js';

export type LegState = 'calling' | 'early' | 'cancelling' | 'answered' | 'releasing' | 'ended';

const TRANSITIONS: Readonly<Record<LegState, readonly LegState[]>> = {
  calling: ['early', 'cancelling', 'answered', 'releasing', 'ended'],
  early: ['cancelling', 'answered', 'releasing', 'ended'],
  cancelling: ['releasing', 'ended'],
  answered: ['releasing', 'ended'],
  releasing: ['ended'],
  ended: [],
};

/** What a leg borrows from its call: everything it creates is counted there. */
export interface LegContext {
  readonly signaling: Signaling;
  readonly timers: OwnedTimers;
  readonly t1: number;
  /** Send in a client transaction the call keeps until its final response. */
  send(request: SipRequest, destination: Destination, handlers: ResponseHandlers): ClientTx;
  /** The call stops counting a transaction the leg gave up on. */
  forget(tx: ClientTx): void;
  log(message: string): void;
  /** The call's UA mechanics for the dialog this leg wins (its timers, its ACK timeout). */
  dialogHost(): SessionDialogHost<ServerTx>;
}

/** What the leg tells its call. */
export interface LegEvents {
  /** A 1xx other than 100 while the leg is live. */
  provisional(leg: BLeg, response: SipResponse): void;
  /**
   * A 2xx while the leg is live: true if the call takes it (the ACK waits for `acknowledge`),
   * `acknowledge` to take it and ACK at once (the PBX made the offer), false to drop it (ACK + BYE).
   */
  answered(
    leg: BLeg,
    session: SessionDialog<ServerTx>,
    response: SipResponse,
  ): boolean | 'acknowledge';
  /** A live leg failed: final non-2xx, Timer B or transport error. */
  failed(leg: BLeg, failure: StepFailure, status: number | null): void;
  /** The leg holds nothing any more. */
  ended(leg: BLeg): void;
}

/** What the INVITE transaction's callbacks hold: the leg until it ends, then its late answers. */
interface LegLink {
  leg: BLeg | null;
  readonly late: LateAnswers;
}

export class BLeg {
  private link: LegLink | null = null;
  private readonly fsm: StateMachine<LegState>;
  private readonly dialogs = new DialogSet();
  private inviteTx: ClientTx | null = null;
  private winner: SessionDialog<ServerTx> | null = null;
  private provisionalSeen = false;
  private cancelSent = false;
  private byes = 0;
  private started = false;

  constructor(
    readonly id: string,
    /** Who this leg calls: an extension number or a dialled E.164 number. */
    readonly target: string,
    /** The plan step that started it. */
    readonly step: number,
    readonly invite: SipRequest,
    readonly destination: Destination,
    private readonly ctx: LegContext,
    private readonly events: LegEvents,
  ) {
    this.fsm = new StateMachine<LegState>(`B-leg ${id}`, 'calling', TRANSITIONS);
  }

  get state(): LegState {
    return this.fsm.state;
  }

  /** Ringing or early: it may still answer for the step. */
  get live(): boolean {
    return this.state === 'calling' || this.state === 'early';
  }

  /** The dialog joined to the caller once this leg answered. */
  get dialog(): Dialog | null {
    return this.winner?.dialog ?? null;
  }

  get dialogCount(): number {
    return this.dialogs.size;
  }

  get holdsTransaction(): boolean {
    return this.inviteTx !== null;
  }

  /** This leg's dialog, early or answered, that `names` picks (a Replaces header's, RFC 3891). */
  dialogNamed(names: (dialog: Dialog) => boolean): Dialog | undefined {
    for (const dialog of this.dialogs) if (names(dialog)) return dialog;
    return undefined;
  }

  /** The call's dialogs on this leg, for in-dialog requests from the callee. */
  dialogFor(request: SipRequest): Dialog | undefined {
    return this.dialogs.forRequest(request);
  }

  start(): void {
    if (this.started || !this.live) return;
    this.started = true;
    const contact = this.ctx.signaling.localContact(this.destination);
    const late = new LateAnswers(this.invite, this.destination, this.ctx.signaling, contact);
    this.link = { leg: this, late };
    this.inviteTx = this.ctx.send(this.invite, this.destination, BLeg.inviteHandlers(this.link));
  }

  /**
   * Made outside any method of the leg, so that the closures capture the link alone (a closure
   * made in a method would share that method's context, and with it the leg).
   */
  private static inviteHandlers(link: LegLink): ResponseHandlers {
    return {
      onResponse: (r) => {
        if (link.leg === null) link.late.answer(r);
        else link.leg.onResponse(r);
      },
      onTimeout: () => link.leg?.onNoFinal(null, 'timeout'),
      onTransportError: (e) => link.leg?.onNoFinal(null, `transport error: ${e.message}`),
    };
  }

  /**
   * Stop ringing. RFC 3261 §9.1: the CANCEL waits for a provisional response; if the INVITE gets
   * no final response within 64*T1 of it, the INVITE transaction is given up.
   */
  cancel(): void {
    if (!this.live) return;
    if (!this.started) {
      // Never sent: nothing to cancel.
      this.end();
      return;
    }
    this.fsm.transition('cancelling');
    if (this.provisionalSeen) this.sendCancel();
    this.ctx.timers.set(this.timerName('cancel'), 64 * this.ctx.t1, () => {
      const tx = this.inviteTx;
      if (tx !== null) {
        tx.terminate();
        this.ctx.forget(tx);
        this.inviteTx = null;
      }
      this.ctx.log(`B-leg ${this.id}: no final response to CANCEL, given up`);
      this.endDialogs();
      this.end();
    });
  }

  /**
   * The caller's ACK for our 2xx arrived: acknowledge the callee's 2xx with it, carrying its body
   * when the offer was in the 2xx (RFC 3264 §4 late offer).
   */
  acknowledge(body?: Buffer, contentType?: string): void {
    if (this.winner === null || this.winner.acknowledged) return;
    const ack = this.winner.acknowledge(this.inviteSeq(), this.bodyOptions(body, contentType));
    this.link?.late.acked(this.winner.dialog.id.remoteTag, ack);
  }

  /** End an answered leg with a BYE (RFC 3261 §15.1.1). */
  hangUp(): void {
    if (this.state !== 'answered' || this.winner === null) return;
    // RFC 3261 §13.2.2.4: a 2xx is always acknowledged, even when the call ends before the caller did.
    this.acknowledge();
    this.fsm.transition('releasing');
    this.bye(this.winner.dialog);
  }

  /** The callee's BYE on the answered dialog, already answered by the call. */
  remoteHangUp(): void {
    if (this.state !== 'answered') return;
    this.endDialogs();
    this.end();
  }

  /** Holds nothing any more: what the INVITE transaction still passes on goes to LateAnswers. */
  private end(): void {
    this.fsm.transition('ended');
    if (this.link !== null) this.link.leg = null;
    this.events.ended(this);
  }

  private inviteSeq(): number {
    return getCSeq(this.invite)?.seq ?? 1;
  }

  private bodyOptions(
    body?: Buffer,
    contentType?: string,
  ): { body?: Buffer; contentType?: string } {
    if (body === undefined || body.length === 0) return {};
    return contentType === undefined ? { body } : { body, contentType };
  }

  private timerName(what: string): string {
    return `leg:${this.id}:${what}`;
  }

  private sendCancel(): void {
    if (this.cancelSent) return;
    this.cancelSent = true;
    const ignore = (): void => undefined;
    // RFC 3261 §9.1: the 487 (or a crossing 2xx) arrives on the INVITE transaction.
    this.ctx.send(buildCancel(this.invite), this.destination, {
      onResponse: ignore,
      onTimeout: ignore,
      onTransportError: ignore,
    });
  }

  private onResponse(response: SipResponse): void {
    const status = response.status;
    if (status < 200) {
      this.provisionalSeen = true;
      this.onProvisional(response);
      return;
    }
    if (status < 300) {
      this.onSuccess(response);
      return;
    }
    this.onNoFinal(status, `${status} ${response.reason}`);
  }

  private onProvisional(response: SipResponse): void {
    if (this.state === 'cancelling') {
      this.sendCancel();
      return;
    }
    if (!this.live || response.status === 100) return;
    if (getTo(response)?.tag !== undefined && this.dialogs.forResponse(response) === undefined) {
      this.dialogs.add(
        createUacDialog(this.invite, response, this.ctx.signaling.localContact(this.destination)),
      );
    }
    if (this.state === 'calling') this.fsm.transition('early');
    this.events.provisional(this, response);
  }

  private onSuccess(response: SipResponse): void {
    this.finishInvite();
    let dialog = this.dialogs.forResponse(response);
    if (dialog === undefined) {
      dialog = createUacDialog(
        this.invite,
        response,
        this.ctx.signaling.localContact(this.destination),
      );
      this.dialogs.add(dialog);
    } else if (dialog.state === 'early') {
      dialog.receiveInviteResponse(response);
    }
    if (dialog === this.winner?.dialog) {
      // RFC 3261 §13.2.2.4: a retransmitted 2xx gets the same ACK again.
      this.winner.resendAck();
      return;
    }
    const session = new SessionDialog('callee', dialog, this.destination, this.ctx.dialogHost());
    const taken = this.live ? this.events.answered(this, session, response) : false;
    if (taken !== false) {
      this.winner = session;
      this.fsm.transition('answered');
      // The early dialogs of other forks end with the INVITE transaction (RFC 3261 §12.3).
      for (const other of [...this.dialogs]) if (other !== dialog) this.dropDialog(other);
      if (taken === 'acknowledge') this.acknowledge();
      return;
    }
    // RFC 3261 §13.2.2.4: a 2xx nobody wants (the call went elsewhere, our CANCEL crossed it, or
    // another fork answered first) is acknowledged and then ended with a BYE.
    this.ctx.log(`B-leg ${this.id}: 2xx not taken, ACK and BYE`);
    const ack = dialog.createAck(this.inviteSeq());
    this.link?.late.acked(dialog.id.remoteTag, ack);
    this.ctx.signaling.sendAck(ack, this.destination);
    if (this.state !== 'answered' && this.state !== 'releasing') this.fsm.transition('releasing');
    this.bye(dialog);
  }

  private onNoFinal(status: number | null, why: string): void {
    this.finishInvite();
    if (this.state === 'ended' || this.state === 'answered' || this.state === 'releasing') return;
    const wasLive = this.live;
    this.endDialogs();
    this.fsm.transition('ended');
    if (this.link !== null) this.link.leg = null;
    if (wasLive) {
      this.ctx.log(`B-leg ${this.id} to ${this.target}: ${why}`);
      this.events.failed(this, failureOfStatus(status), status);
    }
    this.events.ended(this);
  }

  /** The INVITE transaction gave its final answer: stop counting it and the CANCEL guard. */
  private finishInvite(): void {
    this.ctx.timers.clear(this.timerName('cancel'));
    if (this.inviteTx !== null) {
      this.ctx.forget(this.inviteTx);
      this.inviteTx = null;
    }
  }

  private bye(dialog: Dialog): void {
    this.byes++;
    const done = (): void => {
      this.byes--;
      this.dropDialog(dialog);
      if (this.byes === 0 && this.state === 'releasing' && this.inviteTx === null) {
        this.endDialogs();
        this.end();
      }
    };
    this.ctx.send(dialog.createRequest('BYE'), this.destination, {
      onResponse: (r) => {
        if (r.status >= 200) done();
      },
      onTimeout: done,
      onTransportError: done,
    });
  }

  private dropDialog(dialog: Dialog): void {
    if (dialog.state !== 'terminated') dialog.terminate();
    this.dialogs.delete(dialog);
  }

  private endDialogs(): void {
    for (const dialog of [...this.dialogs]) this.dropDialog(dialog);
  }
}
