/**
 * The relay of in-dialog requests between the two legs of an answered call (RFC 3261 §12.2, as a
 * B2BUA): a re-INVITE, UPDATE, INFO, OPTIONS or MESSAGE from one side is sent to the other through
 * that side's own dialog (its own CSeq, Max-Forwards decremented), and the final answer is passed
 * back with the headers that mean something end to end. An INVITE arriving while either side has
 * one in progress gets 491 (§14.2); a 2xx to a relayed INVITE is acknowledged with the ACK of the
 * side that sent it — which carries the answer of a late offer.
 *
 * The client transactions outlive the call (an INVITE's stays in Accepted for Timer M, RFC 6026
 * §7.2); their callbacks reach the relay only through a link emptied on `release`, after which a
 * 2xx is still acknowledged (§13.2.2.4) and nothing else is done.
 */
import { buildReply, getCSeq, getMaxForwards } from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import { isTargetRefresh } from '../../sip/dialog/index.js';
import type { SessionDialog } from '../../sip/dialog/session-dialog.js';
import type { Destination } from '../../sip/transport/types.js';
import type { ClientTx, ResponseHandlers, ServerTx, Signaling } from './ports.js';

/** Methods relayed between the legs of an answered call. */
const RELAYED = new Set(['INVITE', 'UPDATE', 'INFO', 'OPTIONS', 'MESSAGE']);
export const ALLOW = 'INVITE, ACK, CANCEL, BYE, UPDATE, INFO, OPTIONS, MESSAGE, REFER';
/** Request headers that mean something to the far end and pass through a relay. */
const REQUEST_PASS = ['Content-Disposition', 'Info-Package', 'Reason'];
/** Response headers that pass back through a relay. */
const RESPONSE_PASS = ['Content-Disposition', 'Retry-After', 'Allow', 'Warning'];

export type Side = SessionDialog<ServerTx>;

export interface Content {
  body?: Buffer;
  contentType?: string;
}

export function contentOf(m: SipRequest | SipResponse): Content {
  if (m.body.length === 0) return {};
  const contentType = m.headers.get('Content-Type');
  return contentType === undefined ? { body: m.body } : { body: m.body, contentType };
}

function copyHeaders(from: SipRequest | SipResponse, names: readonly string[]): [string, string][] {
  return names.flatMap((name) => from.headers.getAll(name).map((v): [string, string] => [name, v]));
}

/** What the relay borrows from its call, which counts every transaction it holds. */
export interface RelayHost {
  readonly signaling: Signaling;
  /** Send in a client transaction the call keeps until its final response. */
  send(request: SipRequest, destination: Destination, handlers: ResponseHandlers): ClientTx;
  /** The call holds `tx` until the relay answers it. */
  hold(tx: ServerTx): void;
  /** The call no longer holds `tx` (answered); it may now be released. */
  answered(tx: ServerTx): void;
}

/** An in-dialog request relayed to the other leg, until its final response is relayed back. */
interface Relay {
  request: SipRequest;
  tx: ServerTx;
  from: Side;
  to: Side;
  /** The CSeq number of the request sent to `to`. */
  outSeq: number;
  answered: boolean;
  /** The ACK we sent for the other leg's 2xx, resent if that 2xx is retransmitted. */
  ack: SipRequest | null;
  /** Told the final status passed back (music-on-hold.ts learns that a resume went through). */
  onAnswer: ((status: number) => void) | undefined;
}

interface RelayLink {
  relay: InDialogRelay | null;
}

export class InDialogRelay {
  private readonly pending = new Set<Relay>();
  private readonly link: RelayLink = { relay: this };

  constructor(private readonly host: RelayHost) {}

  /** Requests relayed and not answered yet. */
  get size(): number {
    return this.pending.size;
  }

  /** `request` from `from`, answered on `tx`, goes to `to`; `onAnswer` hears the final status. */
  relay(
    from: Side,
    to: Side,
    request: SipRequest,
    tx: ServerTx,
    onAnswer?: (status: number) => void,
  ): void {
    const method = request.method;
    if (!RELAYED.has(method)) {
      // SUBSCRIBE, and REFER from the caller (transfer/refer.ts takes the callee's): not relayed.
      this.reply(tx, 501, 'Not Implemented', [['Allow', ALLOW]]);
      return;
    }
    const maxForwards = getMaxForwards(request) ?? 70;
    if (maxForwards === 0) {
      this.reply(tx, 483, 'Too Many Hops');
      return;
    }
    const invite = method === 'INVITE';
    if (invite && (from.inviteInProgress || to.inviteInProgress)) {
      // RFC 3261 §14.2: one INVITE at a time per dialog; the UAC retries after a random wait.
      this.reply(tx, 491, 'Request Pending');
      return;
    }
    const out = to.dialog.createRequest(method, {
      ...contentOf(request),
      maxForwards: maxForwards - 1,
      headers: copyHeaders(request, REQUEST_PASS),
    });
    const relay: Relay = {
      request,
      tx,
      from,
      to,
      outSeq: getCSeq(out)?.seq ?? 0,
      answered: false,
      ack: null,
      onAnswer,
    };
    this.pending.add(relay);
    this.host.hold(tx);
    if (invite) {
      from.setInviteBusy(true);
      to.setInviteBusy(true);
    }
    this.host.send(
      out,
      to.destination,
      InDialogRelay.handlers(this.link, relay, this.host.signaling),
    );
  }

