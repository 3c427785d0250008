/**
 * The end of the admission chain: an admitted call handed to the router — a trunk's or an outside
 * caller's to its extension or ring group, an extension's to a local number, its mailbox menu
 * (`*97`) or an outside number through the trunk.
 */
import type { Logger } from 'pino';
import { canonicalNumber } from '../../../domain/numbers.js';
import { buildReply } from '../../../sip/stack.js';
import type { CallRouter } from '../call-router.js';
import { MAILBOX_MENU } from '../call-router.js';
import { pickupTarget } from '../transfer/joining.js';
import type { AdmissionStep } from './chain.js';
import { decided } from './chain.js';

export function dispatch(router: CallRouter, log: Logger): AdmissionStep {
  return (attempt) => {
    const { request, tx, directory, dialled, caller } = attempt;
    const released = (): void => {
      for (const release of attempt.onRelease) release();
    };
    if (caller?.kind !== 'extension' && request.headers.getAll('Replaces').length > 0) {
      // RFC 3891 §6: only a caller the PBX authenticated may replace one of its dialogs.
      decided(log, attempt, 'dispatch', 'Replaces from no extension: 403');
      tx.respond(buildReply(request, 403, 'Forbidden'));
      return;
    }
    switch (caller?.kind) {
      case undefined:
        // A step above always decides the caller or answers; never reached.
        throw new Error('admission: no caller decided');
      case 'trunk':
        router.handleInvite(request, tx, {
          to: caller.to,
          trusted: caller.trunk.trusted,
          fromTrunk: true,
          onReleased: released,
        });
        return;
      case 'outside':
        router.handleInvite(request, tx, { to: dialled, outsideSip: true, onReleased: released });
        return;
      case 'extension':
        break;
    }
    const username = caller.username;
    if (request.headers.getAll('Replaces').length > 0) {
      router.handleReplaces(request, tx, username);
      return;
    }
    const pickup = pickupTarget(dialled);
    if (pickup !== undefined) {
      router.handlePickup(request, tx, username, dialled, pickup);
      return;
    }
    if (dialled === MAILBOX_MENU) {
      router.handleMailboxMenu(request, tx, username);
      return;
    }
    if (directory.extensions.has(dialled) || directory.ringGroups.has(dialled)) {
      router.handleInvite(request, tx, {
        to: dialled,
        authenticatedAs: username,
        onReleased: released,
      });
      return;
    }
    const e164 = canonicalNumber(dialled, directory.settings.country);
    if (e164 === null) {
      decided(log, attempt, 'dispatch', 'not a number: 404');
      tx.respond(buildReply(request, 404, 'Not Found'));
      return;
    }
    router.handleOutbound(request, tx, e164, username);
  };
}
