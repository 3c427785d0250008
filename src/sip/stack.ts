/**
 * `SipStack`: the transport and transaction layers behind one object, the surface the dialog
 * layer and the PBX use. It owns every socket, connection, transaction and timer it creates and
 * releases all of them on `close()`.
 */
import { MAGIC_COOKIE, getTopVia, isRfc3261Branch } from './message/index.js';
import type { SipMessage, SipRequest, SipResponse, Via } from './message/index.js';
import { randomToken } from './random.js';
import { RealScheduler } from './timers.js';
import type { Scheduler } from './timers.js';
import { TransactionLayer } from './transaction/layer.js';
import type {
  ClientTransaction,
  ServerTransaction,
  TransactionLimits,
  TransactionStats,
} from './transaction/layer.js';
import type { InviteServerTransaction } from './transaction/invite-server.js';
import type { ClientTransactionUser, TimerValues } from './transaction/types.js';
import { TransportLayer } from './transport/layer.js';
import type { ListenOptions, TransportLayerOptions } from './transport/layer.js';
import { buildReply } from './message/reply.js';
import { viaTransport } from './transport/types.js';
import type { Destination, Source, TransportProtocol } from './transport/types.js';
import { replaceTopVia } from './transport/via.js';
import { DEFAULT_OVERLOAD, OverloadControl } from './overload/overload-control.js';
import type {
  OverloadChange,
  OverloadSettings,
  OverloadStatus,
} from './overload/overload-control.js';
import { LoadSampler } from './overload/load-sampler.js';
import type { UdpQueue } from './overload/udp-queue.js';
import { RecentRefusals } from './overload/recent-refusals.js';
import { stampOverloadControl } from './overload/via-oc.js';

export { buildReply, createTag } from './message/reply.js';
export { buildAckForError, buildCancel } from './transaction/requests.js';
export type { ClientTransaction, ServerTransaction } from './transaction/layer.js';
export type { Destination, Source, TransportProtocol } from './transport/types.js';

/** Why a new request was refused with 503 before any work was done for it. */
export type ShedCause = 'load' | 'transactions';

export interface OverloadOptions extends Partial<OverloadSettings> {
  /** How often the process's load is sampled, ms. Default 250. */
  sampleEveryMs?: number;
  /**
   * False: no sampling, load only from `SipStack.overload.sample` (tests). Default true, from
   * `startLoadSampling` on.
   */
  sampling?: boolean;
  /** An overload episode began or ended. */
  onChange?: (change: OverloadChange) => void;
}

export interface SipStackOptions {
  /** Default: a RealScheduler of its own, so that `stats().timers` counts only this stack. */
  scheduler?: Scheduler;
  /** T1, T2, T4… (RFC 3261 Appendix A); tests shorten them. */
  timers?: Partial<TimerValues>;
  /** Connection limits, idle timeout, message size limits, validation options. */
  transport?: Omit<TransportLayerOptions, 'scheduler' | 'onError'>;
  /** Server transaction limits; a request beyond them gets 503 with `Retry-After`. */
  transactions?: Partial<TransactionLimits> & {
    /** Seconds written in that `Retry-After`. Default 10. */
    retryAfterSeconds?: number;
  };
  /**
   * Overload control (overload/): past its thresholds a share of new INVITEs and REGISTERs gets
   * 503 with Retry-After before a transaction exists. Absent: none.
   */
  overload?: OverloadOptions;
  /** A new request was refused with 503 before any work (overload control or a limit). */
  onShed?: (request: SipRequest, source: Source, cause: ShedCause) => void;
  /** Exceptions thrown by handlers. Default console.error. */
  onError?: (error: unknown) => void;
}

/**
 * `tx` is null for an ACK to a 2xx, which belongs to the dialog (RFC 3261 §13.3.1.4, §17.2.3).
 * A CANCEL comes with its own transaction; `findInviteForCancel` gives the INVITE it cancels.
 */
export type RequestHandler = (
  request: SipRequest,
  tx: ServerTransaction | null,
  source: Source,
) => void;

export type ResponseHandlers = ClientTransactionUser;

export interface StackStats {
  transactions: TransactionStats & { total: number };
  timers: number;
  sockets: number;
  connections: number;
}

