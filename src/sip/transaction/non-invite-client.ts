/** Non-INVITE client transaction (RFC 3261 §17.1.2). */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Destination } from '../transport/types.js';
import { TransactionBase } from './base.js';
import type { ClientTransactionUser, TransactionContext } from './types.js';

export type NonInviteClientState = 'Init' | 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

const TRANSITIONS: Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> = {
  Init: ['Trying', 'Terminated'],
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

export class NonInviteClientTransaction extends TransactionBase<
  Exclude<NonInviteClientState, 'Terminated'>
> {
  readonly kind = 'nonInviteClient';
  private readonly reliable: boolean;

  constructor(
    key: string,
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly user: ClientTransactionUser,
    ctx: TransactionContext,
  ) {
    super(key, ctx, 'non-INVITE client transaction', 'Init', TRANSITIONS);
    this.reliable = ctx.transport.isReliable(destination.protocol);
  }

  /** Send the request: Init -> Trying. */
  start(): void {
    this.go('Trying');
    const { t1 } = this.ctx.timers;
    this.send();
    // RFC 3261 §17.1.2.2: Timer E only on unreliable transports, starting at T1.
    if (!this.reliable) this.armE(t1);
    // RFC 3261 §17.1.2.2: Timer F = 64*T1 in Trying and Proceeding.
    this.arm('F', 64 * t1, () => {
      this.go('Terminated');
      this.tell(() => this.user.onTimeout());
    });
  }

  /** Shutdown, as for the INVITE client transaction: a TU still waiting hears a transport error. */
  abandon(error: Error): void {
    if (this.terminated) return;
    const waiting = this.state === 'Trying' || this.state === 'Proceeding';
    this.go('Terminated');
    if (waiting) this.tell(() => this.user.onTransportError(error));
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') {
      // RFC 3261 §17.1.2.2: Completed absorbs retransmitted final responses.
      return;
    }
    if (response.status < 200) {
      if (this.state === 'Trying') this.go('Proceeding');
      this.tell(() => this.user.onResponse(response));
      return;
    }
    this.disarm('E');
    this.disarm('F');
    this.go('Completed');
    // RFC 3261 §17.1.2.2: Timer K = T4 on unreliable transports, 0 on reliable ones; Completed
    // only absorbs retransmitted final responses.
    this.linger(this.reliable ? 0 : this.ctx.timers.t4, { kind: 'none' });
    this.tell(() => this.user.onResponse(response));
  }

  private armE(interval: number): void {
    this.arm('E', interval, () => {
      this.send();
      // RFC 3261 §17.1.2.2: Timer E doubles up to T2 in Trying and is T2 in Proceeding.
      const { t2 } = this.ctx.timers;
      this.armE(this.state === 'Proceeding' ? t2 : Math.min(2 * interval, t2));
    });
  }

  private send(): void {
    this.ctx.transport.sendRequest(this.request, this.destination, (error) => {
      // RFC 3261 §17.1.4: a transport failure before the final response ends the transaction.
      if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
      this.go('Terminated');
      this.tell(() => this.user.onTransportError(error));
    });
  }
}
