/** INVITE server transaction (RFC 3261 §17.2.1, with the Accepted state of RFC 6026 §7.1). */
import type { SipRequest, SipResponse } from '../message/index.js';
import { buildReply } from '../message/reply.js';
import type { Source } from '../transport/types.js';
import { TransactionBase } from './base.js';
import type { ServerTransactionUser, TransactionContext } from './types.js';

export type InviteServerState =
  'Init' | 'Proceeding' | 'Accepted' | 'Completed' | 'Confirmed' | 'Terminated';

const TRANSITIONS: Readonly<Record<InviteServerState, readonly InviteServerState[]>> = {
  Init: ['Proceeding', 'Terminated'],
  Proceeding: ['Accepted', 'Completed', 'Terminated'],
  Accepted: ['Terminated'],
  Completed: ['Confirmed', 'Terminated'],
  Confirmed: ['Terminated'],
  Terminated: [],
};

/** What the transaction did with an ACK. */
export type AckDisposition = 'absorbed' | 'toTu';

export class InviteServerTransaction extends TransactionBase<
  Exclude<InviteServerState, 'Terminated'>
> {
  readonly kind = 'inviteServer';
  /** Set by the TU to hear about Timer H and transport failures. */
  user: ServerTransactionUser = {};
  private lastProvisional: SipResponse | undefined;
  private lastFinal: SipResponse | undefined;
  /** A provisional response left: the client has stopped retransmitting (§17.1.1.2). */
  private provisionalSent = false;
  private readonly reliable: boolean;

  constructor(
    key: string,
    readonly request: SipRequest,
    readonly source: Source,
    ctx: TransactionContext,
  ) {
    super(key, ctx, 'INVITE server transaction', 'Init', TRANSITIONS);
    this.reliable = ctx.transport.isReliable(source.protocol);
  }

  /** The INVITE arrived: Init -> Proceeding. */
  start(): void {
    this.go('Proceeding');
    // RFC 3261 §17.2.1: 100 Trying unless the TU answers within 200 ms.
    this.arm('Trying', this.ctx.timers.trying, () => {
      if (this.state === 'Proceeding' && !this.lastProvisional) {
        this.sendProvisional(buildReply(this.request, 100, 'Trying'));
      }
    });
  }

  /** The TU's response. Throws InvalidTransitionError when the state does not allow it. */
  respond(response: SipResponse): void {
    const status = response.status;
    this.disarm('Trying');
    if (status < 200) {
      if (this.state !== 'Proceeding') this.fsm.transition('Proceeding');
      this.sendProvisional(response);
    } else if (status < 300) {
      if (this.state === 'Accepted') {
        // RFC 6026 §7.1: the TU's 2xx retransmissions pass through in Accepted.
        this.send(response);
        return;
      }
      this.go('Accepted');
      this.lastProvisional = undefined;
      // RFC 6026 §7.1: Timer L = 64*T1 keeps the transaction to absorb INVITE retransmissions.
      this.arm('L', 64 * this.ctx.timers.t1, () => this.go('Terminated'));
      this.send(response);
    } else {
      this.go('Completed');
      this.lastProvisional = undefined;
      this.lastFinal = response;
      const { t1 } = this.ctx.timers;
      // RFC 3261 §17.2.1: Timer G (unreliable only) from T1; Timer H = 64*T1 waits for the ACK.
      // But Timer G only covers a lost final response once the client has stopped retransmitting,
      // i.e. after a provisional one. Before that (an immediate 407, 403, 404…) the client still
      // retransmits its INVITE on Timer A (§17.1.1.2) and each retransmission gets the final
      // response again below, so Timer G would only multiply what a source that never ACKs
      // receives: 11 responses per spoofed INVITE, a reflection amplifier. One answer per INVITE
      // received bounds that at 1:1.
      if (!this.reliable && this.provisionalSent) this.armG(t1);
      this.arm('H', 64 * t1, () => {
        this.go('Terminated');
        this.tell(() => this.user.onTimeout?.());
      });
      this.send(response);
    }
  }

  /** A retransmission of the INVITE (RFC 3261 §17.2.1). */
  receiveRetransmission(): void {
    if (this.state === 'Proceeding' && this.lastProvisional) this.send(this.lastProvisional);
    else if (this.state === 'Completed' && this.lastFinal) this.send(this.lastFinal);
    // Accepted, Confirmed: absorbed (RFC 6026 §7.1, RFC 3261 §17.2.1).
  }

  /** An ACK matching this transaction (RFC 3261 §17.2.1, RFC 6026 §7.1). */
  receiveAck(): AckDisposition {
    if (this.state === 'Accepted') {
      // RFC 3261 §13.3.1.4: the ACK ends the TU's 2xx retransmissions, so no send through this
      // transaction is left that could fail: its callbacks (the call) need not be kept for Timer L.
      this.user = {};
      return 'toTu';
    }
    if (this.state === 'Completed') {
      this.disarm('G');
      this.disarm('H');
      this.go('Confirmed');
      // Confirmed only absorbs ACKs and INVITEs: neither the final response nor the TU is needed.
      this.lastFinal = undefined;
      this.user = {};
      // RFC 3261 §17.2.1: Timer I = T4 absorbs ACK retransmissions on unreliable transports.
      this.terminateAfter('I', this.reliable ? 0 : this.ctx.timers.t4);
    }
    return 'absorbed';
  }

  private sendProvisional(response: SipResponse): void {
    this.lastProvisional = response;
    this.provisionalSent = true;
    this.send(response);
  }

  private armG(interval: number): void {
    this.arm('G', interval, () => {
      if (this.lastFinal) this.send(this.lastFinal);
      // RFC 3261 §17.2.1: Timer G doubles up to T2.
      this.armG(Math.min(2 * interval, this.ctx.timers.t2));
    });
  }

  private send(response: SipResponse): void {
    this.ctx.transport.sendResponse(response, this.source, (error) => {
      // RFC 3261 §17.2.4: a transport failure is reported to the TU and ends the transaction.
      if (this.terminated) return;
      this.go('Terminated');
      this.tell(() => this.user.onTransportError?.(error));
    });
  }
}
