/** The call history of an extension, with the decision that routed each call. */
import { displayNumber } from '../../domain/numbers.js';
import { Type } from '@fastify/type-provider-typebox';
import { listCalls } from '../../store/call-history-repository.js';
import type { ApiApp, ApiContext } from '../context.js';
import { CallListSchema, ErrorSchema, ExtParams } from '../schemas.js';
import { extensionOf } from './edit.js';
import { sentenceFor } from '../../i18n/plan-sentence.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function callRoutes(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/api/extensions/:ext/calls',
    {
      schema: {
        tags: ['history'],
        summary: 'Calls from, to or answered by the extension, newest first',
        params: ExtParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          before: Type.Optional(Type.String({ description: 'ISO 8601: the next page' })),
          lang: Type.Optional(Type.String()),
        }),
        response: {
          200: CallListSchema,
          400: ErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const directory = await ctx.directories.current();
      const ext = extensionOf(directory, request.params.ext).number;
      const before =
        request.query.before === undefined ? undefined : Date.parse(request.query.before);
      const records = await listCalls(ctx.db, {
        extension: ext,
        limit: request.query.limit ?? 50,
        ...(before === undefined || Number.isNaN(before) ? {} : { before }),
      });
      return {
        calls: records.map((call) => ({
          id: call.id,
          caller: call.caller,
          callerDisplay: displayNumber(call.caller, directory.settings.country),
          callerName: call.callerName,
          callee: call.called,
          startedAt: new Date(call.startedAt).toISOString(),
          answeredAt: iso(call.answeredAt),
          endedAt: iso(call.endedAt),
          outcome: call.outcome,
          answeredBy: call.answeredBy,
          exception: call.exception,
          plan: call.plan,
          sentence: sentenceFor(request.lang, directory, call.called, call),
        })),
      };
    },
  );
}
