import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { pino } from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { buildDirectory } from '../../src/domain/document.js';
import { openStore } from '../../src/cli/data-dir.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import type { Db } from '../../src/store/database.js';
import { buildApi } from '../../src/api/server.js';
import type { ApiApp, ApiContext } from '../../src/api/context.js';

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

export async function startHarness(doc: unknown = guideDocument()): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'renvoi-api-'));
  const db = await openStore(dataDir);
  const built = buildDirectory(doc);
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  await saveDirectory(db, built.directory);
  const { app, context } = await buildApi({
    db,
    dataDir,
    log: pino({ level: 'silent' }),
    webRoot: join(dataDir, 'no-web'),
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
