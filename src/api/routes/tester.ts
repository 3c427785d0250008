/** The caller-ID field as understood while typing, and the tester (what a call would do). */
import { Type } from '@fastify/type-provider-typebox';
import { callerKey, normalizeCaller } from '../../domain/numbers.js';
import { callerName } from '../../domain/contacts.js';
import { route } from '../../domain/route.js';
import { parseInstant } from '../../domain/zoned-time.js';
import type { Caller, Directory, PastCall } from '../../domain/types.js';
import { maxRepeatMinutes } from '../../domain/validity.js';
import { recentCallsFrom } from '../../store/recent-calls.js';
import { describeStep } from '../../i18n/describe.js';
import { describeTrace } from '../../i18n/trace.js';
import { sentenceFor } from '../../i18n/plan-sentence.js';
import type { ApiApp, ApiContext } from '../context.js';
import { invalid } from '../errors.js';
import {
  ErrorSchema,
  ExtParams,
  ParsedCallerIdSchema,
  SimulationSchema,
  StatusSchema,
} from '../schemas.js';
import { parseView } from '../views.js';
import { extensionOf } from './edit.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };

/**
 * The caller's earlier calls for repeat rules: `count` made-up calls a second apart just before
 * `now` when the user says how many, else the call history's.
 */
function recentCallsFor(
  ctx: ApiContext,
  directory: Directory,
  caller: Caller,
  to: string,
  now: Date,
  count: number | undefined,
): PastCall[] {
  if (count !== undefined) {
    return Array.from({ length: count }, (_, i) => ({
      id: `tester-${i + 1}`,
      at: now.getTime() - (count - i) * 1000,
      called: to,
    }));
  }
  const minutes = maxRepeatMinutes(directory);
  if (minutes === 0 || caller.kind === 'anonymous') return [];
  return recentCallsFrom(ctx.db, callerKey(caller), now.getTime() - minutes * 60_000);
}

export function testerRoutes(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/api/caller-id/parse',
    {
      schema: {
        tags: ['exceptions'],
        summary: 'How a caller-ID text is understood: one pattern per chip, or the errors',
        body: Type.Object(
          { text: Type.String({ maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: {
          200: ParsedCallerIdSchema,
          400: ErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
        },
      },
    },
    async (request) => {
      const directory = await ctx.directories.current();
      return parseView(request.lang, request.body.text, directory.settings.country);
    },
  );

  app.post(
    '/api/extensions/:ext/simulate',
    {
      schema: {
        tags: ['exceptions'],
        summary: 'The tester: what a call from `from` would do, without placing it',
        params: ExtParams,
        body: Type.Object(
          {
            from: Type.String({ maxLength: 100 }),
            at: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601; default now' })),
            status: Type.Optional(StatusSchema),
            earlierCalls: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 20,
                description:
                  'calls this caller made to the extension just before (for repeat rules); default: the call history',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: SimulationSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      const { lang } = request;
      const directory = await ctx.directories.current();
      const to = extensionOf(directory, request.params.ext).number;
      const { timezone, country } = directory.settings;
      const at = request.body.at?.trim();
      const now = at === undefined || at === '' ? new Date() : parseInstant(at, timezone);
      if (now === null)
        throw invalid([{ path: 'at', code: 'api.bad-at', params: { at: at ?? '' } }]);
      const caller = normalizeCaller({ user: request.body.from }, country, (n) =>
        directory.extensions.has(n),
      );
      const { status, earlierCalls } = request.body;
      const decision = route(
        {
          to,
          from: caller,
          recentCalls: recentCallsFor(ctx, directory, caller, to, now, earlierCalls),
          ...(status === undefined ? {} : { status }),
        },
        directory,
        now,
      );
      return {
        to: decision.to,
        from: callerKey(caller),
        fromName: callerName(directory, directory.extensions.get(to) ?? null, caller),
        at: now.toISOString(),
        exception: decision.exception,
        action: decision.action,
        plan: decision.plan,
        steps: decision.plan.map((step) => describeStep(lang, step, country)),
        trace: decision.trace.map((entry) => ({
          ...entry,
          text: describeTrace(lang, entry, directory),
        })),
        sentence: sentenceFor(lang, directory, to, decision),
      };
    },
  );
}
