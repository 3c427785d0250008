/**
 * The user-agent mechanics of one INVITE dialog, on either side (RFC 3261 §13–§15), as SIP.js's
 * `SessionDialog` and sipgo's `DialogServerSession` keep them apart from the session's logic:
 *
 * - the dialog-forming response of a UAS (our Contact, the request's Record-Route, §12.1.1);
 * - as UAS, our 2xx to an INVITE retransmitted from T1, doubling up to T2, until its ACK; after
 *   64*T1 without one the owner is told, and SHOULD end the session (§13.3.1.4);
 * - as UAC, the ACK for a 2xx, sent again for each retransmission of that 2xx (§13.2.2.4);
 * - one INVITE at a time: a second one while another is in progress either way gets 491 (§14.2);
 * - the CSeq order of incoming requests (§12.2.2), and a BYE crossing ours answered 200.
 *
 * The timers are the owner's (named, counted and cleared with its other timers), so that ending
 * the owner ends them.
 */
import { getCSeq } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Destination } from '../transport/types.js';
import { createUasDialog } from './dialog.js';
import type { Dialog, InDialogRequestOptions } from './dialog.js';

/** Named timers of the owner: at most one per name, armed again by `set`. */
export interface DialogTimers {
  set(name: string, ms: number, fn: () => void): void;
  clear(name: string): void;
}

/** What a session dialog borrows from its owner. */
export interface SessionDialogHost<Tx> {
  readonly timers: DialogTimers;
  /** RFC 3261 Appendix A. */
  readonly t1: number;
  readonly t2: number;
  /** Send a response in (or, for a 2xx to an INVITE whose transaction ended, outside) `tx`. */
  respond(tx: Tx, response: SipResponse): void;
  sendAck(ack: SipRequest, destination: Destination): void;
  /** No ACK came for our 2xx within 64*T1. */
  ackTimedOut(dialog: SessionDialog<Tx>): void;
}

/** The answer to an in-dialog request that cannot be taken, or null when it can. */
export interface Refused {
  status: number;
  reason: string;
}

interface AckWait<Tx> {
  seq: number;
  tx: Tx;
  response: SipResponse;
  interval: number;
  elapsed: number;
  onAck(ack: SipRequest): void;
}

/**
 * The dialog-forming response of a UAS (RFC 3261 §12.1.1): `response` gets our Contact and the
 * request's Record-Route; its dialog is created by the first, confirmed by the 2xx. Returns the
 * dialog (unchanged for a response that forms none).
 */
export function formDialog(
  request: SipRequest,
  response: SipResponse,
  contact: string,
  dialog: Dialog | null,
): Dialog | null {
  const status = response.status;
  if (status <= 100 || status >= 300) return dialog;
  for (const rr of request.headers.getAll('Record-Route')) {
    response.headers.append('Record-Route', rr);
  }
  response.headers.append('Contact', `<${contact}>`);
  if (dialog === null) return createUasDialog(request, response, contact);
  if (status >= 200) dialog.confirm();
  return dialog;
}

/**
 * RFC 3261 §12.2.2 for a request received in `dialog`: null when it is to be handled, else the
 * answer. A BYE on a dialog already ended crossed ours and gets 200; anything else there 481.
 */
export function checkInDialog(dialog: Dialog, request: SipRequest): Refused | null {
  if (dialog.state === 'terminated') {
    return request.method === 'BYE'
      ? { status: 200, reason: 'OK' }
      : { status: 481, reason: 'Call/Transaction Does Not Exist' };
  }
  const check = dialog.receiveRequest(request);
  return check.ok ? null : { status: check.status, reason: check.reason };
}

export class SessionDialog<Tx> {
  private inviteBusy = false;
  private ackWait: AckWait<Tx> | null = null;
  private ack: SipRequest | null = null;

  constructor(
    /** Names the timers and the log lines: `caller`, `callee`. */
    readonly name: string,
    readonly dialog: Dialog,
    readonly destination: Destination,
    private readonly host: SessionDialogHost<Tx>,
  ) {}

  /** An INVITE transaction is in progress on this dialog, either way (§14.1, §14.2). */
  get inviteInProgress(): boolean {
    return this.inviteBusy || this.ackWait !== null;
  }

  /** Our 2xx waits for its ACK. */
  get awaitingAck(): boolean {
    return this.ackWait !== null;
  }

  /** An INVITE starts or ends on this dialog, sent or received (the 491 rule). */
  setInviteBusy(busy: boolean): void {
    this.inviteBusy = busy;
  }

  /** RFC 3261 §13.3.1.4: send `response`, a 2xx to the INVITE of CSeq `seq`, until its ACK. */
  awaitAck(seq: number, tx: Tx, response: SipResponse, onAck: (ack: SipRequest) => void): void {
    this.ackWait = { seq, tx, response, interval: this.host.t1, elapsed: 0, onAck };
    this.armAckTimer();
  }

  /** An ACK in this dialog: the one we wait for stops the retransmissions. */
  receiveAck(ack: SipRequest): void {
    const wait = this.ackWait;
    if (wait === null || getCSeq(ack)?.seq !== wait.seq) return;
    this.stopAwaitingAck();
    wait.onAck(ack);
  }

  /** Stop retransmitting our 2xx (the session ends). */
  stopAwaitingAck(): void {
    this.host.timers.clear(this.timerName());
    this.ackWait = null;
  }

  /**
   * As UAC: the ACK for the 2xx to our INVITE of CSeq `seq` (RFC 3261 §13.2.2.4), sent once;
   * `resendAck` repeats it for each retransmission of that 2xx.
   */
  acknowledge(seq: number, options: InDialogRequestOptions = {}): SipRequest {
    this.ack ??= this.dialog.createAck(seq, options);
    this.host.sendAck(this.ack, this.destination);
    return this.ack;
  }

  get acknowledged(): boolean {
    return this.ack !== null;
  }

  /** A retransmitted 2xx gets the same ACK again; false when none was sent yet. */
  resendAck(): boolean {
    if (this.ack === null) return false;
    this.host.sendAck(this.ack, this.destination);
    return true;
  }

  private timerName(): string {
    return `ack:${this.name}`;
  }

  private armAckTimer(): void {
    const wait = this.ackWait;
    if (wait === null) return;
    this.host.timers.set(this.timerName(), wait.interval, () => {
      wait.elapsed += wait.interval;
      if (wait.elapsed >= 64 * this.host.t1) {
        this.ackWait = null;
        this.host.ackTimedOut(this);
        return;
      }
      this.host.respond(wait.tx, wait.response);
      wait.interval = Math.min(2 * wait.interval, this.host.t2);
      this.armAckTimer();
    });
  }
}
