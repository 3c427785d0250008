/**
 * WAV request bodies (a greeting, a system prompt): read whole as a Buffer, then checked by their
 * header and converted off the event loop by src/media/wav-conversion.ts. Its refusals become the
 * API's errors, each naming what is wrong with the file in the caller's language.
 */
import type { FastifyRequest } from 'fastify';
import { ConversionBusyError, ConversionFailedError } from '../media/wav-conversion.js';
import type { WavConverter } from '../media/wav-conversion.js';
import { WavUploadError } from '../media/wav-header.js';
import type { WavBounds, WavHeader } from '../media/wav-header.js';
import type { ApiApp } from './context.js';
import { ApiError, invalid } from './errors.js';

/** A minute of 16-bit stereo at 48 kHz is under 12 MB; anything bigger is not a prompt. */
export const WAV_BODY_LIMIT = 16 * 1024 * 1024;

/** Once per app: Fastify refuses a second parser for the same content types. */
export function registerWavBody(app: ApiApp): void {
  app.addContentTypeParser(
    ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
    { parseAs: 'buffer', bodyLimit: WAV_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
}

/** The request's WAV body, or 415 when it came as another type. */
export function wavBody(request: FastifyRequest): Buffer {
  if (!Buffer.isBuffer(request.body)) {
    throw new ApiError(415, 'unsupported-type', 'api.unsupported-type', {
      type: request.headers['content-type'] ?? '-',
    });
  }
  return request.body;
}

/**
 * Converts `body` to `target` within `bounds`. `lengthCode` words a duration out of bounds (a
 * greeting and a prompt say it differently); every other refusal is `api.audio.<reason>`.
 */
export async function convertUpload(
  converter: WavConverter,
  request: FastifyRequest,
  body: Buffer,
  bounds: WavBounds,
  target: string,
  lengthCode: string,
): Promise<WavHeader> {
  try {
    return await converter.convert(body, bounds, target);
  } catch (error) {
    if (error instanceof WavUploadError) {
      const { reason, ...params } = error.problem;
      const code = reason === 'duration' ? lengthCode : `api.audio.${reason}`;
      throw invalid([{ path: '', code, params }]);
    }
    if (error instanceof ConversionBusyError) {
      throw new ApiError(503, 'busy', 'api.audio.busy', { seconds: error.retryAfterSeconds });
    }
    if (error instanceof ConversionFailedError) {
      request.log.warn({ err: error }, 'audio conversion failed');
      throw new ApiError(503, 'busy', 'api.audio.failed', { seconds: 30 });
    }
    throw error;
  }
}
