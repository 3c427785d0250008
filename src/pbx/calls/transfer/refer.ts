/**
 * Blind transfer (RFC 3515): a REFER from either party of an answered call asks the PBX to pass
 * the other party (the transferee) to the Refer-To target. The PBX is the transferee's user agent
 * (a B2BUA), so it carries the transfer out itself: the target is routed as if the transferee had
 * called it (its exceptions see that number: the original caller's when the callee transfers,
 * design §3), and the call follows that plan, the transferee in the caller's place; the
 * transferor's dialog only hears how it goes, by NOTIFY `message/sipfrag` (RFC 3515 §2.4.4-5):
 * `100 Trying` at once, then `200 OK` when the target answers (or its voicemail takes the call),
 * or the failure when the call returns to the transferor, and the PBX hangs up on it.
 *
 * Answers (RFC 3515 §2.4.1, §2.4.2): no or several Refer-To, or one that is no SIP URI: 400; a
 * target nobody knows: 404; one the outbound policy refuses, or an outside number for a
 * transferor that is no extension: 403. A REFER outside any dialog never reaches a call: the
 * router answers it 481.
 *
 * A Refer-To with `Replaces` is an attended transfer (attended.ts): a malformed Replaces gets 400;
 * one naming a dialog of somebody else than the transferor, 403; one naming the transferor's
 * consultation still ringing becomes a blind transfer to whom it rings (the consultation is
 * cancelled); one naming no dialog the PBX can join (none, this very call, a call already
 * transferring or in voicemail) is accepted and
 * fails as the INVITE with Replaces a transferee would send would (RFC 5589 §7, RFC 3891 §3):
 * NOTIFY `481 Call/Transaction Does Not Exist`, the call going on as before. A 481 to the REFER
 * itself would end the transferor's dialog (RFC 3261 §12.2.1.2).
 */
import { transferDecision } from '../../../domain/transfer.js';
import {
  parseNameAddr,
  parseReplaces,
  parseSipUri,
  uriReplaces,
  uriUser,
} from '../../../sip/message/index.js';
import type { SipRequest } from '../../../sip/message/index.js';
import type { Caller } from '../../../domain/types.js';
import type { BLeg } from '../b-leg.js';
import type { CallCore } from '../call-core.js';
import type { Side } from '../in-dialog-relay.js';
import { reply } from '../local-answers.js';
import type { StepFailure } from '../outcome.js';
import type { ServerTx } from '../ports.js';
import { attend } from './attended.js';

/** Who sent the REFER: either party of an answered call. */
export interface Transferor {
  /** Its dialog with the PBX, where the NOTIFYs go. */
  side: Side;
  /** The extension (or number) that transferred, for the trace and the policy. */
  by: string;
  /** Its B-leg when the callee transferred; null when the caller did. */
  leg: BLeg | null;
  /** Hang up on it (BYE), once. */
  hangUp(): void;
}

/** The transferor's side of a transfer in progress: its dialog, told by NOTIFY. */
export class BlindTransfer {
  private told = false;
  private hungUp = false;

  constructor(
    private readonly core: CallCore,
    private readonly transferor: Transferor,
    /** The Refer-To target as dialled, for the trace and the log. */
    readonly target: string,
    /** The plan step (relative to the transfer's plan) that rings the transferor back. */
    readonly returnStep: number | null,
  ) {}

  get by(): string {
    return this.transferor.by;
  }

  /** The transferor's B-leg (the callee transferred), null when the caller did. */
  get leg(): BLeg | null {
    return this.transferor.leg;
  }

  /** Hang up on the transferor if the PBX has not yet (the call ends). */
  end(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.transferor.hangUp();
  }

  /** The outcome is told: the transferor is being hung up. */
  get done(): boolean {
    return this.told;
  }

  /** RFC 3515 §2.4.5: progress as a sipfrag of the status line. */
  progress(status: number, reason: string): void {
    this.notify(status, reason, false);
  }

  /**
   * Tell the transferor how its transfer went, once: `failure` null when the target took the
   * call (or its voicemail did), else why it did not (the call returns to the transferor).
   */
  conclude(failure: StepFailure | null): void {
    const [status, reason] = failure === null ? [200, 'OK'] : sipfragOf(failure);
    this.finish(status, reason);
  }

  /**
   * The transfer could not even start: the transferor is told, and stays in the call (nothing
   * changed for it).
   */
  fail(status: number, reason: string): void {
    if (this.told) return;
    this.told = true;
    this.hungUp = true;
    this.core.log(`transfer by ${this.by} to ${this.target}: ${status} ${reason}`);
    this.notify(status, reason, true);
  }

  private finish(status: number, reason: string): void {
    if (this.told) return;
    this.told = true;
    this.core.log(`transfer by ${this.by} to ${this.target}: ${status} ${reason}`);
    this.notify(status, reason, true);
    this.end();
  }

