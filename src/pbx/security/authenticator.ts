/**
 * Digest authentication of requests from phones, shared by the registrar (401) and calls (407).
 * One answer for an unknown extension and a wrong password (see authenticationOutcome), and
 * repeated failures of one user from one address (or of many users from one address) refused for
 * a while by the AuthGuard.
 */
import type { Logger } from 'pino';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import { buildReply } from '../../sip/stack.js';
import type { ServerTransaction, Source } from '../../sip/stack.js';
import type { DigestServer, Ha1Lookup } from '../../sip/auth/digest.js';
import type { AuthGuard } from './auth-guard.js';
import { authenticationOutcome } from './auth-guard.js';

export type AuthResult =
  | { kind: 'accept'; username: string }
  | { kind: 'respond'; response: SipResponse }
  /** A blocked address over UDP: silence costs it the most and us the least. */
  | { kind: 'drop' };

export interface AuthenticatorDeps {
  digest: DigestServer;
  guard: AuthGuard;
  /** An extension's HA1 for an algorithm, or null when there is no such extension. */
  ha1: Ha1Lookup;
  log: Logger;
  clock: () => number;
  /** Told of each failure that counts against an address (metrics). */
  onFailure?: (blockedNow: boolean) => void;
}

export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  /**
   * `role` decides the header pair: a registrar or UAS challenges with 401 / WWW-Authenticate and
   * reads Authorization; a proxy with 407 / Proxy-Authenticate and Proxy-Authorization
   * (RFC 3261 §22.1, §22.3).
   */
  /**
   * `authenticate`, with the answer given: a challenge or 403 is sent, a dropped request's
   * transaction ended. The authenticated user, or null when the request is dealt with.
   */
  admit(
    request: SipRequest,
    tx: ServerTransaction,
    source: Source,
    role: 'registrar' | 'proxy',
  ): string | null {
    const auth = this.authenticate(request, source, role);
    if (auth.kind === 'accept') return auth.username;
    if (auth.kind === 'respond') tx.respond(auth.response);
    else tx.terminate();
    return null;
  }

  authenticate(request: SipRequest, source: Source, role: 'registrar' | 'proxy'): AuthResult {
    const { digest, guard, log, clock } = this.deps;
    const now = clock();
    const blocked = (): AuthResult =>
      source.protocol === 'udp'
        ? { kind: 'drop' }
        : { kind: 'respond', response: buildReply(request, 403, 'Forbidden') };
    if (guard.isBlocked(source.address, undefined, now)) return blocked();
    const credentials = request.headers.getAll(
      role === 'registrar' ? 'Authorization' : 'Proxy-Authorization',
    );
    const result = digest.verify(
      credentials.length > 0 ? credentials : undefined,
      { method: request.method, uri: request.uri },
      this.deps.ha1,
      now,
    );
    if (result.username !== undefined && guard.isBlocked(source.address, result.username, now)) {
      return blocked();
    }
    const outcome = authenticationOutcome(result);
    if (outcome.failure) {
      const { blockedNow } = guard.recordFailure(
        source.address,
        result.ok ? undefined : result.username,
        now,
      );
      this.deps.onFailure?.(blockedNow);
      // The reason and the claimed user help an admin; the credentials themselves are never logged.
      log.warn(
        {
          address: source.address,
          method: request.method,
          reason: result.ok ? undefined : result.reason,
          user: result.ok ? undefined : result.username,
          blocked: blockedNow,
        },
        'SIP authentication failed',
      );
    }
    switch (outcome.kind) {
      case 'accept':
        guard.recordSuccess(source.address, outcome.username);
        return { kind: 'accept', username: outcome.username };
      case 'challenge': {
        const response =
          role === 'registrar'
            ? buildReply(request, 401, 'Unauthorized')
            : buildReply(request, 407, 'Proxy Authentication Required');
        const header = role === 'registrar' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
        for (const value of digest.challenge({ stale: outcome.stale, now })) {
          response.headers.append(header, value);
        }
        return { kind: 'respond', response };
      }
      case 'reject':
        return {
          kind: 'respond',
          response: buildReply(
            request,
            outcome.status,
            outcome.status === 400 ? 'Bad Request' : 'Forbidden',
          ),
        };
    }
  }
}
