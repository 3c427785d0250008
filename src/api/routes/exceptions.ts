/**
 * The Exceptions section: the ordered list, create (appended last), update, switch on/off,
 * delete, reorder. Every change goes through the whole document's validation.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { DirectoryDocument, ExceptionDocument } from '../../domain/document.js';
import { at } from '../../domain/problem-path.js';
import type { Directory, Language } from '../../domain/types.js';
import { checkDirectory } from '../../domain/check.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, invalid } from '../errors.js';
import {
  ErrorSchema,
  ExceptionBodySchema,
  ExceptionListSchema,
  ExceptionPatchSchema,
  ExceptionSchema,
  ExtParams,
  IndexParams,
} from '../schemas.js';
import { exceptionDocument, exceptionView, periodsOf } from '../views.js';
import type { ExceptionBody } from '../views.js';
import { extensionDocument, extensionOf, inExtension, mobileRefused, noException } from './edit.js';

const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
};

function listView(lang: Language, directory: Directory, number: string) {
  const ext = extensionOf(directory, number);
  const now = new Date();
  const findings = checkDirectory(directory, now);
  return {
    max: directory.settings.maxExceptions,
    exceptions: ext.exceptions.map((_, i) => exceptionView(lang, ext, i, directory, findings, now)),
  };
}

function oneView(lang: Language, directory: Directory, number: string, index: number) {
  const ext = extensionOf(directory, number);
  const now = new Date();
  return exceptionView(lang, ext, index, directory, checkDirectory(directory, now), now);
}

function exceptionActionPath(doc: DirectoryDocument, number: string, index: number): string {
  return at(at(at(extensionDocument(doc, number).path, 'exceptions'), index), 'action');
}

export function exceptionRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['exceptions'];

  /** Changes the extension's list of exception documents; problems placed on exception `index`. */
  const editList = async (
    number: string,
    index: number | undefined,
    change: (list: ExceptionDocument[], current: Directory) => void,
    /** The action the request sets on exception `index`, if it sets one. */
    action?: unknown,
  ) => {
    const { directory } = await ctx.directories.edit({
      extensions: [number],
      relocate: inExtension(number, index),
      refuse: (doc, current) =>
        index === undefined || action === undefined
          ? []
          : mobileRefused(current, number, action, exceptionActionPath(doc, number, index)),
      change: (doc, current) => {
        const { entry } = extensionDocument(doc, number);
        const list = [...(entry.exceptions ?? [])];
        change(list, current);
        if (list.length > 0) entry.exceptions = list;
        else delete entry.exceptions;
      },
    });
    ctx.events.emit({ type: 'directory' });
    return directory;
  };

  app.get(
    '/api/extensions/:ext/exceptions',
    {
      schema: {
        tags,
        summary: 'The exceptions in evaluation order, with their summary and check warnings',
        params: ExtParams,
        response: { 200: ExceptionListSchema, ...errors },
      },
    },
    async (request) => listView(request.lang, await ctx.directories.current(), request.params.ext),
  );

  app.post(
    '/api/extensions/:ext/exceptions',
    {
      schema: {
        tags,
        summary: 'Add an exception at the end of the list (409 at the limit)',
        params: ExtParams,
        body: ExceptionBodySchema,
        response: { 201: ExceptionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { ext } = request.params;
      let index = 0;
      const directory = await ctx.directories.edit({
        extensions: [ext],
        relocate: (problem, doc) => inExtension(ext, index)(problem, doc),
        refuse: (doc, current) =>
          mobileRefused(current, ext, request.body.action, exceptionActionPath(doc, ext, index)),
        change: (doc, current) => {
          const { entry } = extensionDocument(doc, ext);
          const list = entry.exceptions ?? [];
          const max = current.settings.maxExceptions;
          if (list.length >= max) throw new ApiError(409, 'limit', 'api.limit', { max });
          index = list.length;
          entry.exceptions = [...list, exceptionDocument(request.body as ExceptionBody)];
        },
      });
      ctx.events.emit({ type: 'directory' });
      reply.code(201);
      return oneView(request.lang, directory.directory, ext, index);
    },
  );

  app.put(
    '/api/extensions/:ext/exceptions/:index',
    {
      schema: {
        tags,
        summary: 'Replace an exception',
        params: IndexParams,
        body: ExceptionBodySchema,
        response: { 200: ExceptionSchema, ...errors },
      },
    },
    async (request) => {
      const { ext, index } = request.params;
      const directory = await editList(
        ext,
        index,
        (list) => {
          if (index >= list.length) throw noException(index);
          list[index] = exceptionDocument(request.body as ExceptionBody);
        },
        request.body.action,
      );
      return oneView(request.lang, directory, ext, index);
    },
  );

  app.patch(
    '/api/extensions/:ext/exceptions/:index',
    {
      schema: {
        tags,
        summary: 'Change some fields of an exception (switch it on or off with { enabled })',
        params: IndexParams,
        body: ExceptionPatchSchema,
        response: { 200: ExceptionSchema, ...errors },
      },
    },
    async (request) => {
      const { ext, index } = request.params;
      // Switching a broken rule off or on sets no destination: only an action sent is checked.
      const directory = await editList(
        ext,
        index,
        (list, current) => {
          const stored = extensionOf(current, ext).exceptions[index];
          if (stored === undefined || index >= list.length) throw noException(index);
          list[index] = exceptionDocument({
            callerId: stored.callerId,
            hours: stored.hours,
            periods: periodsOf(stored.periods),
            statuses: stored.statuses,
            enabled: stored.enabled,
            from: stored.from,
            until: stored.until,
            repeat: stored.repeat,
            action: stored.action,
            ...(request.body as Partial<ExceptionBody>),
          });
        },
        request.body.action,
      );
      return oneView(request.lang, directory, ext, index);
    },
  );

  app.delete(
    '/api/extensions/:ext/exceptions/:index',
    {
      schema: {
        tags,
        summary: 'Delete an exception',
        params: IndexParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { ext, index } = request.params;
      await editList(ext, undefined, (list) => {
        if (index >= list.length) throw noException(index);
        list.splice(index, 1);
      });
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/extensions/:ext/exceptions-order',
    {
      schema: {
        tags,
        summary: 'Reorder: the old indexes in their new order (a permutation)',
        params: ExtParams,
        body: Type.Object(
          { order: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 1000 }) },
          { additionalProperties: false },
        ),
        response: { 200: ExceptionListSchema, ...errors },
      },
    },
    async (request) => {
      const { ext } = request.params;
      const { order } = request.body;
      const directory = await editList(ext, undefined, (list) => {
        const seen = new Set(order);
        const permutation =
          order.length === list.length &&
          seen.size === order.length &&
          order.every((i) => i < list.length);
        if (!permutation) {
          throw invalid([
            { path: 'order', code: 'api.order', params: { last: Math.max(0, list.length - 1) } },
          ]);
        }
        const reordered = order.map((i) => list[i] as ExceptionDocument);
        list.splice(0, list.length, ...reordered);
      });
      return listView(request.lang, directory, ext);
    },
  );
}
