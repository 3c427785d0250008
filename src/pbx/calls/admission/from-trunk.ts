/**
 * Calls from a trunk (IP-authenticated by address and port): the inbound number is mapped to its
 * extension or ring group; a number the trunk has no mapping for gets 404 (a trunk is trusted, so
 * telling it which numbers exist gives nothing away).
 */
import type { Logger } from 'pino';
import { buildReply } from '../../../sip/stack.js';
import { inboundTarget, trunkOf } from '../../trunks/inbound.js';
import type { ResolvedHosts } from '../../trunks/inbound.js';
import type { AdmissionStep } from './chain.js';
import { decided } from './chain.js';

export function fromTrunk(resolvedHosts: () => ResolvedHosts, log: Logger): AdmissionStep {
  return (attempt, next) => {
    const trunk = trunkOf(attempt.directory, attempt.source, resolvedHosts());
    if (trunk === undefined) {
      next();
      return;
    }
    const to = inboundTarget(attempt.directory, trunk, attempt.dialled);
    if (to === undefined) {
      decided(log, attempt, 'trunk', `inbound number not mapped on trunk ${trunk.name}: 404`);
      attempt.tx.respond(buildReply(attempt.request, 404, 'Not Found'));
      return;
    }
    decided(log, attempt, 'trunk', `from trunk ${trunk.name} to ${to}`);
    attempt.caller = { kind: 'trunk', trunk, to };
    next();
  };
}
