/** Admin: the directory document as a whole (import and export), and `renvoi check`. */
import { Type } from '@fastify/type-provider-typebox';
import { CORE_SCHEMA, load } from 'js-yaml';
import { checkDirectory } from '../../domain/check.js';
import { toDocument } from '../../domain/document.js';
// As `renvoi export` prints it; the YAML layout lives with the command for now.
import { documentToYaml } from '../../domain/document-yaml.js';
import { describeFinding } from '../../i18n/finding.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { ErrorSchema } from '../schemas.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema };
/** A directory of thousands of extensions is a few MB. */
const DOCUMENT_LIMIT = 32 * 1024 * 1024;

export function adminRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['admin'];
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml'],
    { parseAs: 'string', bodyLimit: DOCUMENT_LIMIT },
    (_request, body, done) => {
      try {
        // The core schema reads YAML as `renvoi import` does: "2026-12-25" stays a string.
        done(null, { yaml: load(String(body), { schema: CORE_SCHEMA }) });
      } catch (error) {
        done(
          new ApiError(400, 'invalid', 'api.bad-document', {
            reason: (error as Error).message.split('\n')[0] ?? '',
          }),
          undefined,
        );
      }
    },
  );

  app.get(
    '/api/admin/directory',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'The directory document (design §6), as `renvoi export` prints it',
        querystring: Type.Object({
          format: Type.Optional(Type.String({ enum: ['json', 'yaml'] })),
          lang: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Unknown({ description: 'the document, JSON or YAML' }), ...errors },
      },
    },
    async (request, reply) => {
      const document = toDocument(await ctx.directories.current());
      if (request.query.format === 'yaml') {
        return reply.type('application/yaml; charset=utf-8').send(documentToYaml(document));
      }
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(document));
    },
  );

  app.put(
    '/api/admin/directory',
    {
      config: { admin: true },
      bodyLimit: DOCUMENT_LIMIT,
      schema: {
        tags,
        summary: 'Replace the whole directory (JSON, or YAML as application/yaml); all or nothing',
        response: { 200: Type.Object({ ok: Type.Boolean() }), ...errors },
      },
    },
    async (request) => {
      const body = request.body as { yaml?: unknown } | unknown;
      const isYaml =
        /yaml/.test(request.headers['content-type'] ?? '') &&
        typeof body === 'object' &&
        body !== null;
      await ctx.directories.replace(isYaml ? (body as { yaml: unknown }).yaml : body);
      ctx.events.emit({ type: 'directory' });
      return { ok: true };
    },
  );

  app.get(
    '/api/admin/check',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'What `renvoi check` finds: shadowed, duplicate, broken, loops, never firing',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            findings: Type.Array(
              Type.Object(
                { kind: Type.String(), text: Type.String() },
                { additionalProperties: true },
              ),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const directory = await ctx.directories.current();
      const findings = checkDirectory(directory, new Date());
      return {
        ok: findings.length === 0,
        findings: findings.map((f) => ({
          ...f,
          text: describeFinding(request.lang, f, directory),
        })),
      };
    },
  );
}