  private notify(status: number, reason: string, final: boolean): void {
    const side = this.transferor.side;
    if (side.dialog.state === 'terminated') return;
    const request = side.dialog.createRequest('NOTIFY', {
      body: Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`),
      contentType: 'message/sipfrag;version=2.0',
      headers: [
        ['Event', 'refer'],
        // RFC 6665 §4.1.3: the implicit subscription ends with the final result.
        ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60'],
      ],
    });
    const ignore = (): void => undefined;
    this.core.held.send(request, side.destination, {
      onResponse: ignore,
      onTimeout: ignore,
      onTransportError: ignore,
    });
  }
}

function sipfragOf(failure: StepFailure): [number, string] {
  switch (failure) {
    case 'busy':
      return [486, 'Busy Here'];
    case 'no-answer':
      return [408, 'Request Timeout'];
    case 'rejected':
      return [603, 'Decline'];
    default:
      return [480, 'Temporarily Unavailable'];
  }
}

/** The Refer-To target's user part, or null when there is not exactly one SIP URI to read. */
function referTarget(request: SipRequest): { user: string; replaces: string | undefined } | null {
  const values = request.headers.getAll('Refer-To');
  if (values.length !== 1) return null;
  const nameAddr = parseNameAddr(values[0] ?? '');
  const uri = nameAddr === null ? null : parseSipUri(nameAddr.uri);
  const user = uri === null ? undefined : uriUser(uri);
  if (uri === null || user === undefined || user === '') return null;
  return { user: decodeURIComponent(user), replaces: uriReplaces(uri.headers) };
}

/**
 * A REFER from either party of an answered call: answered, and on 202 the other party, the
 * transferee (known to routing as `transferee`), follows the transfer's plan.
 */
export function receiveRefer(
  core: CallCore,
  transferor: Transferor,
  transferee: Caller,
  request: SipRequest,
  tx: ServerTx,
): void {
  const refer = referTarget(request);
  if (refer === null) {
    reply(core.signaling, tx, 400, 'Bad Request: one Refer-To SIP URI required');
    return;
  }
  if (refer.replaces !== undefined) {
    receiveAttended(core, transferor, transferee, refer.user, refer.replaces, tx);
    return;
  }
  blindTransfer(core, transferor, transferee, refer.user, tx);
}

/** Accept (or refuse) a blind transfer of `transferee` to `target`, and carry it out. */
function blindTransfer(
  core: CallCore,
  transferor: Transferor,
  transferee: Caller,
  target: string,
  tx: ServerTx,
): void {
  const routing = core.transfers;
  const by = transferor.by;
  const routed = routing === null ? 'forbidden' : routing.route(transferee, target, by);
  if (routed === 'forbidden') {
    core.log(`transfer to ${target} by ${by} refused`);
    reply(core.signaling, tx, 403, 'Forbidden');
    return;
  }
  if (routed === null) {
    reply(core.signaling, tx, 404, 'Not Found');
    return;
  }
  const voicemailTarget = target.startsWith('*');
  const { decision, returnStep } = transferDecision(routed.decision, {
    by,
    target: target,
    returnTo: voicemailTarget ? null : routed.transferor,
    returnTimeout: routed.returnTimeout,
  });
  reply(core.signaling, tx, 202, 'Accepted');
  const transfer = new BlindTransfer(core, transferor, target, returnStep);
  transfer.progress(100, 'Trying');
  core.log(`transferred by ${by} to ${target}`);
  core.transferTo(transfer, decision, transferee);
}

/** A REFER whose Refer-To carries `replaces` (its decoded value): an attended transfer. */
function receiveAttended(
  core: CallCore,
  transferor: Transferor,
  transferee: Caller,
  target: string,
  replacesValue: string,
  tx: ServerTx,
): void {
  const replaces = parseReplaces(replacesValue);
  if (replaces === null) {
    reply(core.signaling, tx, 400, 'Bad Request: malformed Replaces');
    return;
  }
  const named = core.transfers?.dialog?.(replaces) ?? null;
  if (named !== null && named.by !== transferor.by) {
    core.log(`attended transfer by ${transferor.by} names a dialog of ${named.by}: refused`);
    reply(core.signaling, tx, 403, 'Forbidden');
    return;
  }
  if (named?.state === 'unanswered' && named.call !== core) {
    // RFC 5589 §7: transferred while the consultation still rings. The PBX cannot hand a
    // ringing call to the transferee, so it cancels it and rings its target for the transferee.
    core.log(`attended transfer by ${transferor.by} while ${named.other} rings: blind`);
    named.call.abandon();
    blindTransfer(core, transferor, transferee, named.other, tx);
    return;
  }
  reply(core.signaling, tx, 202, 'Accepted');
  const transfer = new BlindTransfer(core, transferor, named?.other ?? target, null);
  transfer.progress(100, 'Trying');
  if (named === null || named.state !== 'confirmed' || named.call === core) {
    core.log(`attended transfer by ${transferor.by}: Replaces names no call to join`);
    transfer.fail(481, 'Call/Transaction Does Not Exist');
    return;
  }
  core.log(`attended transfer by ${transferor.by} to ${named.other} (call ${named.call.id})`);
  attend(core, transfer, transferor.leg === null ? 'caller' : 'callee', named);
}
