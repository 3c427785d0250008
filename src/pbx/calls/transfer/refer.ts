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
 * transferor that is no extension: 403; a REFER with `Replaces` (attended transfer): 501, not
 * built yet. A REFER outside any dialog never reaches a call: the router answers it 481.
 */
import { transferDecision } from '../../../domain/transfer.js';
import { parseNameAddr, parseSipUri, uriUser } from '../../../sip/message/index.js';
import type { SipRequest } from '../../../sip/message/index.js';
import type { Caller } from '../../../domain/types.js';
import type { BLeg } from '../b-leg.js';
import type { CallCore } from '../call-core.js';
import type { Side } from '../in-dialog-relay.js';
import { reply } from '../local-answers.js';
import type { StepFailure } from '../outcome.js';
import type { ServerTx } from '../ports.js';

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
function referTarget(request: SipRequest): { user: string; replaces: boolean } | null {
  const values = request.headers.getAll('Refer-To');
  if (values.length !== 1) return null;
  const nameAddr = parseNameAddr(values[0] ?? '');
  const uri = nameAddr === null ? null : parseSipUri(nameAddr.uri);
  const user = uri === null ? undefined : uriUser(uri);
  if (uri === null || user === undefined || user === '') return null;
  const replaces = [...uri.headers.keys()].some((name) => name.toLowerCase() === 'replaces');
  return { user: decodeURIComponent(user), replaces };
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
  if (refer.replaces) {
    reply(core.signaling, tx, 501, 'Not Implemented: attended transfer');
    return;
  }
  const routing = core.transfers;
  const by = transferor.by;
  const routed = routing === null ? 'forbidden' : routing.route(transferee, refer.user, by);
  if (routed === 'forbidden') {
    core.log(`transfer to ${refer.user} by ${by} refused`);
    reply(core.signaling, tx, 403, 'Forbidden');
    return;
  }
  if (routed === null) {
    reply(core.signaling, tx, 404, 'Not Found');
    return;
  }
  const voicemailTarget = refer.user.startsWith('*');
  const { decision, returnStep } = transferDecision(routed.decision, {
    by,
    target: refer.user,
    returnTo: voicemailTarget ? null : routed.transferor,
    returnTimeout: routed.returnTimeout,
  });
  reply(core.signaling, tx, 202, 'Accepted');
  const transfer = new BlindTransfer(core, transferor, refer.user, returnStep);
  transfer.progress(100, 'Trying');
  core.log(`transferred by ${by} to ${refer.user}`);
  core.transferTo(transfer, decision, transferee);
}
