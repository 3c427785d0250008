/** Timer values, callbacks and the context shared by the four transaction state machines. */
import type { SipResponse } from '../message/index.js';
import type { Scheduler } from '../timers.js';
import type { MessageTransport } from '../transport/types.js';

/** RFC 3261 §17.1.1.1 and Appendix A. */
export interface TimerValues {
  /** RTT estimate, default 500 ms. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2: number;
  /** Maximum time a message remains in the network, default 5 s. */
  t4: number;
  /** RFC 3261 §17.2.1: send 100 Trying if the TU has not answered an INVITE within this. */
  trying: number;
  /** RFC 3261 §17.1.1.2: Timer D on unreliable transports, at least 32 s. */
  timerD: number;
}

export const DEFAULT_TIMERS: Readonly<TimerValues> = {
  t1: 500,
  t2: 4000,
  t4: 5000,
  trying: 200,
  timerD: 32_000,
};

export interface ClientTransactionUser {
  /** Every provisional and final response the transaction passes up (RFC 3261 §17.1). */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired without a final response (RFC 3261 §17.1.1.2, §17.1.2.2). */
  onTimeout(): void;
  /** The request could not be sent (RFC 3261 §17.1.4). */
  onTransportError(error: Error): void;
}

export interface ServerTransactionUser {
  /** Timer H fired: the ACK for a non-2xx final response never came (RFC 3261 §17.2.1). */
  onTimeout?(): void;
  /** A response could not be sent (RFC 3261 §17.2.4). */
  onTransportError?(error: Error): void;
}

export type TransactionKind =
  'inviteClient' | 'nonInviteClient' | 'inviteServer' | 'nonInviteServer';

/** What the layer needs of a lingering record (LingeringTransaction), to avoid an import cycle. */
export interface LingeringRecord {
  readonly key: string;
  readonly kind: TransactionKind;
}

export interface TransactionContext {
  transport: MessageTransport;
  scheduler: Scheduler;
  timers: TimerValues;
  /** Called exactly once, when the transaction (or the record it lingers as) enters Terminated. */
  onTerminated(tx: { readonly key: string; readonly kind: TransactionKind }): void;
  /** `tx` waits out its last timer as `record`, which takes its place for matching. */
  linger(
    tx: { readonly key: string; readonly kind: TransactionKind },
    record: LingeringRecord,
  ): void;
  /** The transaction left Trying/Proceeding: its final response is given, or it ended. */
  settled(tx: object): void;
  /** A TU callback threw; the transaction carries on. */
  reportError(error: unknown): void;
}
