/**
 * Who may do what (contract "Session"): every /api request is read for its session and language;
 * then, unless the route is public, 401 without a session, 403 without the CSRF token on anything
 * but GET/HEAD, 403 on another user's extension or an admin route for a user.
 */
import { passwordKey } from '../domain/credentials.js';
import type { FastifyRequest } from 'fastify';
import type { ApiApp, ApiContext } from './context.js';
import { SESSION_COOKIE } from './context.js';
import { ApiError } from './errors.js';
import { requestLanguage } from './messages.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** The OpenAPI document and its viewer are public: they describe, they hold no data. */
const PUBLIC_PREFIXES = ['/api/docs', '/api/openapi.json'];

function isPublic(request: FastifyRequest): boolean {
  if (request.routeOptions.config.public === true) return true;
  return PUBLIC_PREFIXES.some((prefix) => request.url.startsWith(prefix));
}

export function registerAuth(app: ApiApp, ctx: ApiContext): void {
  app.decorateRequest('lang', 'fr');
  app.decorateRequest('session', null);
  app.decorateRequest('user', null);

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/') && request.url !== '/api') return;
    const directory = await ctx.directories.current();
    const session = ctx.sessions.verify(request.cookies[SESSION_COOKIE], (n) => {
      const extension = directory.extensions.get(n);
      return extension === undefined ? null : passwordKey(extension.number, extension.password);
    });
    const user = session === null ? null : (directory.extensions.get(session.extension) ?? null);
    request.session = user === null ? null : session;
    request.user = user;
    const query = request.query as Record<string, unknown> | undefined;
    const lang = typeof query?.lang === 'string' ? query.lang : undefined;
    const accept = request.headers['accept-language'];
    request.lang = requestLanguage(
      lang,
      user?.language,
      typeof accept === 'string' ? accept : undefined,
    );

    if (isPublic(request)) return;
    if (user === null || session === null)
      throw new ApiError(401, 'unauthorized', 'api.unauthorized');
    if (!SAFE_METHODS.has(request.method)) {
      const token = request.headers['x-csrf-token'];
      if (!ctx.sessions.csrfValid(session, typeof token === 'string' ? token : undefined)) {
        throw new ApiError(403, 'csrf', 'api.csrf');
      }
    }
    if (user.role === 'admin') return;
    if (request.routeOptions.config.admin === true) {
      throw new ApiError(403, 'forbidden', 'api.admin-only');
    }
    const params = request.params as Record<string, unknown> | undefined;
    const ext = params?.ext;
    if (typeof ext === 'string' && ext !== user.number) {
      throw new ApiError(403, 'forbidden', 'api.forbidden', { extension: ext });
    }
  });
}
