/**
 * The transaction layer (RFC 3261 §17): creates transactions, matches incoming messages to them
 * (§17.1.3, §17.2.3) and forgets each one exactly when it enters Terminated.
 */
import { getTopVia } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Scheduler } from '../timers.js';
import { TransportError } from '../transport/types.js';
import type { Destination, MessageTransport, Source } from '../transport/types.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { LingeringTransaction } from './lingering.js';
import { clientKey, responseKey, serverKey } from './keys.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { DEFAULT_TIMERS } from './types.js';
import type {
  ClientTransactionUser,
  TimerValues,
  TransactionContext,
  TransactionKind,
} from './types.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What became of an incoming request. */
export type IncomingRequest =
  /** A new request: its server transaction is started, the TU must answer through it. */
  | { kind: 'new'; tx: ServerTransaction }
  /** A retransmission or an ACK for a non-2xx response, handled by its transaction. */
  | { kind: 'absorbed' }
  /** An ACK for a 2xx: it belongs to the TU/dialog, not to any transaction (RFC 3261 §17.2.3). */
  | { kind: 'ack' }
  /** Unreadable Via or CSeq: nothing sensible can be done (validation normally prevents it). */
  | { kind: 'invalid' }
  /**
   * No transaction was made; answer 503 statelessly (RFC 3261 §21.5.4): a limit of this layer is
   * reached, or overload control refused the request (then with its Retry-After).
   */
  | { kind: 'overloaded'; cause: 'transactions' }
  | { kind: 'overloaded'; cause: 'load'; retryAfterSeconds: number };

export type TransactionStats = Record<TransactionKind, number>;

export interface TransactionLayerOptions {
  transport: MessageTransport;
  scheduler: Scheduler;
  timers?: Partial<TimerValues>;
  limits?: Partial<TransactionLimits>;
  /**
   * Asked for each request no transaction matched, before one is made, with its transaction key:
   * Retry-After seconds to refuse it with, `'repeat'` to absorb it (a retransmission of a request
   * just refused), or null (overload control; retransmissions of admitted requests never ask).
   */
  refuseNew?: (request: SipRequest, key: string) => number | 'repeat' | null;
  /** A TU callback threw. Default console.error. */
  onError?: (error: unknown) => void;
}

export interface TransactionLimits {
  /**
   * Server transactions at once, but those only waiting out Timer J or K (a few bytes each).
   * Default 100,000: 1,000 calls/s keep 32,000 INVITE transactions in Accepted (Timer L).
   */
  maxServerTransactions: number;
  /**
   * Server transactions from one address still waiting for the TU's final response: the
   * requests a source has the PBX working on at once. Default 1,000.
   */
  maxAwaitingPerAddress: number;
}

const DEFAULT_LIMITS: TransactionLimits = {
  maxServerTransactions: 100_000,
  maxAwaitingPerAddress: 1_000,
};

