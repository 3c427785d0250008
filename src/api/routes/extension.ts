/** The user's own extension: status, profile, forwarding by status, and the pickers' targets. */
import type { ExtensionDocument } from '../../domain/document.js';
import type { ApiApp, ApiContext } from '../context.js';
import {
  ErrorSchema,
  ExtensionSchema,
  ExtParams,
  ForwardingBodySchema,
  ProfileBodySchema,
  StatusBodySchema,
  TargetsSchema,
} from '../schemas.js';
import { FORWARDING_KEYS, extensionView } from '../views.js';
import type { ForwardingKey } from '../views.js';
import { extensionDocument, extensionOf, inExtension, mobileRefused } from './edit.js';
import type { DocumentEdit } from '../directory-access.js';
import { at } from '../../domain/problem-path.js';
import { parseInstant } from '../../domain/zoned-time.js';
import { forwardTrunk } from '../../domain/forward-options.js';
import { invalid } from '../errors.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };

export function extensionRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['extension'];

  /** When a status chosen "until" ends (epoch ms), or null: chosen for good. */
  const untilOf = async (
    body: { until?: string; minutes?: number },
    now: Date,
  ): Promise<number | null> => {
    const text = body.until?.trim();
    if (text !== undefined && text !== '' && body.minutes !== undefined) {
      throw invalid([{ path: 'until', code: 'api.until-or-minutes', params: {} }]);
    }
    if (body.minutes !== undefined) return now.getTime() + body.minutes * 60_000;
    if (text === undefined || text === '') return null;
    const { timezone } = (await ctx.directories.current()).settings;
    const until = parseInstant(text, timezone);
    if (until === null)
      throw invalid([{ path: 'until', code: 'api.bad-at', params: { at: text } }]);
    if (until.getTime() <= now.getTime()) {
      throw invalid([{ path: 'until', code: 'api.until-past', params: { at: text } }]);
    }
    return until.getTime();
  };

  /** Edits the extension's entry of the document, in one transaction with its validation. */
  const editExtension = async (
    number: string,
    change: (entry: ExtensionDocument) => void,
    refuse?: DocumentEdit<void>['refuse'],
  ) => {
    const { directory } = await ctx.directories.edit({
      extensions: [number],
      relocate: inExtension(number),
      change: (doc) => change(extensionDocument(doc, number).entry),
      ...(refuse === undefined ? {} : { refuse }),
    });
    ctx.events.emit({ type: 'directory' });
    return extensionView(extensionOf(directory, number), directory, new Date());
  };

  app.get(
    '/api/extensions/:ext',
    {
      schema: {
        tags,
        summary: 'An extension: status, forwarding, mobile',
        params: ExtParams,
        response: { 200: ExtensionSchema, ...errors },
      },
    },
    async (request) => {
      const directory = await ctx.directories.current();
      return extensionView(extensionOf(directory, request.params.ext), directory, new Date());
    },
  );

  app.put(
    '/api/extensions/:ext/status',
    {
      schema: {
        tags,
        summary:
          'Change the status (available, away, dnd, lunch, business-trip), for good or until a time',
        params: ExtParams,
        body: StatusBodySchema,
        response: { 200: ExtensionSchema, ...errors },
      },
    },
    async (request) => {
      const { ext } = request.params;
      const { status } = request.body;
      const until = await untilOf(request.body, new Date());
      const view = await editExtension(ext, (entry) => {
        if (until === null) {
          entry.status = status;
          delete entry.temporaryStatus;
        } else {
          // The status set stays: it is the one calls go back to at `until`.
          entry.temporaryStatus = { status, until: new Date(until).toISOString() };
        }
      });
      ctx.events.emit({ type: 'status', extension: ext, status: view.effectiveStatus.status });
      return view;
    },
  );

  app.put(
    '/api/extensions/:ext/profile',
    {
      schema: {
        tags,
        summary:
          'Change the language, the mobile number, the voicemail PIN or the e-mail of voicemail (null removes)',
        params: ExtParams,
        body: ProfileBodySchema,
        response: { 200: ExtensionSchema, ...errors },
      },
    },
    async (request) => {
      const { language, mobile, voicemailPin, email, deleteAfterEmail } = request.body;
      return editExtension(request.params.ext, (entry) => {
        if (language !== undefined) entry.language = language;
        if (mobile !== undefined) {
          if (mobile === null || mobile.trim() === '') delete entry.mobile;
          else entry.mobile = mobile.trim();
        }
        if (voicemailPin !== undefined) {
          // The PIN typed replaces the stored hash (hashed in turn when saved).
          delete entry.voicemailPinHash;
          if (voicemailPin === null) delete entry.voicemailPin;
          else entry.voicemailPin = voicemailPin;
        }
        // buildDirectory checks the address and says what is wrong with it, under `email`.
        if (email !== undefined) {
          if (email === null || email.trim() === '') delete entry.email;
          else entry.email = email;
        }
        if (deleteAfterEmail !== undefined) entry.deleteAfterEmail = deleteAfterEmail;
      });
    },
  );

  app.put(
    '/api/extensions/:ext/forwarding',
    {
      schema: {
        tags,
        summary: 'Where calls go by status when no exception applies (null: voicemail)',
        params: ExtParams,
        body: ForwardingBodySchema,
        response: { 200: ExtensionSchema, ...errors },
      },
    },
    async (request) => {
      const body = request.body as Partial<Record<ForwardingKey, Record<string, unknown> | null>>;
      const { ext } = request.params;
      // A forwarding already stored to a removed mobile is only broken, and the form sends it
      // back unchanged with the others; changing one to the mobile is refused.
      const refuse: DocumentEdit<void>['refuse'] = (doc, current) =>
        Object.entries(FORWARDING_KEYS).flatMap(([key, status]) =>
          current.extensions.get(ext)?.forwarding[status].type === 'mobile'
            ? []
            : mobileRefused(
                current,
                ext,
                body[key as ForwardingKey],
                at(at(extensionDocument(doc, ext).path, 'forwarding'), status),
              ),
        );
      return editExtension(
        ext,
        (entry) => {
          const forwarding = new Map<string, unknown>(Object.entries(entry.forwarding ?? {}));
          for (const [key, status] of Object.entries(FORWARDING_KEYS)) {
            const action = body[key as ForwardingKey];
            // null: back to the default destination, the extension's voicemail.
            if (action === null) forwarding.delete(status);
            else if (action !== undefined) forwarding.set(status, action);
          }
          // buildDirectory reads each action and names what is wrong with it.
          entry.forwarding = Object.fromEntries(forwarding) as ExtensionDocument['forwarding'];
        },
        refuse,
      );
    },
  );

  app.get(
    '/api/extensions/:ext/targets',
    {
      schema: {
        tags,
        summary: 'What the "Transférer à" pickers offer',
        params: ExtParams,
        response: {
          200: TargetsSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      const directory = await ctx.directories.current();
      const own = extensionOf(directory, request.params.ext);
      const trunk = forwardTrunk(directory);
      return {
        forwards: {
          presentCallerId: trunk?.presentCallerId ?? 'caller',
          ownNumbersOnly: trunk?.ownNumbersOnly === true,
        },
        extensions: [...directory.extensions.values()]
          .filter((e) => e.number !== own.number)
          .map((e) => ({ number: e.number, name: e.name })),
        system: [...directory.ringGroups.values()].map((g) => ({
          number: g.number,
          name: g.name,
          kind: 'ring-group' as const,
        })),
      };
    },
  );
}
