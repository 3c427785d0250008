/**
 * The HTTP API (contract in docs/api.md) and the web client's files, on one port. `buildApi`
 * makes the Fastify app (tests use `inject`); `startApi` also listens.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { Logger } from 'pino';
import type { Db } from '../store/database.js';
import { loadOrCreateSecret } from '../store/secrets.js';
import { loadRevocations, revokeSession, revokeSessionsOf } from '../store/session-revocations.js';
import type { ApiApp, ApiContext } from './context.js';
import { registerAuth } from './auth.js';
import { DirectoryAccess } from './directory-access.js';
import { ApiError, errorBody, invalid } from './errors.js';
import { EventBus } from '../pbx/events.js';
import { validationProblems } from './validation.js';
import { requestLanguage } from './messages.js';
import { SessionKeeper } from './session.js';
import { sessionRoutes } from './routes/session.js';
import { extensionRoutes } from './routes/extension.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { testerRoutes } from './routes/tester.js';
import { callRoutes } from './routes/calls.js';
import { adminRoutes } from './routes/admin.js';
import { eventRoutes } from './routes/events.js';
import { voicemailRoutes } from './routes/voicemail.js';
import { mailRoutes } from './routes/mail.js';
import { promptRoutes } from './routes/prompts.js';
import { holdMusicRoutes } from './routes/hold-music.js';
import { contactRoutes } from './routes/contacts.js';
import { registerWavBody } from './wav-body.js';
import { WavConverter } from '../media/wav-conversion.js';
import { metricsRoutes } from './routes/metrics.js';
import type { MetricsAccess } from './routes/metrics.js';
import { closeHttps, listenHttps, registerSecurityHeaders } from './https.js';
import type { HttpsOptions } from './https.js';

export interface ApiOptions {
  db: Db;
  dataDir: string;
  log: Logger;
  events?: EventBus;
  /** The PBX's metrics, served at /metrics; absent: no /metrics. */
  metrics?: MetricsAccess;
  /** The web client's built files; default `web/dist` of the package, served when present. */
  webRoot?: string;
  clock?: () => number;
  /** How uploaded recordings are converted; default two at once, 30 s each at most. */
  converter?: WavConverter;
  /** Served over HTTPS too: with `redirect`, plain HTTP sends the browser to `port()`. */
  https?: { redirect: boolean; port: () => number | undefined };
}

export interface StartApiOptions extends Omit<ApiOptions, 'https'> {
  host: string;
  port: number;
  https?: HttpsOptions;
}

/** Request bodies other than a directory or a recording are small. */
const BODY_LIMIT = 256 * 1024;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root');
    dir = parent;
  }
  return dir;
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError) {
  // RFC 9110 §10.2.3: a 503 says when to come back.
  if (error.status === 503 && typeof error.params.seconds === 'number') {
    void reply.header('retry-after', String(error.params.seconds));
  }
  return reply
    .code(error.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(request.lang, error));
}

/** "16 MiB", "256 KiB": a body limit as people read it, in the units the catalog words. */
function sizeParams(bytes: number): { max: number; unit: string } {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1) return { max: Math.round(mib * 10) / 10, unit: 'MiB' };
  return { max: Math.round((bytes / 1024) * 10) / 10, unit: 'KiB' };
}

/** Fastify's own errors (schema, body, size) as the API's errors, in the caller's language. */
function asApiError(error: FastifyError, request: FastifyRequest): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error.validation !== undefined) return invalid(validationProblems(error.validation));
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // The route's own limit (a recording, a directory) or the app's: the one that refused.
      return new ApiError(
        413,
        'too-large',
        'api.too-large',
        sizeParams(request.routeOptions.bodyLimit ?? BODY_LIMIT),
      );
    // A path that leaves the web client's folder or holds a NUL ("/%2e%2e", "/x%00.wav"): there is
    // nothing there, which is all a prober needs to know.
    case 'FST_STATIC_FORBIDDEN_PATH':
      return new ApiError(404, 'not-found', 'api.not-found');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported-type', 'api.unsupported-type', {
        type: error.message.replace(/^Unsupported Media Type:?\s*/, ''),
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid', 'api.bad-document', { reason: error.message });
    default:
      return null;
  }
}

