/**
 * Admin: the system prompts (what the PBX says on the phone), each replaceable by a recording.
 * A replacement is `<dataDir>/prompts/<language>/<name>.wav`, the file the PBX already prefers to
 * the bundled one (pbx/voicemail/prompt-catalog.ts); the PBX reads that folder again for every
 * call, so a replacement is heard from the next call on without a restart.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@fastify/type-provider-typebox';
import type { Language } from '../../domain/types.js';
import { promptTexts } from '../../i18n/catalog/prompts.js';
import type { PromptName } from '../../i18n/catalog/prompts.js';
import { SAMPLE_RATE } from '../../media/g711.js';
import { decodeWavTo8kMono, encodeWav } from '../../media/wav.js';
import { promptFile } from '../../pbx/voicemail/prompt-catalog.js';
import { bundledPromptsDir, loadPromptSources } from '../../pbx/voicemail/prompt-sources.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, invalid } from '../errors.js';
import { ErrorSchema } from '../schemas.js';
import { WAV_BODY_LIMIT } from '../wav-body.js';

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
        summary: 'Replace a prompt by a recording (WAV; converted to 8 kHz 16-bit mono)',
        params: PromptParams,
        response: { 204: Type.Null(), 413: ErrorSchema, 415: ErrorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { language, name } = promptOf(request.params.lang, request.params.name);
      if (!Buffer.isBuffer(request.body)) {
        throw new ApiError(415, 'unsupported-type', 'api.unsupported-type', {
          type: request.headers['content-type'] ?? '-',
        });
      }
      let pcm: Int16Array;
      try {
        pcm = decodeWavTo8kMono(request.body, 'the recording');
      } catch {
        throw invalid([{ path: '', code: 'api.prompt-not-wav', params: {} }]);
      }
      if (pcm.length === 0 || (pcm.length * 1000) / SAMPLE_RATE > MAX_PROMPT_MS) {
        throw invalid([
          { path: '', code: 'api.prompt-length', params: { max: MAX_PROMPT_MS / 1000 } },
        ]);
      }
      const target = replacementPath(language, name);
      mkdirSync(join(target, '..'), { recursive: true });
      // A call starting meanwhile finds the old file or the new one, never half of one; the
      // temporary name does not end in .wav, so the PBX never takes it for a replacement.
      const temporary = join(target, '..', `.${name}.${randomUUID()}.tmp`);
      try {
        writeFileSync(temporary, encodeWav(pcm));
        renameSync(temporary, target);
      } finally {
        rmSync(temporary, { force: true });
      }
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