/** RFC 7339's Via parameters, with `oc-seq` the time the share refused last changed. */
function overloadControlVia(control: OverloadControl): (response: SipResponse) => void {
  let ratio = 0;
  let changedAt = Date.now();
  return (response) => {
    const now = control.status().shedRatio;
    if (now !== ratio) {
      ratio = now;
      changedAt = Math.max(changedAt + 1, Date.now());
    }
    stampOverloadControl(response, ratio, changedAt);
  };
}

/** Overload control's decision for a new request, a retransmission of a refused one absorbed. */
function refusing(
  control: OverloadControl,
): (request: SipRequest, key: string) => number | 'repeat' | null {
  const recent = new RecentRefusals();
  return (request, key) => {
    const now = performance.now();
    if (recent.seen(key, now)) return 'repeat';
    const retryAfter = control.refuse(request);
    if (retryAfter !== null) recent.add(key, now);
    return retryAfter;
  };
}

export class SipStack {
  private readonly scheduler: Scheduler;
  private readonly transport: TransportLayer;
  private readonly transactions: TransactionLayer;
  private readonly reportError: (error: unknown) => void;
  private handler: RequestHandler | undefined;
  private readonly retryAfter: number;
  /** Overload control, when configured: `sample` feeds it a load by hand. */
  readonly overload: OverloadControl | undefined;
  /** Started by `startLoadSampling`: the work of starting up is not load from requests. */
  private sampler: LoadSampler | undefined;
  private readonly startSampling: (() => LoadSampler) | undefined;
  private readonly onShed: (request: SipRequest, source: Source, cause: ShedCause) => void;

  constructor(options: SipStackOptions = {}) {
    this.scheduler = options.scheduler ?? new RealScheduler();
    this.reportError = options.onError ?? ((e) => console.error('SIP stack:', e));
    let beforeResponse: ((response: SipResponse) => void) | undefined;
    this.transport = new TransportLayer({
      ...options.transport,
      scheduler: this.scheduler,
      beforeResponse: (response) => beforeResponse?.(response),
      onError: this.reportError,
    });
    const { retryAfterSeconds, ...limits } = options.transactions ?? {};
    this.retryAfter = retryAfterSeconds ?? 10;
    this.onShed = options.onShed ?? (() => undefined);
    const overload = options.overload;
    if (overload !== undefined) {
      const { sampleEveryMs, sampling, onChange, ...settings } = overload;
      const control = new OverloadControl({ ...DEFAULT_OVERLOAD, ...settings }, onChange);
      this.overload = control;
      beforeResponse = overloadControlVia(control);
      if (sampling !== false) {
        this.startSampling = () =>
          new LoadSampler({
            ...(sampleEveryMs === undefined ? {} : { intervalMs: sampleEveryMs }),
            udpPort: () => this.transport.port('udp'),
            onSample: (sample) => control.sample(sample),
          });
      }
    }
    const control = this.overload;
    this.transactions = new TransactionLayer({
      transport: this.transport,
      scheduler: this.scheduler,
      timers: options.timers ?? {},
      limits,
      ...(control === undefined ? {} : { refuseNew: refusing(control) }),
      onError: this.reportError,
    });
    this.transport.onMessage((message, source) => this.receive(message, source));
  }

  listen(options: ListenOptions): Promise<void> {
    return this.transport.listen(options);
  }

  /**
   * Overload control starts sampling the load. Call it once the program is up: what starting
   * up costs (loading the directory, the web server) would otherwise count as overload.
   */
  startLoadSampling(): void {
    this.sampler ??= this.startSampling?.();
  }

  /** The port bound for a protocol, useful after listening on port 0. */
  port(protocol: TransportProtocol): number | undefined {
    return this.transport.port(protocol);
  }

  /**
   * The address to write for `peer` (Contact, SDP): the one it reaches us at, or the public
   * address for a peer outside the local networks (transport/local-address.ts).
   */
  addressFor(peer: string): string {
    return this.transport.addressFor(peer);
  }

  /** Learn that address ahead, for a peer we write to before it writes to us (a trunk). */
  learnAddress(peer: string): Promise<void> {
    return this.transport.learnAddress(peer);
  }

  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  /**
   * Send a request in a new client transaction. The stack writes its own sent-by and transport
   * into the top Via (RFC 3261 §18.1.1), adds one if there is none, keeps an RFC 3261 branch the
   * caller chose (a CANCEL must reuse its INVITE's, §9.1) and asks for rport (RFC 3581).
   */
  sendRequest(
    request: SipRequest,
    destination: Destination,
    handlers: ResponseHandlers,
  ): ClientTransaction {
    this.stampVia(request, destination);
    return this.transactions.sendRequest(request, destination, handlers);
  }