export async function buildApi(options: ApiOptions): Promise<{ app: ApiApp; context: ApiContext }> {
  const secret = await loadOrCreateSecret(options.db, options.dataDir, 'web-session');
  const clock = options.clock ?? Date.now;
  const context: ApiContext = {
    db: options.db,
    dataDir: options.dataDir,
    directories: new DirectoryAccess(options.db),
    sessions: new SessionKeeper(secret, clock, await loadRevocations(options.db, clock()), {
      sessionRevoked: (id, expiresAt) => revokeSession(options.db, id, expiresAt),
      extensionRevoked: (extension, issuedBefore, expiresAt) =>
        revokeSessionsOf(options.db, extension, issuedBefore, expiresAt),
    }),
    events: options.events ?? new EventBus(),
    converter: options.converter ?? new WavConverter(),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics.metrics }),
  };
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // A URL that does not decode ("/%", "/%c0%ae") is answered before any route or hook runs.
    // No hook has read its language yet, so its Accept-Language is read here.
    frameworkErrors: (_error, request, reply) => {
      const accept = request.headers['accept-language'];
      const header = typeof accept === 'string' ? accept : undefined;
      const lang = requestLanguage(undefined, undefined, header);
      request.lang = lang;
      void sendError(
        request,
        reply as FastifyReply,
        new ApiError(400, 'bad-request', 'api.bad-url'),
      );
    },
    ajv: {
      // Removing unknown keys while trying the branches of a union corrupts the value; the
      // schemas refuse unknown keys instead, and say which.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // A line per request would log addresses and paths at info level: routes log warnings and
  // errors only, and never a body, a password or a cookie.
  app.addHook('onRoute', (route) => {
    route.logLevel ??= 'warn';
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = asApiError(error, request);
    if (known !== null) return sendError(request, reply, known);
    if (error.statusCode === 429) {
      return sendError(
        request,
        reply,
        new ApiError(429, 'rate-limited', 'api.too-many-logins', { seconds: 60 }),
      );
    }
    // Another client error a plugin raised: the client's fault, not the server's, so no error line.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      request.log.info({ code: error.code, url: request.url }, 'refused request');
      return sendError(request, reply, new ApiError(status, 'bad-request', 'api.bad-request'));
    }
    request.log.error(
      { err: error, method: request.method, url: request.routeOptions.url },
      'API error',
    );
    return sendError(request, reply, new ApiError(500, 'internal', 'api.internal'));
  });

  await app.register(fastifyCookie);
  await registerSecurityHeaders(app, options.https);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Renvoi API',
        description:
          'The web client’s API: session, exceptions, the tester, voicemail, call history and the ' +
          'directory. Every change other than the login needs the `x-csrf-token` header.',
        version: '1',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'renvoi_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
      security: [{ session: [], csrf: [] }],
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    // Its page runs inline scripts: a policy of its own, with their hashes (plain HTTP kept).
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });

  registerAuth(app, context);
  registerWavBody(app);
  sessionRoutes(app, context);
  extensionRoutes(app, context);
  exceptionRoutes(app, context);
  testerRoutes(app, context);
  callRoutes(app, context);
  adminRoutes(app, context);
  eventRoutes(app, context);
  voicemailRoutes(app, context);
  mailRoutes(app, context);
  promptRoutes(app, context);
  holdMusicRoutes(app, context);
  contactRoutes(app, context);
  if (options.metrics !== undefined) metricsRoutes(app, context, options.metrics);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const webRoot = options.webRoot ?? join(packageRoot(), 'web', 'dist');
  const index = join(webRoot, 'index.html');
  const hasWeb = existsSync(index);
  if (hasWeb) await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: true });

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api')) {
      return sendError(request, reply, new ApiError(404, 'not-found', 'api.not-found'));
    }
    // A client route ("/exceptions") is the web client's page: it routes itself.
    if (hasWeb && (request.method === 'GET' || request.method === 'HEAD')) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return reply
      .code(404)
      .type('text/plain; charset=utf-8')
      .send(hasWeb ? 'Not found' : 'The web client is not built: run "npm run build" in web/.');
  });

  await app.ready();
  return { app, context };
}

/** Serves the API and the web client, over HTTPS too if asked; port 0 takes any free port. */
export async function startApi(options: StartApiOptions): Promise<{
  app: ApiApp;
  port: number;
  httpsPort: number | undefined;
  events: EventBus;
  close: () => Promise<void>;
}> {
  // Known once listening; the redirect reads it per request.
  const bound: { httpsPort?: number } = {};
  const { https, ...rest } = options;
  const { app, context } = await buildApi({
    ...rest,
    ...(https === undefined
      ? {}
      : { https: { redirect: https.redirect, port: () => bound.httpsPort } }),
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  let secure: Awaited<ReturnType<typeof listenHttps>> | undefined;
  try {
    if (https !== undefined) secure = await listenHttps(app, options.host, https);
  } catch (error) {
    await app.close();
    throw error;
  }
  if (secure !== undefined) bound.httpsPort = secure.port;
  const close = async (): Promise<void> => {
    if (secure !== undefined) await closeHttps(secure.server);
    await app.close();
  };
  return { app, port, httpsPort: bound.httpsPort, events: context.events, close };
}
