/**
 * Admin: music on hold. The tracks an admin uploads play one after the other, in a loop, to a
 * party put on hold; with none, the PBX's own melody plays (media/hold-music.ts). The PBX reads
 * the list at each hold, so a change is heard from the next hold on.
 */
import { createReadStream } from 'node:fs';
import { Type } from '@fastify/type-provider-typebox';
import { HoldMusicRepository, MAX_HOLD_TRACKS } from '../../store/hold-music-repository.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, invalid } from '../errors.js';
import { ErrorSchema } from '../schemas.js';
import { WAV_BODY_LIMIT, convertUpload, wavBody } from '../wav-body.js';

/** A track may be long (a piece of music), within the upload's byte limit. */
export const MAX_HOLD_TRACK_MS = 600_000;
const MAX_NAME = 80;

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
const TrackSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  durationMs: Type.Integer(),
  addedAt: Type.Integer({ description: 'epoch ms' }),
});
// Checked in the handler rather than by the schema: a bad id is 404, a bad name a worded 400.
const TrackParams = Type.Object({ id: Type.String({ maxLength: 16 }) });
const UploadQuery = Type.Object({ name: Type.Optional(Type.String()) });

/** The track a request names: an integer id, else 404 (nothing but ids reach the store). */
function idOf(text: string): number {
  const id = /^[1-9]\d{0,9}$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(id)) throw new ApiError(404, 'not-found', 'api.no-hold-track', { id: text });
  return id;
}

/** The name shown in the list: trimmed, 1 to 80 characters, no control characters. */
function nameOf(text: string | undefined): string {
  const name = (text ?? '').trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (name.length === 0 || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalid([{ path: 'name', code: 'api.hold-track-name', params: { max: MAX_NAME } }]);
  }
  return name;
}

export function holdMusicRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['admin'];
  const repository = new HoldMusicRepository(ctx.db, ctx.dataDir);

  app.get(
    '/api/admin/hold-music',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'The music-on-hold tracks, in playing order (empty: the built-in melody)',
        response: { 200: Type.Object({ tracks: Type.Array(TrackSchema) }), ...errors },
      },
    },
    async () => ({ tracks: await repository.list() }),
  );

  app.get(
    '/api/admin/hold-music/:id/audio',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'A track as the PBX plays it (8 kHz 16-bit mono), audio/wav',
        params: TrackParams,
        response: { 200: Type.Unknown({ description: 'audio/wav' }), ...errors },
      },
    },
    async (request, reply) => {
      const path = await repository.fileOf(idOf(request.params.id));
      if (path === null) {
        throw new ApiError(404, 'not-found', 'api.no-hold-track', { id: request.params.id });
      }
      return reply
        .type('audio/wav')
        .header('cache-control', 'private, no-store')
        .send(createReadStream(path));
    },
  );

  app.post(
    '/api/admin/hold-music',
    {
      config: { admin: true },
      bodyLimit: WAV_BODY_LIMIT,
      schema: {
        tags,
        summary:
          'Add a track, played after the others (WAV: PCM, float, µ-law or A-law, 8 to 192 kHz, ' +
          'at most 10 min; converted to 8 kHz 16-bit mono); `name` is how the list shows it',
        querystring: UploadQuery,
        response: {
          201: TrackSchema,
          409: ErrorSchema,
          413: ErrorSchema,
          415: ErrorSchema,
          503: ErrorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const name = nameOf(request.query.name);
      const body = wavBody(request);
      if ((await repository.count()) >= MAX_HOLD_TRACKS) {
        throw new ApiError(409, 'limit', 'api.hold-track-limit', { max: MAX_HOLD_TRACKS });
      }
      const { file, path } = repository.newFile();
      // Converted under a temporary name and renamed into place: a refused file leaves nothing.
      const header = await convertUpload(
        ctx.converter,
        request,
        body,
        { maxMs: MAX_HOLD_TRACK_MS },
        path,
        'api.hold-track-length',
      );
      const track = await repository.add(name, file, Math.round(header.durationMs));
      return reply.code(201).send(track);
    },
  );

  app.delete(
    '/api/admin/hold-music/:id',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'Remove a track',
        params: TrackParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await repository.remove(idOf(request.params.id)))) {
        throw new ApiError(404, 'not-found', 'api.no-hold-track', { id: request.params.id });
      }
      return reply.code(204).send(null);
    },
  );
}