  /** RFC 3261 §15.1.2: requests pending in the dialog when it ends get 487. */
  terminate(): void {
    for (const relay of [...this.pending]) {
      this.answer(relay, buildReply(relay.request, 487, 'Request Terminated'));
    }
  }

  /** The call is released: late responses are only acknowledged. */
  release(): void {
    this.link.relay = null;
  }

  /** Made outside any method, so that the closures capture the link alone, not the call. */
  private static handlers(link: RelayLink, relay: Relay, signaling: Signaling): ResponseHandlers {
    return {
      onResponse: (r) => {
        const live = link.relay;
        if (live !== null) live.response(relay, r);
        else if (relay.request.method === 'INVITE' && r.status >= 200 && r.status < 300) {
          ackLate(signaling, relay);
        }
      },
      onTimeout: () => link.relay?.failed(relay, 408, 'Request Timeout'),
      onTransportError: () => link.relay?.failed(relay, 503, 'Service Unavailable'),
    };
  }

  /** The far end's response to a relayed request: passed back to the side that sent it. */
  private response(relay: Relay, r: SipResponse): void {
    if (r.status < 200) return;
    const { request, tx, from, to } = relay;
    const method = request.method;
    const invite = method === 'INVITE';
    const success = r.status < 300;
    if (invite && !success) settle(relay);
    if (relay.answered) {
      // RFC 3261 §13.2.2.4: every 2xx to our INVITE is acknowledged, even after the call ended.
      if (invite && success) ackLate(this.host.signaling, relay);
      return;
    }
    if (success && isTargetRefresh(method)) {
      to.dialog.refreshTarget(r);
      from.dialog.refreshTarget(request);
    }
    const response = buildReply(request, r.status, r.reason);
    for (const [name, value] of copyHeaders(r, RESPONSE_PASS)) {
      response.headers.append(name, value);
    }
    if (success && isTargetRefresh(method)) {
      response.headers.append('Contact', `<${from.dialog.localContact}>`);
    }
    const content = contentOf(r);
    if (content.body !== undefined) {
      response.headers.append('Content-Type', content.contentType ?? 'application/sdp');
      response.body = content.body;
    }
    this.answer(relay, response);
    if (invite && success) {
      from.awaitAck(getCSeq(request)?.seq ?? 0, tx, response, (ack) => {
        settle(relay);
        relay.ack = to.dialog.createAck(relay.outSeq, contentOf(ack));
        this.host.signaling.sendAck(relay.ack, to.destination);
      });
    }
  }

  /** No final response to a relayed request (Timer B or F, a transport error). */
  private failed(relay: Relay, status: number, reason: string): void {
    if (relay.request.method === 'INVITE') settle(relay);
    if (!relay.answered) this.answer(relay, buildReply(relay.request, status, reason));
  }

  private answer(relay: Relay, response: SipResponse): void {
    relay.answered = true;
    this.pending.delete(relay);
    this.host.signaling.respond(relay.tx, response);
    this.host.answered(relay.tx);
    relay.onAnswer?.(response.status);
  }

  private reply(
    tx: ServerTx,
    status: number,
    reason: string,
    headers: readonly (readonly [string, string])[] = [],
  ): void {
    const response = buildReply(tx.request, status, reason);
    for (const [name, value] of headers) response.headers.append(name, value);
    this.host.signaling.respond(tx, response);
  }
}

/** An INVITE relay is over: either leg may start a new one. */
function settle(relay: Relay): void {
  relay.from.setInviteBusy(false);
  relay.to.setInviteBusy(false);
}

/**
 * RFC 3261 §13.2.2.4: a 2xx to a relayed INVITE after its answer was given (or the call ended)
 * gets our ACK again, or a new one when none was sent yet.
 */
function ackLate(signaling: Signaling, relay: Relay): void {
  const to = relay.to;
  if (relay.ack === null && to.dialog.state !== 'terminated') {
    relay.ack = to.dialog.createAck(relay.outSeq);
  }
  if (relay.ack !== null) signaling.sendAck(relay.ack, to.destination);
}
