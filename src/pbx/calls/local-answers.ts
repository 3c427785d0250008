/**
 * In-dialog requests the PBX answers itself rather than relays: on a leg whose media ends at the
 * PBX (a trunk leg, a caller answered for a prompt or the voicemail), and before the call is
 * answered.
 */
import { buildReply, getCSeq } from '../../sip/message/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import { ALLOW, contentOf } from './in-dialog-relay.js';
import type { Side } from './in-dialog-relay.js';
import type { OfferAnswer } from './offer-answer.js';
import { dtmfOfInfo } from './info-dtmf.js';
import type { DtmfDigit } from '../../media/telephone-event.js';
import type { ServerTx, Signaling } from './ports.js';

export function reply(
  signaling: Signaling,
  tx: ServerTx,
  status: number,
  reason: string,
  headers: readonly (readonly [string, string])[] = [],
): void {
  const response = buildReply(tx.request, status, reason);
  for (const [name, value] of headers) response.headers.append(name, value);
  signaling.respond(tx, response);
}

/** RFC 3264 §4: the in-dialog requests that may carry an SDP offer (RFC 3311 for UPDATE). */
export function isOfferCarrier(method: string): boolean {
  return method === 'INVITE' || method === 'UPDATE';
}

/** RFC 3261 §14.2: not before the call is answered; retry in a few seconds. */
export function notYet(signaling: Signaling, tx: ServerTx): void {
  const retry = 1 + Math.floor(Math.random() * 10);
  reply(signaling, tx, 500, 'Server Internal Error', [['Retry-After', String(retry)]]);
}

/**
 * Requests from a caller talking to the PBX alone (a prompt, the voicemail, the `*97` menu).
 * INFO's DTMF (info-dtmf.ts) goes to `digit` like an RFC 4733 digit; an unreadable one gets 400.
 */
export function answerAlone(
  signaling: Signaling,
  request: SipRequest,
  tx: ServerTx,
  digit: (digit: DtmfDigit) => void,
): void {
  if (request.method === 'INFO') {
    const dtmf = dtmfOfInfo(request);
    if (dtmf === 'malformed') {
      reply(signaling, tx, 400, 'Bad Request: unreadable DTMF');
      return;
    }
    reply(signaling, tx, 200, 'OK');
    if (dtmf !== null) digit(dtmf);
    return;
  }
  // OPTIONS (keep-alive) is acknowledged.
  if (request.method === 'OPTIONS') {
    reply(signaling, tx, 200, 'OK', request.method === 'OPTIONS' ? [['Allow', ALLOW]] : []);
    return;
  }
  reply(signaling, tx, 501, 'Not Implemented', [['Allow', ALLOW]]);
}

/** What answering an offer borrows from the call. */
export interface OfferHost {
  readonly signaling: Signaling;
  log(message: string): void;
  /** The answer in an ACK is unusable: the call ends. */
  hangUp(): void;
}

/**
 * A re-INVITE or UPDATE on a leg whose media ends at the PBX (hold, resume, a new address):
 * answered here from that leg's session (`offers`; null when it is gone), never relayed — the
 * other leg's media is the PBX's own and does not change. RFC 3264 §8: an offer gets our answer;
 * a re-INVITE without one gets our offer, answered in its ACK; an UPDATE without SDP only
 * refreshes the target. True when it was answered 200.
 */
export function answerOffer(
  host: OfferHost,
  side: Side,
  offers: OfferAnswer | null,
  other: Side | null,
  request: SipRequest,
  tx: ServerTx,
): boolean {
  const invite = request.method === 'INVITE';
  if (invite && (side.inviteInProgress || other?.inviteInProgress === true)) {
    // RFC 3261 §14.2: one INVITE at a time per dialog.
    reply(host.signaling, tx, 491, 'Request Pending');
    return false;
  }
  if (offers === null || offers.session.closed) {
    reply(host.signaling, tx, 500, 'Server Internal Error', [['Retry-After', '1']]);
    return false;
  }
  const offer = contentOf(request).body;
  let sdp: string | undefined;
  if (offer !== undefined || invite) {
    const exchange = offers.respond(offer);
    if (!exchange.ok) {
      const { status, reason, headers, why } = exchange.refusal;
      host.log(`${side.name}'s ${request.method} refused: ${why}`);
      reply(host.signaling, tx, status, reason, headers);
      return false;
    }
    sdp = exchange.value;
  }
  // The far end comes back from hold: count its silence from now.
  offers.session.touch();
  side.dialog.refreshTarget(request);
  const response = buildReply(request, 200, 'OK');
  response.headers.append('Contact', `<${side.dialog.localContact}>`);
  response.headers.append('Allow', ALLOW);
  if (sdp !== undefined) {
    response.headers.append('Content-Type', 'application/sdp');
    response.body = Buffer.from(sdp);
  }
  host.signaling.respond(tx, response);
  if (!invite) return true;
  side.setInviteBusy(true);
  side.awaitAck(getCSeq(request)?.seq ?? 0, tx, response, (ack) => {
    side.setInviteBusy(false);
    if (offer !== undefined) return;
    const exchange = offers.accept(contentOf(ack).body);
    if (!exchange.ok) {
      // RFC 3261 §14.1: an unusable answer in an ACK leaves nothing to do but end the call.
      host.log(`${side.name}'s answer in the ACK refused: ${exchange.refusal.why}`);
      host.hangUp();
    }
  });
  return true;
}
