/**
 * What every route of the API is given, and what a request carries once the session is read.
 */
import type { FastifyInstance, FastifyBaseLogger, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
// Their declarations add request.cookies, reply.setCookie and app.createRateLimit.
import type {} from '@fastify/cookie';
import type {} from '@fastify/rate-limit';
import type {} from '@fastify/websocket';
import type {} from '@fastify/swagger';
import type { Extension, Language } from '../domain/types.js';
import type { Db } from '../store/database.js';
import type { DirectoryAccess } from './directory-access.js';
import type { WavConverter } from '../media/wav-conversion.js';
import type { EventBus } from '../pbx/events.js';
import type { PbxMetrics } from '../pbx/metrics.js';
import type { Session, SessionKeeper } from './session.js';

export interface ApiContext {
  db: Db;
  dataDir: string;
  directories: DirectoryAccess;
  sessions: SessionKeeper;
  events: EventBus;
  /** Uploaded recordings to 8 kHz, off the event loop, a few at once. */
  converter: WavConverter;
  /** Counts failed logins; absent when the API runs without the PBX's metrics (tests). */
  metrics?: PbxMetrics;
}

export type ApiApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const SESSION_COOKIE = 'renvoi_session';

declare module 'fastify' {
  interface FastifyRequest {
    lang: Language;
    session: Session | null;
    /** The logged-in extension as the directory holds it now (role re-read on every request). */
    user: Extension | null;
  }
  interface FastifyContextConfig {
    /** Served without a session (the login itself). */
    public?: boolean;
    /** For the admin role only. */
    admin?: boolean;
  }
}

/** The logged-in extension: routes behind the auth hook always have one. */
export function userOf(request: { user: Extension | null }): Extension {
  if (request.user === null) throw new Error('route reached without a session');
  return request.user;
}