  /** RFC 3261 §13.2.2.4: the ACK for a 2xx is sent outside any transaction. */
  sendAck(ack: SipRequest, destination: Destination): void {
    this.stampVia(ack, destination);
    this.transport.sendRequest(ack, destination, () => undefined);
  }

  /**
   * A response outside any transaction (RFC 3261 §8.2.7 stateless UAS, or a 2xx retransmitted by
   * the dialog layer after its transaction ended), routed by its top Via (§18.2.2); `source`
   * lets it reuse the connection the request came on.
   */
  sendStateless(response: SipResponse, source?: Source): void {
    this.transport.sendResponse(response, source, () => undefined);
  }

  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    return this.transactions.findInviteForCancel(cancel);
  }

  /** RFC 3261 §8.1.1.7: the magic cookie and at least 64 random bits. */
  createBranch(): string {
    return MAGIC_COOKIE + randomToken(12, 'base64url');
  }

  stats(): StackStats {
    const tx = this.transactions.stats();
    const total = tx.inviteClient + tx.nonInviteClient + tx.inviteServer + tx.nonInviteServer;
    return {
      transactions: { ...tx, total },
      timers: this.scheduler.pending,
      ...this.transport.stats(),
    };
  }

  /** Overload control's state and the SIP UDP socket's kernel queue; undefined without it. */
  overloadStatus(): (OverloadStatus & { udp: UdpQueue | undefined }) | undefined {
    if (this.overload === undefined) return undefined;
    return { ...this.overload.status(), udp: this.sampler?.udpQueue() };
  }

  /** Inbound connections held (by one address, or all) and bytes held for incomplete messages. */
  connectionHoldings(address?: string): { inbound: number; pendingBytes: number } {
    return this.transport.holdings(address);
  }

  /** TLS handshakes in progress. */
  tlsHandshakes(): number {
    return this.transport.tlsHandshakes();
  }

  /**
   * Releases every socket, connection, transaction and timer. Sending stops first: the client
   * transactions' TUs then learn that no response will come (see TransactionLayer.close), and
   * whatever they send in reaction fails at once instead of arming retransmission timers.
   */
  async close(): Promise<void> {
    this.sampler?.stop();
    this.transport.stopSending();
    this.transactions.close();
    await this.transport.close();
  }

  private stampVia(request: SipRequest, destination: Destination): void {
    const protocol = destination.protocol;
    const local = this.transport.localAddress(protocol, destination.address);
    if (!local) throw new Error('SIP stack is not listening');
    const top = request.headers.has('Via') ? getTopVia(request) : null;
    const params = new Map(top?.params ?? []);
    if (!isRfc3261Branch(top?.branch)) params.set('branch', this.createBranch());
    // A received or rport value belongs to someone else's hop, never to our own Via.
    params.delete('received');
    params.set('rport', null);
    const via: Via = {
      protocol: 'SIP',
      version: '2.0',
      transport: viaTransport(protocol),
      host: local.host,
      port: local.port,
      params,
    };
    replaceTopVia(request.headers, via);
  }

  private receive(message: SipMessage, source: Source): void {
    if (message.kind === 'response') {
      this.transactions.receiveResponse(message);
      return;
    }
    const incoming = this.transactions.receiveRequest(message, source);
    if (incoming.kind === 'ack') this.deliver(message, null, source);
    else if (incoming.kind === 'new') this.deliver(message, incoming.tx, source);
    else if (incoming.kind === 'overloaded') {
      // RFC 3261 §21.5.4: stateless, so that an overload costs no state; Retry-After says when.
      const reply = buildReply(message, 503, 'Service Unavailable');
      const retry = incoming.cause === 'load' ? incoming.retryAfterSeconds : this.retryAfter;
      reply.headers.append('Retry-After', String(retry));
      this.transport.sendResponse(reply, source, () => undefined);
      this.onShed(message, source, incoming.cause);
    }
  }

  private deliver(request: SipRequest, tx: ServerTransaction | null, source: Source): void {
    try {
      if (!this.handler) throw new Error(`no request handler for ${request.method}`);
      this.handler(request, tx, source);
    } catch (e) {
      this.reportError(e);
      // Never leave a server transaction waiting for an answer that will not come.
      if (tx && (tx.state === 'Trying' || tx.state === 'Proceeding')) {
        tx.respond(buildReply(request, 500, 'Server Internal Error'));
      }
    }
  }
}
