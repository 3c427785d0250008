/**
 * Where a SUBSCRIBE goes (RFC 6665): each event package to its notifier — message waiting
 * (voicemail/mwi.ts), busy lamps and presence (presence-service.ts) — and the PBX's list of
 * packages to a phone asking for one it does not serve.
 */
import { buildReply } from '../../sip/message/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import type { ServerTransaction, Source } from '../../sip/stack.js';
import { eventPackageOf } from '../../sip/subscription/subscribe-request.js';
import { PBX_ALLOW_EVENTS } from '../allow.js';
import { EVENT_PACKAGE as MWI_PACKAGE } from '../voicemail/mwi.js';
import type { MwiService } from '../voicemail/mwi.js';
import type { PresenceService } from './presence-service.js';

export function routeSubscribe(
  request: SipRequest,
  tx: ServerTransaction,
  source: Source,
  mwi: Pick<MwiService, 'handle'>,
  presence: Pick<PresenceService, 'serves' | 'handle'>,
): void {
  const pkg = eventPackageOf(request);
  if (pkg === undefined) {
    // RFC 6665 §8.2.1: a SUBSCRIBE names its package.
    tx.respond(buildReply(request, 400, 'Missing Event Header'));
    return;
  }
  if (pkg === MWI_PACKAGE) {
    mwi.handle(request, tx, source);
    return;
  }
  if (presence.serves(request)) {
    presence.handle(request, tx, source);
    return;
  }
  // RFC 6665 §4.2.1: 489, with the packages served.
  const response = buildReply(request, 489, 'Bad Event');
  response.headers.append('Allow-Events', PBX_ALLOW_EVENTS);
  tx.respond(response);
}
