/** Log in, who am I, log out (contract "Session"). */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import type { Extension } from '../../domain/types.js';
import { passwordDigests, passwordKey, passwordMatches } from '../../domain/credentials.js';
import type { SipPassword } from '../../domain/credentials.js';
import type { ApiApp, ApiContext } from '../context.js';
import { SESSION_COOKIE, userOf } from '../context.js';
import { ApiError } from '../errors.js';
import { SESSION_MS } from '../session.js';
import type { Session } from '../session.js';
import { ErrorSchema, ExtParams, SessionSchema } from '../schemas.js';
import { extensionOf } from './edit.js';

/** Contract: more than 10 failed logins a minute from one address → 429. */
export const LOGIN_FAILURES_PER_MINUTE = 10;

/** Compared against when there is no such extension, so that it costs a wrong password's work. */
const NOBODY: SipPassword = { digests: passwordDigests('', randomBytes(16).toString('hex')) };

function sessionBody(ctx: ApiContext, user: Extension, session: Session) {
  return {
    extension: user.number,
    name: user.name,
    role: user.role,
    language: user.language,
    csrfToken: ctx.sessions.csrfToken(session),
  };
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string): void {
  reply.setCookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: request.protocol === 'https',
    maxAge: Math.floor(SESSION_MS / 1000),
  });
}

export function sessionRoutes(app: ApiApp, ctx: ApiContext): void {
  const failures = app.createRateLimit({
    max: LOGIN_FAILURES_PER_MINUTE,
    timeWindow: 60_000,
  });

  app.post(
    '/api/session',
    {
      config: { public: true },
      schema: {
        tags: ['session'],
        summary: 'Log in with an extension number and its SIP password',
        body: Type.Object(
          {
            extension: Type.String({ maxLength: 20 }),
            password: Type.String({ maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SessionSchema, 401: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      // Only failures count: a read first, an increment on each failure.
      const before = await failures(request, { increment: false });
      if (!before.isAllowed && before.remaining === 0) {
        reply.header('retry-after', before.ttlInSeconds);
        throw new ApiError(429, 'rate-limited', 'api.too-many-logins', {
          seconds: before.ttlInSeconds,
        });
      }
      const directory = await ctx.directories.current();
      const user = directory.extensions.get(request.body.extension.trim());
      // An unknown extension costs the same comparison as a wrong password: the digest of what
      // was typed against the stored one (credentials.ts), in constant time.
      const ok = passwordMatches(
        user?.number ?? '',
        user?.password ?? NOBODY,
        request.body.password,
      );
      if (user === undefined || !ok) {
        await failures(request);
        ctx.metrics?.webLoginFailure();
        throw new ApiError(401, 'bad-credentials', 'api.bad-credentials');
      }
      const { cookie, session } = ctx.sessions.issue(
        user.number,
        passwordKey(user.number, user.password),
      );
      setSessionCookie(request, reply, cookie);
      request.lang = user.language;
      return sessionBody(ctx, user, session);
    },
  );

  app.get(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'The logged-in extension, with a fresh CSRF token',
        response: { 200: SessionSchema, 401: ErrorSchema },
      },
    },
    async (request) => {
      const session = request.session;
      if (session === null) throw new ApiError(401, 'unauthorized', 'api.unauthorized');
      return sessionBody(ctx, userOf(request), session);
    },
  );

  app.delete(
    '/api/session',
    { schema: { tags: ['session'], summary: 'Log out', response: { 204: Type.Null() } } },
    async (request, reply) => {
      if (request.session !== null) await ctx.sessions.revoke(request.session);
      reply.clearCookie(SESSION_COOKIE, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: request.protocol === 'https',
      });
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/admin/extensions/:ext/sessions',
    {
      config: { admin: true },
      schema: {
        tags: ['session'],
        summary:
          'End every session of an extension opened until now (a lost laptop): its cookies are refused, also after a restart; its next login works',
        params: ExtParams,
        response: {
          204: Type.Null(),
          401: ErrorSchema,
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const extension = extensionOf(await ctx.directories.current(), request.params.ext);
      await ctx.sessions.revokeAll(extension.number);
      return reply.code(204).send(null);
    },
  );
}