export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction | LingeringTransaction>();
  private readonly servers = new Map<string, ServerTransaction | LingeringTransaction>();
  private readonly ctx: TransactionContext;
  private readonly limits: TransactionLimits;
  /** Server transactions in `servers` that are not lingering records. */
  private liveServers = 0;
  /** Server transactions waiting for the TU's final response, and their source address. */
  private readonly awaiting = new Map<object, string>();
  private readonly awaitingBy = new Map<string, number>();
  private readonly refuseNew: (request: SipRequest, key: string) => number | 'repeat' | null;

  constructor(options: TransactionLayerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.refuseNew = options.refuseNew ?? (() => null);
    this.ctx = {
      transport: options.transport,
      scheduler: options.scheduler,
      timers: { ...DEFAULT_TIMERS, ...options.timers },
      onTerminated: (tx) => this.forget(tx),
      linger: (tx, record) => {
        const map: Map<string, unknown> = this.mapOf(tx.kind);
        if (map.get(tx.key) !== tx) return;
        map.set(tx.key, record);
        if (map === this.servers) this.liveServers--;
      },
      settled: (tx) => this.settled(tx),
      reportError: options.onError ?? ((e) => console.error('SIP transaction user:', e)),
    };
  }

  get timers(): Readonly<TimerValues> {
    return this.ctx.timers;
  }

  /**
   * Create and start a client transaction. The request's top Via must carry an RFC 3261 branch
   * unique to this transaction (RFC 3261 §8.1.1.7).
   */
  sendRequest(
    request: SipRequest,
    destination: Destination,
    user: ClientTransactionUser,
  ): ClientTransaction {
    if (request.method === 'ACK') {
      throw new TypeError('ACK is not sent in a client transaction (RFC 3261 §17.1)');
    }
    const branch = getTopVia(request)?.branch;
    if (branch === undefined) throw new TypeError('request needs a top Via with a branch');
    const key = clientKey(branch, request.method);
    if (this.clients.has(key)) throw new Error(`client transaction ${branch} already exists`);
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, destination, user, this.ctx)
        : new NonInviteClientTransaction(key, request, destination, user, this.ctx);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** RFC 3261 §17.1.3; false when no transaction matches (the response is then discarded). */
  receiveResponse(response: SipResponse): boolean {
    const key = responseKey(response);
    const tx = key === undefined ? undefined : this.clients.get(key);
    if (!tx) return false;
    tx.receiveResponse(response);
    return true;
  }

  /** RFC 3261 §17.2.3: match a request to a server transaction, or start a new one. */
  receiveRequest(request: SipRequest, source: Source): IncomingRequest {
    const key = serverKey(request);
    if (key === undefined) return { kind: 'invalid' };
    const existing = this.servers.get(key);
    if (request.method === 'ACK') {
      if (!(existing instanceof InviteServerTransaction)) return { kind: 'ack' };
      return existing.receiveAck() === 'toTu' ? { kind: 'ack' } : { kind: 'absorbed' };
    }
    if (existing) {
      existing.receiveRetransmission();
      return { kind: 'absorbed' };
    }
    const retryAfterSeconds = this.refuseNew(request, key);
    if (retryAfterSeconds === 'repeat') return { kind: 'absorbed' };
    if (retryAfterSeconds !== null) return { kind: 'overloaded', cause: 'load', retryAfterSeconds };
    const address = source.address;
    if (
      this.liveServers >= this.limits.maxServerTransactions ||
      (this.awaitingBy.get(address) ?? 0) >= this.limits.maxAwaitingPerAddress
    ) {
      return { kind: 'overloaded', cause: 'transactions' };
    }
    const tx =
      request.method === 'INVITE'
        ? new InviteServerTransaction(key, request, source, this.ctx)
        : new NonInviteServerTransaction(key, request, source, this.ctx);
    this.servers.set(key, tx);
    this.liveServers++;
    this.awaiting.set(tx, address);
    this.awaitingBy.set(address, (this.awaitingBy.get(address) ?? 0) + 1);
    tx.start();
    return { kind: 'new', tx };
  }

  /** RFC 3261 §9.2: the INVITE server transaction a CANCEL targets (same branch and sent-by). */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    if (cancel.method !== 'CANCEL') return undefined;
    const key = serverKey(cancel, 'INVITE');
    const tx = key === undefined ? undefined : this.servers.get(key);
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  stats(): TransactionStats {
    const counts: TransactionStats = {
      inviteClient: 0,
      nonInviteClient: 0,
      inviteServer: 0,
      nonInviteServer: 0,
    };
    for (const tx of this.clients.values()) counts[tx.kind]++;
    for (const tx of this.servers.values()) counts[tx.kind]++;
    return counts;
  }

  /**
   * Shutdown: every transaction ends. A client transaction's TU still waiting for a final response
   * hears a transport error, since none will come; server transactions end silently, their TUs
   * answer on their own. Close the transport first, so that what the TUs send in reaction fails
   * at once instead of starting retransmission timers.
   */
  close(): void {
    const closed = new TransportError('SIP stack closed');
    for (const tx of [...this.clients.values()]) tx.abandon(closed);
    for (const tx of [...this.servers.values()]) if (!tx.terminated) tx.terminate();
  }

  private forget(tx: { readonly key: string; readonly kind: TransactionKind }): void {
    const map: Map<string, unknown> = this.mapOf(tx.kind);
    if (map.get(tx.key) !== tx) return;
    map.delete(tx.key);
    if (map === this.servers && !(tx instanceof LingeringTransaction)) this.liveServers--;
  }

  private settled(tx: object): void {
    const address = this.awaiting.get(tx);
    if (address === undefined) return;
    this.awaiting.delete(tx);
    const n = (this.awaitingBy.get(address) ?? 1) - 1;
    if (n > 0) this.awaitingBy.set(address, n);
    else this.awaitingBy.delete(address);
  }

  private mapOf(kind: TransactionKind): Map<string, unknown> {
    return kind === 'inviteClient' || kind === 'nonInviteClient' ? this.clients : this.servers;
  }
}
