/**
 * What a finished transaction keeps while it waits out Timer J, K or D (RFC 3261 §17.1.1.2,
 * §17.1.2.2, §17.2.2): only its key and the one message it may still have to send. The
 * transaction object itself, with its request, its TU's callbacks and through them the whole
 * call, is no longer referenced by the layer or by a timer, so it is collected as soon as its
 * TU lets it go instead of 32 s later.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { TimerHandle } from '../timers.js';
import type { Destination, Source } from '../transport/types.js';
import { StateMachine } from '../../shared/state-machine.js';
import type { TransactionContext, TransactionKind } from './types.js';

export type LingeringState = 'Completed' | 'Terminated';

const TRANSITIONS: Readonly<Record<LingeringState, readonly LingeringState[]>> = {
  Completed: ['Terminated'],
  Terminated: [],
};

/** The message a lingering transaction answers a retransmission with, if any. */
export type Resend =
  /** RFC 3261 §17.2.2: a server's last response, for each retransmitted request. */
  | { kind: 'response'; response: SipResponse; source: Source }
  /** RFC 3261 §17.1.1.3: a client's ACK, for each retransmitted non-2xx final response. */
  | { kind: 'ack'; ack: SipRequest; destination: Destination }
  /** RFC 3261 §17.1.2.2: a non-INVITE client only absorbs retransmitted final responses. */
  | { kind: 'none' };

export class LingeringTransaction {
  private readonly fsm = new StateMachine<LingeringState>(
    'lingering transaction',
    'Completed',
    TRANSITIONS,
  );
  private readonly timer: TimerHandle;

  constructor(
    readonly key: string,
    readonly kind: TransactionKind,
    private readonly resend: Resend,
    private readonly ctx: TransactionContext,
    waitMs: number,
  ) {
    this.timer = ctx.scheduler.setTimer(waitMs, () => this.end());
  }

  get state(): LingeringState {
    return this.fsm.state;
  }

  get terminated(): boolean {
    return this.fsm.state === 'Terminated';
  }

  /** A retransmitted request (server): the last response again. */
  receiveRetransmission(): void {
    if (this.resend.kind === 'response') this.send();
  }

  /** A retransmitted final response (client): non-2xx ones get the same ACK again. */
  receiveResponse(response: SipResponse): void {
    if (this.resend.kind === 'ack' && response.status >= 300) this.send();
  }

  terminate(): void {
    if (!this.terminated) this.end();
  }

  /** Shutdown: nobody is waiting on a finished transaction. */
  abandon(): void {
    this.terminate();
  }

  private send(): void {
    const onError = (): void => {
      // RFC 3261 §17.1.4, §17.2.4: a transport failure ends the transaction; its TU has its
      // final response already and is not told again.
      if (!this.terminated) this.end();
    };
    const r = this.resend;
    if (r.kind === 'response') this.ctx.transport.sendResponse(r.response, r.source, onError);
    else if (r.kind === 'ack') this.ctx.transport.sendRequest(r.ack, r.destination, onError);
  }

  private end(): void {
    this.fsm.transition('Terminated');
    this.ctx.scheduler.clear(this.timer);
    this.ctx.onTerminated(this);
  }
}
