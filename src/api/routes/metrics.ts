/**
 * `/metrics`: the PBX's Prometheus exposition. It tells who is registered from how many phones,
 * how many calls and authentication failures there are: not for anyone on the network.
 *
 * Who may read it:
 * - an admin's web session (the cookie), to look at it from a browser;
 * - with a token configured (`RENVOI_METRICS_TOKEN`), a scraper that sends
 *   `Authorization: Bearer <token>`, from anywhere;
 * - without a token, a scraper on this machine (loopback). Once a token is configured loopback is
 *   no longer enough: a reverse proxy on the same machine would make every visitor loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { PbxMetrics } from '../../pbx/metrics.js';
import type { ApiApp, ApiContext } from '../context.js';
import { SESSION_COOKIE } from '../context.js';
import { ApiError } from '../errors.js';
import { requestLanguage } from '../messages.js';
import { passwordKey } from '../../domain/credentials.js';

export interface MetricsAccess {
  metrics: PbxMetrics;
  /** A bearer token that scrapers must send; null: loopback scrapers need none. */
  token: string | null;
}

export function metricsRoutes(app: ApiApp, ctx: ApiContext, access: MetricsAccess): void {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const accept = request.headers['accept-language'];
    request.lang = requestLanguage(
      undefined,
      undefined,
      typeof accept === 'string' ? accept : undefined,
    );
    if (!(await allowed(request, ctx, access.token))) {
      throw new ApiError(403, 'forbidden', 'api.metrics-forbidden');
    }
    const { contentType, body } = await access.metrics.exposition();
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
}

async function allowed(
  request: FastifyRequest,
  ctx: ApiContext,
  token: string | null,
): Promise<boolean> {
  if (token !== null) {
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      return sameSecret(header.slice('Bearer '.length), token);
    }
  } else if (isLoopback(request.socket.remoteAddress)) {
    return true;
  }
  const directory = await ctx.directories.current();
  const session = ctx.sessions.verify(request.cookies[SESSION_COOKIE], (n) => {
    const extension = directory.extensions.get(n);
    return extension === undefined ? null : passwordKey(extension.number, extension.password);
  });
  if (session === null) return false;
  return directory.extensions.get(session.extension)?.role === 'admin';
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Compared as digests of equal length, so the time taken says nothing of the token. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
