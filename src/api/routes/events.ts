/**
 * Live updates over a WebSocket (`GET /api/events`), authenticated by the session cookie like
 * every other request. A user hears about their own extension and the directory; an admin about
 * everything. The session is checked again before each event, so logging out ends the stream.
 */
import { passwordKey } from '../../domain/credentials.js';
import type { LiveEvent } from '../../pbx/events.js';
import type { ApiApp, ApiContext } from '../context.js';
import { SESSION_COOKIE, userOf } from '../context.js';

/** WebSocket close codes of the application range (RFC 6455 §7.4.2). */
const CLOSE_SESSION_ENDED = 4401;
const CLOSE_FORBIDDEN_ORIGIN = 4403;

function concerns(event: LiveEvent, extension: string, admin: boolean): boolean {
  if (admin || event.type === 'directory') return true;
  return event.type !== 'mail' && event.extension === extension;
}

export function eventRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/api/events',
    { websocket: true, schema: { tags: ['events'], summary: 'Live events (WebSocket)' } },
    (socket, request) => {
      // Cookies ride along on a cross-site WebSocket handshake where SameSite does not stop
      // them: a page from elsewhere must not listen in (cross-site WebSocket hijacking).
      const origin = request.headers.origin;
      if (origin !== undefined && new URL(origin).host !== request.headers.host) {
        socket.close(CLOSE_FORBIDDEN_ORIGIN, 'origin');
        return;
      }
      const user = userOf(request);
      const cookie = request.cookies[SESSION_COOKIE];
      const unsubscribe = ctx.events.subscribe((event) => {
        void (async () => {
          const directory = await ctx.directories.current();
          const session = ctx.sessions.verify(cookie, (n) => {
            const extension = directory.extensions.get(n);
            return extension === undefined
              ? null
              : passwordKey(extension.number, extension.password);
          });
          if (session === null) {
            socket.close(CLOSE_SESSION_ENDED, 'session ended');
            return;
          }
          const admin = directory.extensions.get(session.extension)?.role === 'admin';
          if (concerns(event, user.number, admin)) socket.send(JSON.stringify(event));
        })().catch(() => socket.close());
      });
      socket.on('close', unsubscribe);
      socket.on('error', unsubscribe);
    },
  );
}
