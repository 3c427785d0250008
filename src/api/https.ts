/**
 * The web client and API over HTTPS, beside plain HTTP: one Fastify app, two listening servers.
 * The HTTPS server hands its requests and WebSocket upgrades to the app's own server, so every
 * route, hook and the live-event WebSocket behave the same on both; `request.protocol` tells
 * them apart (the session cookie is `Secure` over HTTPS, routes/session.ts). Security headers
 * are set for both here.
 */
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import fastifyHelmet from '@fastify/helmet';
import type { ApiApp } from './context.js';

/** What the web client loads: its own scripts, styles, API, event socket and recordings. */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  // The page's empty icon is a data: URL.
  imgSrc: ["'self'", 'data:'],
  mediaSrc: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Plain HTTP stays usable (a LAN without certificates): nothing is rewritten to https.
  upgradeInsecureRequests: null,
};

/** RFC 6797 §7.2: HSTS is sent over HTTPS only; a year, for this host alone. */
const HSTS = 'max-age=31536000';

export interface HttpsOptions {
  port: number;
  cert: string;
  key: string;
  /** Plain HTTP answers 308 to the same path over HTTPS (except /metrics, for local scrapers). */
  redirect: boolean;
}

/**
 * Helmet's headers on every response, with HSTS on HTTPS responses only; with `redirect`, a
 * request over plain HTTP is sent to `httpsPort()`.
 */
export async function registerSecurityHeaders(
  app: ApiApp,
  https: { redirect: boolean; port: () => number | undefined } | undefined,
): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    strictTransportSecurity: false,
    // The recordings are fetched by <audio> from the same origin; nothing else embeds us.
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') {
      void reply.header('strict-transport-security', HSTS);
      return;
    }
    const port = https?.port();
    if (https?.redirect !== true || port === undefined || request.url === '/metrics') return;
    const host = request.hostname.includes(':') ? `[${request.hostname}]` : request.hostname;
    return reply.redirect(`https://${host}:${port}${request.url}`, 308);
  });
}

/** Listens for HTTPS on `options.port`; the app answers. Resolves with the port bound. */
export function listenHttps(
  app: ApiApp,
  host: string,
  options: HttpsOptions,
): Promise<{ server: Server; port: number }> {
  const server = createServer(
    { cert: options.cert, key: options.key, minVersion: 'TLSv1.2', handshakeTimeout: 10_000 },
    (req, res) => app.server.emit('request', req, res),
  );
  server.on('upgrade', (req, socket, head) => app.server.emit('upgrade', req, socket, head));
  // A failed handshake (a port scanner, plain HTTP on this port) concerns that client only.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve({ server, port });
    });
  });
}

export function closeHttps(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
