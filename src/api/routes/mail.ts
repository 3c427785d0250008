/**
 * Admin: voicemail e-mails the relay has not taken (issue 13 §7). A failure is never silent:
 * each mail that failed at least once is listed with the relay's last answer until it goes,
 * and one refused for good waits here for an admin's retry once the cause is fixed.
 */
import { Type } from '@fastify/type-provider-typebox';
import { VoicemailMailRepository } from '../../store/voicemail-mail-repository.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { say } from '../messages.js';
import { ErrorSchema, MailFailuresSchema } from '../schemas.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };

export function mailRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['admin'];
  const mails = new VoicemailMailRepository(ctx.db);

  app.get(
    '/api/admin/mail',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'The SMTP relay, and voicemail e-mails that failed and are not delivered yet',
        querystring: Type.Object({ lang: Type.Optional(Type.String()) }),
        response: { 200: MailFailuresSchema, ...errors },
      },
    },
    async (request) => {
      const { smtp } = (await ctx.directories.current()).settings;
      const failures = await mails.failures();
      return {
        smtp: smtp === null ? null : { host: smtp.host, port: smtp.port, security: smtp.security },
        failures: failures.flatMap((mail) =>
          mail.state === 'sent'
            ? []
            : [
                {
                  id: mail.messageId,
                  mailbox: mail.message.mailbox,
                  recipient: mail.recipient,
                  receivedAt: new Date(mail.message.receivedAt).toISOString(),
                  state: mail.state,
                  attempts: mail.attempts,
                  nextAttemptAt:
                    mail.state === 'failed' ? null : new Date(mail.nextAttemptAt).toISOString(),
                  // The queue's own causes are catalog codes; the relay's answers are quoted.
                  error: (mail.lastError ?? '').startsWith('mail.error.')
                    ? say(request.lang, mail.lastError ?? '')
                    : (mail.lastError ?? ''),
                },
              ],
        ),
      };
    },
  );

  app.post(
    '/api/admin/mail/:id/retry',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'Try to send a voicemail e-mail again now',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await mails.retryNow(request.params.id))) {
        throw new ApiError(404, 'not-found', 'api.no-mail');
      }
      // The PBX's queue listens on the same bus and looks at once.
      ctx.events.emit({ type: 'mail' });
      return reply.code(204).send(null);
    },
  );
}
