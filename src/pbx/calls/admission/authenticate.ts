/**
 * Everyone who is not a trunk nor an admitted outside caller authenticates as an extension
 * (digest, 407; RFC 3261 §22.3). The answer before that is the same whatever the number dialled,
 * so INVITE scans cannot tell real extensions from others.
 */
import type { Logger } from 'pino';
import type { Authenticator } from '../../security/authenticator.js';
import type { AdmissionStep } from './chain.js';
import { decided } from './chain.js';

export function authenticate(authenticator: Authenticator, log: Logger): AdmissionStep {
  return (attempt, next) => {
    if (attempt.caller !== undefined) {
      next();
      return;
    }
    const username = authenticator.admit(attempt.request, attempt.tx, attempt.source, 'proxy');
    if (username === null) {
      decided(log, attempt, 'authenticate', 'not authenticated: challenged or refused');
      return;
    }
    decided(log, attempt, 'authenticate', `authenticated as ${username}`);
    attempt.caller = { kind: 'extension', username };
    next();
  };
}
