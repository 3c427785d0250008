import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { openStore } from '../../src/cli/data-dir.js';
import { buildDirectory } from '../../src/domain/document.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import type { Db } from '../../src/store/database.js';
import { startApi } from '../../src/api/server.js';
import { guideDocument } from './helpers.js';

describe('the real server on a free port', () => {
  let dir: string;
  let db: Db;
  let api: Awaited<ReturnType<typeof startApi>>;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'renvoi-api-real-'));
    const web = join(dir, 'web');
    mkdirSync(web);
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Renvoi</title>');
    db = await openStore(dir);
    const built = buildDirectory(guideDocument());
    if (!built.ok) throw new Error('guide');
    await saveDirectory(db, built.directory);
    api = await startApi({
      db,
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      log: pino({ level: 'silent' }),
      webRoot: web,
    });
    base = `http://127.0.0.1:${api.port}`;
  });
  afterAll(async () => {
    await api.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in over HTTP, changes the status and hears it on the WebSocket', async () => {
    const loginResponse = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extension: '101', password: 'change-me-101' }),
    });
    expect(loginResponse.status).toBe(200);
    const setCookie = loginResponse.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0] ?? '';
    const { csrfToken } = (await loginResponse.json()) as { csrfToken: string };

    const socket = new WebSocket(`ws://127.0.0.1:${api.port}/api/events`, {
      headers: { cookie },
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const received = new Promise<unknown>((resolve) =>
      socket.on('message', (data) => {
        const event = JSON.parse(String(data)) as { type: string };
        if (event.type === 'status') resolve(event);
      }),
    );
    const put = await fetch(`${base}/api/extensions/101/status`, {
      method: 'PUT',
      headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'dnd' }),
    });
    expect(put.status).toBe(200);
    expect(await received).toEqual({ type: 'status', extension: '101', status: 'dnd' });
    socket.close();
  });

  it('refuses the event stream without a session', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${api.port}/api/events`);
    const status = await new Promise<number>((resolve) => {
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => resolve(101));
    });
    expect(status).toBe(401);
  });

  it('serves the web client, with index.html for client routes', async () => {
    const root = await fetch(`${base}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<title>Renvoi</title>');
    const route = await fetch(`${base}/exceptions`, { headers: { accept: 'text/html' } });
    expect(route.status).toBe(200);
    expect(route.headers.get('content-type')).toMatch(/text\/html/);
    const docs = await fetch(`${base}/api/openapi.json`);
    expect(((await docs.json()) as { openapi: string }).openapi).toBe('3.0.3');
  });
});
