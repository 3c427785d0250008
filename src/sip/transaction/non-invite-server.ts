/** Non-INVITE server transaction (RFC 3261 §17.2.2). */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Source } from '../transport/types.js';
import { TransactionBase } from './base.js';
import type { ServerTransactionUser, TransactionContext } from './types.js';

export type NonInviteServerState = 'Init' | 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

const TRANSITIONS: Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> = {
  Init: ['Trying', 'Terminated'],
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

export class NonInviteServerTransaction extends TransactionBase<
  Exclude<NonInviteServerState, 'Terminated'>
> {
  readonly kind = 'nonInviteServer';
  /** Set by the TU to hear about transport failures. */
  user: ServerTransactionUser = {};
  private lastResponse: SipResponse | undefined;
  private readonly reliable: boolean;

  constructor(
    key: string,
    readonly request: SipRequest,
    readonly source: Source,
    ctx: TransactionContext,
  ) {
    super(key, ctx, 'non-INVITE server transaction', 'Init', TRANSITIONS);
    this.reliable = ctx.transport.isReliable(source.protocol);
  }

  /** The request arrived: Init -> Trying. */
  start(): void {
    this.go('Trying');
  }

  /** The TU's response. Throws InvalidTransitionError when the state does not allow it. */
  respond(response: SipResponse): void {
    if (response.status < 200) {
      if (this.state !== 'Proceeding') this.go('Proceeding');
      this.lastResponse = response;
      this.send(response);
      return;
    }
    this.go('Completed');
    this.lastResponse = undefined;
    this.send(response);
    // RFC 3261 §17.2.2: Timer J = 64*T1 on unreliable transports, 0 on reliable ones; Completed
    // needs only the final response, to resend for each retransmitted request.
    this.linger(this.reliable ? 0 : 64 * this.ctx.timers.t1, {
      kind: 'response',
      response,
      source: this.source,
    });
  }

  /**
   * RFC 3261 §17.2.2: Trying drops a retransmission; Proceeding resends the last provisional,
   * Completed the final response, which the lingering record holds (see `linger`).
   */
  receiveRetransmission(): void {
    if (this.state === 'Proceeding' && this.lastResponse) this.send(this.lastResponse);
    else if (this.state === 'Completed') this.lingering?.receiveRetransmission();
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
