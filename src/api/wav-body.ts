/** WAV request bodies (a greeting, a system prompt), read whole as a Buffer for src/media/wav.ts. */
import type { ApiApp } from './context.js';

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
