import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { buildDirectory } from '../../src/domain/document.js';
import { openStore } from '../../src/cli/data-dir.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import type { Db } from '../../src/store/database.js';
import { buildApi } from '../../src/api/server.js';
import type { ApiApp, ApiContext } from '../../src/api/context.js';
import type { WavConverter } from '../../src/media/wav-conversion.js';

export const GUIDE = join(import.meta.dirname, '..', '..', 'examples', 'guide.yaml');

/** The guide's directory, with Bruno (102) an admin. Passwords are the document's. */
export function guideDocument(): Record<string, unknown> & {
  extensions: Record<string, unknown>[];
} {
  const doc = parse(readFileSync(GUIDE, 'utf8')) as {
    extensions: Record<string, unknown>[];
  };
  const bruno = doc.extensions.find((e) => e.number === '102');
  if (bruno) bruno.role = 'admin';
  return doc as Record<string, unknown> & { extensions: Record<string, unknown>[] };
}

export interface Harness {
  app: ApiApp;
  context: ApiContext;
  db: Db;
  dataDir: string;
  close: () => Promise<void>;
}

export interface HarnessOptions {
  /** Where the API logs; silent by default. */
  log?: Logger;
  /** The web client's files; default a folder that does not exist (no web client). */
  webRoot?: string;
  converter?: WavConverter;
}

export async function startHarness(
  doc: unknown = guideDocument(),
  options: HarnessOptions = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'renvoi-api-'));
  const db = await openStore(dataDir);
  const built = buildDirectory(doc);
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  await saveDirectory(db, built.directory);
  const { app, context } = await buildApi({
    db,
    dataDir,
    log: options.log ?? pino({ level: 'silent' }),
    webRoot: options.webRoot ?? join(dataDir, 'no-web'),
    ...(options.converter === undefined ? {} : { converter: options.converter }),
  });
  return {
    app,
    context,
    db,
    dataDir,
    close: async () => {
      await app.close();
      await db.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Login {
  cookie: string;
  csrf: string;
  response: LightMyRequestResponse;
}

export async function login(app: ApiApp, extension: string, password: string): Promise<Login> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { extension, password },
    remoteAddress: `10.0.0.${extension.slice(-2)}`,
  });
  if (response.statusCode !== 200) throw new Error(`login ${extension}: ${response.body}`);
  const set = response.cookies.find((c) => c.name === 'renvoi_session');
  if (set === undefined) throw new Error('no session cookie');
  return {
    cookie: `renvoi_session=${set.value}`,
    csrf: (response.json() as { csrfToken: string }).csrfToken,
    response,
  };
}

/** A request as the logged-in web client sends it (cookie and CSRF header). */
export function as(app: ApiApp, who: Login) {
  return (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, ...headers },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
}

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** A logger at info level whose lines are kept, parsed, for a test to read. */
export function capturedLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { log, lines };
}

/** Pino's number for the error level: a line at or above it is an error. */
export const ERROR_LEVEL = 50;

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request over a real socket with the path sent exactly as written: `fetch` would normalise
 * "/%2e%2e" to "/" before it left the test.
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string | number> = {},
  body?: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The harness's app on a real port of 127.0.0.1 (closed with the harness). */
export async function listen(h: Harness): Promise<number> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  return address.port;
}
