/** INVITE client transaction (RFC 3261 §17.1.1, with the Accepted state of RFC 6026 §7.2). */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Destination } from '../transport/types.js';
import { TransactionBase } from './base.js';
import { buildAckForError } from './requests.js';
import type { ClientTransactionUser, TransactionContext } from './types.js';

export type InviteClientState =
  'Init' | 'Calling' | 'Proceeding' | 'Accepted' | 'Completed' | 'Terminated';

const TRANSITIONS: Readonly<Record<InviteClientState, readonly InviteClientState[]>> = {
  Init: ['Calling', 'Terminated'],
  Calling: ['Proceeding', 'Accepted', 'Completed', 'Terminated'],
  Proceeding: ['Accepted', 'Completed', 'Terminated'],
  Accepted: ['Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

export class InviteClientTransaction extends TransactionBase<
  Exclude<InviteClientState, 'Terminated'>
> {
  readonly kind = 'inviteClient';
  private readonly reliable: boolean;

  constructor(
    key: string,
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly user: ClientTransactionUser,
    ctx: TransactionContext,
  ) {
    super(key, ctx, 'INVITE client transaction', 'Init', TRANSITIONS);
    this.reliable = ctx.transport.isReliable(destination.protocol);
  }

  /** Send the INVITE: Init -> Calling. */
  start(): void {
    this.go('Calling');
    const { t1 } = this.ctx.timers;
    this.send(this.request);
    // RFC 3261 §17.1.1.2: Timer A only on unreliable transports, starting at T1.
    if (!this.reliable) this.armA(t1);
    // RFC 3261 §17.1.1.2: Timer B = 64*T1 bounds the wait for any response.
    this.arm('B', 64 * t1, () => {
      this.go('Terminated');
      this.tell(() => this.user.onTimeout());
    });
  }

  /**
   * The stack is shutting down: a TU still waiting for a final response hears a transport error
   * (RFC 3261 §17.1.4), so that it releases what it holds for this request (a CANCEL's 64*T1
   * guard, say) instead of keeping the process alive until its own timers fire.
   */
  abandon(error: Error): void {
    if (this.terminated) return;
    const waiting = this.state === 'Calling' || this.state === 'Proceeding';
    this.go('Terminated');
    if (waiting) this.tell(() => this.user.onTransportError(error));
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        // RFC 3261 §17.1.1.2: any response stops retransmissions; B only guards Calling.
        this.disarm('A');
        this.disarm('B');
        if (status < 200) {
          if (this.state === 'Calling') this.go('Proceeding');
          this.tell(() => this.user.onResponse(response));
        } else if (status < 300) {
          // RFC 6026 §7.2: Accepted, Timer M = 64*T1, so 2xx retransmissions and forks reach the TU.
          this.go('Accepted');
          this.arm('M', 64 * this.ctx.timers.t1, () => this.go('Terminated'));
          this.tell(() => this.user.onResponse(response));
        } else {
          this.go('Completed');
          // RFC 3261 §17.1.1.3: the ACK is all that Completed needs, for retransmitted finals.
          const ack = buildAckForError(this.request, response);
          this.send(ack);
          // RFC 3261 §17.1.1.2: Timer D >= 32 s on unreliable transports, 0 on reliable ones.
          this.linger(this.reliable ? 0 : this.ctx.timers.timerD, {
            kind: 'ack',
            ack,
            destination: this.destination,
          });
          this.tell(() => this.user.onResponse(response));
        }
        return;
      case 'Completed':
        // RFC 3261 §17.1.1.2: the same ACK again, sent by the record that holds it.
        this.lingering?.receiveResponse(response);
        return;
      case 'Accepted':
        // RFC 6026 §7.2: 2xx in Accepted go to the TU (which ACKs them); anything else is dropped.
        if (status >= 200 && status < 300) this.tell(() => this.user.onResponse(response));
        return;
      default:
        return;
    }
  }

  private armA(interval: number): void {
    this.arm('A', interval, () => {
      this.send(this.request);
      // RFC 3261 §17.1.1.2: Timer A doubles each time, with no T2 cap for INVITE.
      this.armA(interval * 2);
    });
  }

  private send(message: SipRequest): void {
    this.ctx.transport.sendRequest(message, this.destination, (error) => {
      // RFC 3261 §17.1.4: tell the TU, unless it already has its final response.
      if (this.state !== 'Calling' && this.state !== 'Proceeding') {
        if (this.state === 'Completed') this.go('Terminated');
        return;
      }
      this.go('Terminated');
      this.tell(() => this.user.onTransportError(error));
    });
  }
}
