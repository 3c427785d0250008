/** The voicemail inbox in the browser: list, listen, mark read, delete; the greeting. */
import { displayNumber } from '../../domain/numbers.js';
import type { Country } from '../../domain/types.js';
import { createReadStream } from 'node:fs';
import { Type } from '@fastify/type-provider-typebox';
import { MAX_GREETING_MS } from '../../pbx/voicemail/menu.js';
import { VoicemailRepository } from '../../store/voicemail-repository.js';
import type { VoicemailMessage } from '../../store/voicemail-repository.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, invalid } from '../errors.js';
import { ErrorSchema, ExtParams, VoicemailListSchema, VoicemailMessageSchema } from '../schemas.js';
import { WAV_BODY_LIMIT, convertUpload, wavBody } from '../wav-body.js';
import { extensionOf } from './edit.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
const MessageParams = Type.Object({
  ext: Type.String({ pattern: '^\\d{2,6}$' }),
  id: Type.String({ maxLength: 64 }),
});
function messageView(message: VoicemailMessage, country: Country) {
  const caller = message.callerNumber ?? 'anonymous';
  return {
    id: message.id,
    caller,
    callerDisplay: displayNumber(caller, country),
    callerName: message.callerName,
    receivedAt: new Date(message.receivedAt).toISOString(),
    durationMs: message.durationMs,
    read: message.state === 'saved',
  };
}

export function voicemailRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['voicemail'];
  const repository = new VoicemailRepository(ctx.db, ctx.dataDir);

  /** The message, if it is in this mailbox and finished: another box's id is "not found". */
  const messageOf = async (mailbox: string, id: string): Promise<VoicemailMessage> => {
    const message = await repository.get(id);
    if (message === undefined || message.mailbox !== mailbox || message.state === 'recording') {
      throw new ApiError(404, 'not-found', 'api.no-message');
    }
    return message;
  };

  app.get(
    '/api/extensions/:ext/voicemail',
    {
      schema: {
        tags,
        summary: 'The messages of the mailbox, newest first',
        params: ExtParams,
        response: { 200: VoicemailListSchema, ...errors },
      },
    },
    async (request) => {
      const directory = await ctx.directories.current();
      const mailbox = extensionOf(directory, request.params.ext).number;
      const messages = await repository.list(mailbox);
      messages.sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : -1));
      return { messages: messages.map((m) => messageView(m, directory.settings.country)) };
    },
  );

  app.get(
    '/api/extensions/:ext/voicemail/:id/audio',
    {
      schema: {
        tags,
        summary: 'The message as audio/wav',
        params: MessageParams,
        response: { 200: Type.Unknown({ description: 'audio/wav' }), ...errors },
      },
    },
    async (request, reply) => {
      const message = await messageOf(request.params.ext, request.params.id);
      return reply
        .type('audio/wav')
        .header('cache-control', 'private, no-store')
        .send(createReadStream(message.path));
    },
  );

  app.patch(
    '/api/extensions/:ext/voicemail/:id',
    {
      schema: {
        tags,
        summary: 'Mark a message read (a read message cannot become new again)',
        params: MessageParams,
        body: Type.Object({ read: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: VoicemailMessageSchema, ...errors },
      },
    },
    async (request) => {
      const { ext, id } = request.params;
      const message = await messageOf(ext, id);
      const { country } = (await ctx.directories.current()).settings;
      if (!request.body.read) {
        if (message.state === 'saved') {
          throw invalid([{ path: 'read', code: 'api.unread-unsupported', params: {} }]);
        }
        return messageView(message, country);
      }
      await repository.markSaved(id);
      ctx.events.emit({ type: 'voicemail', extension: ext });
      return messageView(await messageOf(ext, id), country);
    },
  );

  app.delete(
    '/api/extensions/:ext/voicemail/:id',
    {
      schema: {
        tags,
        summary: 'Delete a message',
        params: MessageParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { ext, id } = request.params;
      await messageOf(ext, id);
      await repository.delete(id);
      ctx.events.emit({ type: 'voicemail', extension: ext });
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/extensions/:ext/greeting',
    {
      bodyLimit: WAV_BODY_LIMIT,
      schema: {
        tags,
        summary:
          'Upload the greeting (WAV: PCM, float, µ-law or A-law, 8 to 192 kHz, at most 60 s; ' +
          'converted to 8 kHz 16-bit mono)',
        params: ExtParams,
        response: {
          204: Type.Null(),
          413: ErrorSchema,
          415: ErrorSchema,
          503: ErrorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const mailbox = extensionOf(await ctx.directories.current(), request.params.ext).number;
      const body = wavBody(request);
      // Converted beside the current greeting and swapped in, so a failure leaves it in place.
      await convertUpload(
        ctx.converter,
        request,
        body,
        { maxMs: MAX_GREETING_MS },
        repository.greetingRecordingPath(mailbox),
        'api.greeting-length',
      );
      await repository.commitGreeting(mailbox);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/extensions/:ext/greeting',
    {
      schema: {
        tags,
        summary: 'Back to the default greeting',
        params: ExtParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const mailbox = extensionOf(await ctx.directories.current(), request.params.ext).number;
      await repository.deleteGreeting(mailbox);
      return reply.code(204).send(null);
    },
  );
}
