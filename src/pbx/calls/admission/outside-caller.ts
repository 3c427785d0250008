/**
 * Outside SIP callers: a request from an address that is neither a trunk nor an extension that
 * authenticated. By default there are none: the request goes on to be challenged like any other,
 * whatever it dials, so a scan learns nothing. When the admin allows them (`outsideCalls.allow`),
 * a request that offers no credentials, claims no extension in its From and calls an extension or
 * ring group is let in as an outside caller — which routing never lets dial out.
 */
import type { Logger } from 'pino';
import { getFrom, parseSipUri, uriUser } from '../../../sip/message/index.js';
import { MAILBOX_MENU } from '../call-router.js';
import type { AdmissionStep } from './chain.js';
import { decided } from './chain.js';

export function outsideCaller(log: Logger): AdmissionStep {
  return (attempt, next) => {
    const { directory, dialled, request } = attempt;
    if (attempt.caller !== undefined || !directory.settings.outsideCalls.allow) {
      next();
      return;
    }
    const local =
      dialled !== MAILBOX_MENU &&
      (directory.extensions.has(dialled) || directory.ringGroups.has(dialled));
    const fromUri = parseSipUri(getFrom(request)?.uri ?? '');
    const fromUser = fromUri === null ? undefined : uriUser(fromUri);
    // A From naming an extension must prove it: nobody passes for one (the callee would see it).
    const claimsExtension = fromUser !== undefined && directory.extensions.has(fromUser);
    if (local && !claimsExtension && !request.headers.has('Proxy-Authorization')) {
      decided(log, attempt, 'outside', 'outside caller');
      attempt.caller = { kind: 'outside' };
    }
    next();
  };
}
