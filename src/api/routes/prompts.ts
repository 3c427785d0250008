/**
 * Admin: the system prompts (what the PBX says on the phone), each replaceable by a recording.
 * A replacement is `<dataDir>/prompts/<language>/<name>.wav`, the file the PBX already prefers to
 * the bundled one (pbx/voicemail/prompt-catalog.ts); the PBX reads that folder again for every
 * call, so a replacement is heard from the next call on without a restart.
 */
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@fastify/type-provider-typebox';
import type { Language } from '../../domain/types.js';
import { promptTexts } from '../../i18n/catalog/prompts.js';
import type { PromptName } from '../../i18n/catalog/prompts.js';
import { promptFile } from '../../pbx/voicemail/prompt-catalog.js';
import { bundledPromptsDir, loadPromptSources } from '../../pbx/voicemail/prompt-sources.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { ErrorSchema } from '../schemas.js';
import { WAV_BODY_LIMIT, convertUpload, wavBody } from '../wav-body.js';

const LANGUAGES: readonly Language[] = ['fr', 'en'];
/** The longest bundled prompt (the message menu) lasts about 15 s; a recording may take longer. */
export const MAX_PROMPT_MS = 120_000;

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
// Checked in the handler rather than by the schema: an unknown prompt is 404, not 400.
const PromptParams = Type.Object({
  lang: Type.String({ maxLength: 8 }),
  name: Type.String({ maxLength: 64 }),
});
const PromptSchema = Type.Object({
  language: Type.String({ enum: [...LANGUAGES] }),
  name: Type.String(),
  text: Type.String({ description: 'what the bundled recording says' }),
  replaced: Type.Boolean({ description: 'an admin’s recording is played instead' }),
});

/** The prompt a request names, or 404: only catalog names reach the file system. */
function promptOf(lang: string, name: string): { language: Language; name: PromptName } {
  const language = LANGUAGES.find((l) => l === lang);
  if (language !== undefined) {
    const known = [...promptTexts(language).keys()].find((n) => n === name);
    if (known !== undefined) return { language, name: known };
  }
  throw new ApiError(404, 'not-found', 'api.no-prompt', { language: lang, name });
}

export function promptRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['admin'];
  const bundledDir = bundledPromptsDir();
  const sources = () => loadPromptSources(ctx.dataDir, bundledDir);
  const { overrideDir } = sources();
  const replacementPath = (language: Language, name: PromptName) =>
    join(overrideDir, language, `${name}.wav`);

  app.get(
    '/api/admin/prompts',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'Every system prompt of every language: its text and whether it is replaced',
        response: { 200: Type.Object({ prompts: Type.Array(PromptSchema) }), ...errors },
      },
    },
    async () => {
      const { overrides } = sources();
      return {
        prompts: LANGUAGES.flatMap((language) =>
          [...promptTexts(language)].map(([name, text]) => ({
            language,
            name,
            text,
            replaced: overrides.has(`${language}/${name}`),
          })),
        ),
      };
    },
  );

  app.get(
    '/api/admin/prompts/:lang/:name/audio',
    {
      config: { admin: true },
      schema: {
        tags,
        summary:
          'The prompt as the PBX plays it (the replacement, else the bundled file), audio/wav',
        params: PromptParams,
        response: { 200: Type.Unknown({ description: 'audio/wav' }), ...errors },
      },
    },
    async (request, reply) => {
      const { language, name } = promptOf(request.params.lang, request.params.name);
      return reply
        .type('audio/wav')
        .header('cache-control', 'private, no-store')
        .send(createReadStream(promptFile(name, language, sources())));
    },
  );

  app.put(
    '/api/admin/prompts/:lang/:name',
    {
      config: { admin: true },
      bodyLimit: WAV_BODY_LIMIT,
      schema: {
        tags,
        summary:
          'Replace a prompt by a recording (WAV: PCM, float, µ-law or A-law, 8 to 192 kHz, at ' +
          'most 120 s; converted to 8 kHz 16-bit mono)',
        params: PromptParams,
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
      const { language, name } = promptOf(request.params.lang, request.params.name);
      const body = wavBody(request);
      const target = replacementPath(language, name);
      mkdirSync(join(target, '..'), { recursive: true });
      // A call starting meanwhile finds the old file or the new one, never half of one; the
      // temporary name does not end in .wav, so the PBX never takes it for a replacement.
      await convertUpload(
        ctx.converter,
        request,
        body,
        { maxMs: MAX_PROMPT_MS },
        target,
        'api.prompt-length',
      );
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/admin/prompts/:lang/:name',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'Back to the bundled prompt (nothing to do when it is not replaced)',
        params: PromptParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { language, name } = promptOf(request.params.lang, request.params.name);
      rmSync(replacementPath(language, name), { force: true });
      return reply.code(204).send(null);
    },
  );
}
