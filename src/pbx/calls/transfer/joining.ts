/**
 * New calls that join a call in progress instead of following a plan (attended.ts does the
 * joining): an INVITE with Replaces (RFC 3891) naming one of the PBX's dialogs, and the pickup
 * codes. Both come from authenticated extensions only (admission/dispatch.ts answers 403 to a
 * Replaces from anybody else).
 */
import type { Caller, Directory } from '../../../domain/types.js';
import { buildReply, parseReplaces } from '../../../sip/message/index.js';
import type { Replaces, SipRequest } from '../../../sip/message/index.js';
import { partyOf } from '../dialog-requests.js';
import type { ServerTx } from '../ports.js';
import { pickUp, replaceParty } from './attended.js';
import type { JoinableCall, NamedDialog } from './attended.js';

/** What the joining needs of a call in progress (CallSession). */
export interface JoinedCall extends JoinableCall {
  readonly caller: Caller;
  namedDialog(replaces: Replaces): NamedDialog | null;
  ringingFor(wanted: (extension: string) => boolean): boolean;
}

/** What the joining needs of the router. */
export interface JoiningHost<C extends JoinedCall> {
  /** The call one of whose dialogs has this Call-ID. */
  callById(callId: string): C | undefined;
  /** The calls in progress, oldest first. */
  calls(): Iterable<C>;
  directory(): Directory;
  log(message: string): void;
  /** A new call for `request` whose caller joins another call at once (`join`). */
  start(
    request: SipRequest,
    tx: ServerTx,
    extension: string,
    to: string,
    join: (call: C) => void,
  ): C | null;
}

/**
 * Pickup codes: `*20*` + extension or `**` + extension (3CX's) picks up that extension's ringing
 * call; `*20` alone, a call ringing a member of one of the picker's ring groups. Undefined when
 * `dialled` is no pickup code, null for group pickup. (Park uses `*0` and `*1`, voicemail `*97`.)
 */
export function pickupTarget(dialled: string): string | null | undefined {
  if (dialled === '*20') return null;
  const match = /^(?:\*20\*|\*\*)(\d+)$/.exec(dialled);
  return match?.[1];
}

/**
 * An INVITE with Replaces (RFC 3891 §3) from an authenticated extension: a ringing leg's early
 * dialog is picked up (its call answered by the new caller, the phones rung cancelled); an
 * answered dialog of the same extension (a call moved to another of its phones) has its party
 * replaced by the new caller. A malformed or repeated Replaces gets 400; one naming no dialog,
 * or a caller's early dialog (not the PBX's own), 481; an answered dialog with `early-only`, or
 * one busy being transferred, 486; another extension's answered dialog, 403.
 */
export function joinByReplaces<C extends JoinedCall>(
  host: JoiningHost<C>,
  request: SipRequest,
  tx: ServerTx,
  extension: string,
): C | null {
  const values = request.headers.getAll('Replaces');
  const replaces = values.length === 1 ? parseReplaces(values[0] ?? '') : null;
  const refuse = (status: number, reason: string): null => {
    host.log(`INVITE with Replaces from ${extension}: ${status} ${reason}`);
    tx.respond(buildReply(request, status, reason));
    return null;
  };
  if (replaces === null) return refuse(400, 'Bad Request: malformed Replaces');
  const named = host.callById(replaces.callId)?.namedDialog(replaces) ?? null;
  if (named === null || named.state === 'unanswered') {
    return refuse(481, 'Call/Transaction Does Not Exist');
  }
  if (named.state === 'engaged' || (named.state === 'confirmed' && replaces.earlyOnly)) {
    return refuse(486, 'Busy Here');
  }
  if (named.state === 'confirmed' && named.by !== extension) return refuse(403, 'Forbidden');
  return host.start(request, tx, extension, named.by, (call) => {
    if (named.state === 'ringing') pickUp(call, extension, named.call, named.other);
    else replaceParty(call, extension, named);
  });
}

/** A pickup code dialled by an authenticated extension (`target`: see `pickupTarget`). */
export interface PickupCode {
  request: SipRequest;
  tx: ServerTx;
  extension: string;
  dialled: string;
  target: string | null;
}

/**
 * A pickup code: `target` names the ringing extension (directed pickup), null a member of one of
 * the picker's ring groups (group pickup). The oldest such ringing call is answered by the
 * picker; none: 480.
 */
export function pickUpByCode<C extends JoinedCall>(
  host: JoiningHost<C>,
  code: PickupCode,
): C | null {
  const { request, tx, extension, dialled, target } = code;
  const groups = [...host.directory().ringGroups.values()].filter((g) =>
    g.members.includes(extension),
  );
  const wanted = (rung: string): boolean =>
    rung !== extension &&
    (target === null ? groups.some((g) => g.members.includes(rung)) : rung === target);
  const ringing = [...host.calls()].find((call) => call.ringingFor(wanted));
  if (ringing === undefined) {
    host.log(`pickup ${dialled} by ${extension}: no call ringing`);
    tx.respond(buildReply(request, 480, 'Temporarily Unavailable: no call to pick up'));
    return null;
  }
  const caller = partyOf(ringing.caller);
  host.log(`pickup ${dialled} by ${extension}: call ${ringing.id}`);
  return host.start(request, tx, extension, dialled, (call) =>
    pickUp(call, extension, ringing, caller),
  );
}
