/**
 * A request received in one of the call's dialogs, from the caller or from a B-leg: checked for
 * order (RFC 3261 §12.2.2), then a BYE ends the call, a re-INVITE or UPDATE on a side whose media
 * ends at the PBX is answered here (local-answers.ts), anything else is relayed to the other side
 * (in-dialog-relay.ts) once the call is answered.
 *
 * - Before the answer, the caller's BYE ends the call like a CANCEL (RFC 3261 §15.1.2) and any
 *   other in-dialog request gets 500 with Retry-After (§14.2).
 * - A caller's BYE may overtake its ACK (RFC 3261 §15 allows BYE on the confirmed dialog): the
 *   session stops retransmitting its 2xx and hangs up (see `CallSession.hangUp`).
 */
import { checkInDialog } from '../../sip/dialog/index.js';
import type { Dialog } from '../../sip/dialog/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import type { Caller } from '../../domain/types.js';
import type { BLeg } from './b-leg.js';
import type { CallCore } from './call-core.js';
import { answerAlone, answerOffer, isOfferCarrier, notYet, reply } from './local-answers.js';
import type { ServerTx } from './ports.js';
import { holdRequest } from './music-on-hold.js';
import { receiveRefer } from './transfer/refer.js';

export function fromCaller(
  core: CallCore,
  dialog: Dialog,
  request: SipRequest,
  tx: ServerTx | null,
): void {
  const side = core.callerSide;
  if (request.method === 'ACK') {
    side?.receiveAck(request);
    return;
  }
  if (tx === null) return;
  if (!inOrder(core, dialog, request, tx)) return;
  if (request.method === 'BYE') {
    reply(core.signaling, tx, 200, 'OK');
    if (side !== null && core.live()) {
      dialog.terminate();
      core.hangUp('caller');
    } else if (core.unanswered()) {
      // RFC 3261 §15.1.2: the caller may BYE an early dialog; its INVITE gets 487.
      core.rejectCaller({ status: 487, reason: 'Request Terminated' }, 'cancelled');
    }
    return;
  }
  if (side === null || !core.live()) {
    notYet(core.signaling, tx);
    return;
  }
  const callee = core.state === 'answered' ? core.calleeSide : null;
  const winner = core.winner;
  if (request.method === 'REFER' && callee !== null && winner !== null) {
    const transferor = {
      side,
      by: partyOf(core.caller),
      leg: null,
      hangUp: () => core.byeCallerLeg(),
    };
    receiveRefer(core, transferor, callerOf(winner.target), request, tx);
    return;
  }
  if (callee !== null && holdRequest(core, 'caller', side, callee, request, tx)) return;
  if (core.sides.callerHere && isOfferCarrier(request.method)) {
    answerOffer(core.offerHost, side, core.sides.offersOf('caller'), callee, request, tx);
  } else if (callee !== null) {
    core.relays.relay(side, callee, request, tx);
  } else {
    answerAlone(core.signaling, request, tx, (digit) => core.media.caller?.signalledDigit(digit));
  }
}

export function fromCallee(
  core: CallCore,
  leg: BLeg,
  dialog: Dialog,
  request: SipRequest,
  tx: ServerTx | null,
): void {
  const side = core.calleeSide;
  const joined =
    core.state === 'answered' && leg === core.winner && side !== null && dialog === side.dialog;
  if (request.method === 'ACK') {
    if (joined) side.receiveAck(request);
    return;
  }
  if (tx === null) return;
  if (!inOrder(core, dialog, request, tx)) return;
  const confirmation = joined ? undefined : core.legs.confirmationOf(leg);
  if (request.method === 'BYE') {
    reply(core.signaling, tx, 200, 'OK');
    if (joined) {
      leg.remoteHangUp();
      core.hangUp('callee');
    } else if (confirmation !== undefined) {
      // Answered, never accepted: the step goes on without it (steps/confirm.ts).
      leg.remoteHangUp();
      confirmation.hungUp();
    } else if (core.isTransferor(leg)) {
      // A blind transferor hangs up once its REFER is accepted, or once told the outcome.
      leg.remoteHangUp();
    }
    return;
  }
  if (confirmation !== undefined) {
    // The answering person presses 1, its phone sending DTMF in SIP INFO.
    answerAlone(core.signaling, request, tx, confirmation.digit);
    return;
  }
  if (!joined) {
    notYet(core.signaling, tx);
    return;
  }
  const caller = core.callerSide;
  if (request.method === 'REFER') {
    const transferor = { side, by: leg.target, leg, hangUp: () => leg.hangUp() };
    receiveRefer(core, transferor, core.caller, request, tx);
    return;
  }
  if (caller !== null && holdRequest(core, 'callee', side, caller, request, tx)) return;
  if (core.sides.calleeHere && isOfferCarrier(request.method)) {
    answerOffer(core.offerHost, side, core.sides.offersOf('callee'), caller, request, tx);
  } else if (caller !== null) {
    core.relays.relay(side, caller, request, tx);
  }
}

/**
 * The callee a caller transferred, in the caller's place: its requests are the caller's, but its
 * dialog is a B-leg's, which its BYE ends.
 */
export function fromTransferee(
  core: CallCore,
  leg: BLeg,
  dialog: Dialog,
  request: SipRequest,
  tx: ServerTx | null,
): void {
  if (request.method !== 'BYE' || tx === null) {
    fromCaller(core, dialog, request, tx);
    return;
  }
  if (!inOrder(core, dialog, request, tx)) return;
  reply(core.signaling, tx, 200, 'OK');
  leg.remoteHangUp();
  core.hangUp('caller');
}

/** The caller that transferred its callee: it may only hang up (or be hung up on). */
export function fromTransferor(
  core: CallCore,
  dialog: Dialog,
  request: SipRequest,
  tx: ServerTx | null,
): void {
  if (tx === null || !inOrder(core, dialog, request, tx)) return;
  if (request.method === 'BYE') {
    reply(core.signaling, tx, 200, 'OK');
    dialog.terminate();
    return;
  }
  notYet(core.signaling, tx);
}

/** Who a B-leg reached, as a caller: an extension, or an outside number (E.164) it dialled. */
export function callerOf(target: string): Caller {
  return target.startsWith('+')
    ? { kind: 'external', e164: target, digits: target }
    : { kind: 'internal', extension: target };
}

/**
 * The caller as a transferor: its extension, else its number (never its digits alone, which an
 * outside caller writes as it likes: the policy lets only an extension transfer out).
 */
export function partyOf(caller: Caller): string {
  if (caller.kind === 'internal') return caller.extension;
  return caller.kind === 'external' ? (caller.e164 ?? 'outside') : 'anonymous';
}

/** RFC 3261 §12.2.2 for a request received in a dialog; false when it was answered here. */
function inOrder(core: CallCore, dialog: Dialog, request: SipRequest, tx: ServerTx): boolean {
  const refused = checkInDialog(dialog, request);
  if (refused !== null) reply(core.signaling, tx, refused.status, refused.reason);
  return refused === null;
}
