/**
 * The transactions a call holds: client transactions from the request it sends until their first
 * final response, timeout or transport error, and server transactions until it has answered
 * them. The call is released only once both are empty.
 *
 * A client transaction outlives the call (an INVITE's stays in Accepted for Timer M, RFC 6026
 * §7.2): its callbacks reach this set only through a link emptied on `release`, and are made in
 * a static method, whose closures cannot capture the set or the call behind it.
 */
import type { SipRequest } from '../../sip/message/index.js';
import type { Destination } from '../../sip/transport/types.js';
import type { ClientTx, ResponseHandlers, ServerTx, Signaling } from './ports.js';

interface HeldLink {
  held: HeldTransactions | null;
}

export class HeldTransactions {
  private readonly clients = new Set<ClientTx>();
  private readonly servers = new Set<ServerTx>();
  private readonly link: HeldLink = { held: this };

  constructor(
    private readonly signaling: Signaling,
    /** A transaction was let go: the call may now be released. */
    private readonly changed: () => void,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  get serverCount(): number {
    return this.servers.size;
  }

  get empty(): boolean {
    return this.clients.size === 0 && this.servers.size === 0;
  }

  /** `request` in a new client transaction, held until its first final response. */
  send(request: SipRequest, destination: Destination, handlers: ResponseHandlers): ClientTx {
    const counted = HeldTransactions.counted(this.link, handlers);
    const tx = this.signaling.sendRequest(request, destination, counted.handlers);
    if (counted.sent(tx)) this.clients.add(tx);
    return tx;
  }

  /** A client transaction given up on (a CANCEL never answered). */
  forget(tx: ClientTx): void {
    this.clients.delete(tx);
    this.changed();
  }

  hold(tx: ServerTx): void {
    this.servers.add(tx);
  }

  holds(tx: ServerTx): boolean {
    return this.servers.has(tx);
  }

  /** A server transaction answered: no longer held (`changed` is not called). */
  answered(tx: ServerTx): void {
    this.servers.delete(tx);
  }

  /** The call is released: late callbacks find nothing. */
  release(): void {
    this.link.held = null;
  }

  /**
   * `handlers`, and the transaction let go at its first final response, timeout or transport
   * error; `sent` says whether it is still to be held (an error may come first).
   */
  private static counted(
    link: HeldLink,
    handlers: ResponseHandlers,
  ): { handlers: ResponseHandlers; sent(tx: ClientTx): boolean } {
    let done = false;
    let tx: ClientTx | null = null;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (tx !== null) link.held?.forget(tx);
    };
    return {
      handlers: {
        onResponse: (r) => {
          if (r.status >= 200) finish();
          handlers.onResponse(r);
        },
        onTimeout: () => {
          finish();
          handlers.onTimeout();
        },
        onTransportError: (e) => {
          finish();
          handlers.onTransportError(e);
        },
      },
      sent: (sentTx) => {
        tx = sentTx;
        return !done;
      },
    };
  }
}
