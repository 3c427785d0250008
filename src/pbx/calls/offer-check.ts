/**
 * The caller's SDP offer, checked at the edge: before a call exists, holds ports or writes a
 * history row, an INVITE whose offer the PBX could not use is refused, with a Warning header
 * saying why (RFC 3261 §20.43): 488 Not Acceptable Here (§21.4.26) for an offer it cannot use,
 * 400 for one it cannot read. The numbers of the offer are range-checked where they are read
 * (media/sdp.ts); here the PBX adds its policy on names: a connection address that is a host name
 * is refused from anyone but a trusted trunk (301), so that nobody can make the PBX resolve names
 * of their choosing. A trusted trunk's name is resolved once per RTP session (address-lookup.ts).
 *
 * A body on an INVITE is an SDP offer here: the call answers it as one.
 */
import { SdpError, isNamedAddress, parseRemoteSdp } from '../../media/sdp.js';
import type { SipRequest } from '../../sip/message/index.js';
import { buildReply } from '../../sip/message/index.js';
import { refusalOf } from './offer-answer.js';
import type { ServerTx } from './ports.js';

/** Why the offer of `request` cannot be taken, or null when it can (or there is none). */
export function offerProblem(request: SipRequest, trusted: boolean): SdpError | null {
  if (request.body.length === 0) return null;
  try {
    const remote = parseRemoteSdp(request.body.toString('utf8'));
    if (!trusted && isNamedAddress(remote)) {
      return new SdpError(
        'address',
        'a media address must be an IP address, not a host name (RFC 4566 §5.7)',
      );
    }
    return null;
  } catch (error) {
    // No plain RTP audio stream (SRTP, WebRTC, video only): nothing here for the PBX to use, but
    // two phones may still talk when their SDP passes through; the PBX refuses it only if it
    // must answer it itself (call-session.ts).
    if (error instanceof SdpError) return error.code === 'no-audio' ? null : error;
    throw error;
  }
}

/**
 * Answers `tx` 488 (or 400) with a Warning when its offer cannot be taken; true when it did.
 * `agent`: the PBX's host, the Warning's warn-agent.
 */
export function refuseUnusableOffer(
  tx: ServerTx,
  trusted: boolean,
  agent: string,
  log: (message: string) => void,
): boolean {
  const problem = offerProblem(tx.request, trusted);
  if (problem === null) return false;
  const refusal = refusalOf(problem, agent);
  const response = buildReply(tx.request, refusal.status, refusal.reason);
  for (const [name, value] of refusal.headers) response.headers.append(name, value);
  log(`INVITE refused, its offer cannot be used: ${problem.message}`);
  tx.respond(response);
  return true;
}
