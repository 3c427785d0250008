/**
 * The web client and API over HTTPS beside HTTP (issue 9, point 4), on real servers: the same
 * routes on both, plain HTTP on the HTTPS port dropped, HSTS over HTTPS only, the security headers on both (a CSP that forbids
 * framing), the live-event WebSocket over TLS, and with the redirect setting every HTTP request
 * but the metrics sent to HTTPS.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/data-dir.js';
import { buildDirectory } from '../../src/domain/document.js';
import { saveDirectory } from '../../src/store/directory-repository.js';
import type { Db } from '../../src/store/database.js';
import { startApi } from '../../src/api/server.js';
import { PbxMetrics } from '../../src/pbx/metrics.js';
import { makeTestPki } from '../sip/transport/tls-fixtures.js';
import type { TestPki } from '../sip/transport/tls-fixtures.js';
import { guideDocument, rawRequest } from './helpers.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
}

function httpsGet(port: number, path: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(redirect: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'renvoi-api-https-'));
  const web = join(dir, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>Renvoi</title>');
  const db: Db = await openStore(dir);
  const built = buildDirectory(guideDocument());
  if (!built.ok) throw new Error('guide');
  await saveDirectory(db, built.directory);
  const api = await startApi({
    db,
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    log: pino({ level: 'silent' }),
    webRoot: web,
    metrics: { metrics: new PbxMetrics({ defaultMetrics: false }), token: null },
    https: { port: 0, cert: pki.cert, key: pki.key, redirect },
  });
  return {
    api,
    httpsPort: api.httpsPort ?? 0,
    remove: async () => {
      await api.close();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.remove());

describe('HTTPS beside HTTP', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(false);
  });
  afterAll(() => server?.remove());

  it('serves the same pages over both, HSTS over HTTPS only, framing forbidden on both', async () => {
    const secure = await httpsGet(server.httpsPort, '/exceptions', pki.ca);
    const plain = await rawRequest(server.api.port, 'GET', '/exceptions');
    for (const answer of [secure, plain]) {
      expect(answer.status).toBe(200);
      const csp = String(answer.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(secure.headers['strict-transport-security']).toMatch(/^max-age=\d+$/);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('answers the API over HTTPS: an unknown extension is refused as over HTTP', async () => {
    const secure = await httpsGet(server.httpsPort, '/api/session', pki.ca);
    expect(secure.status).toBe(401);
  });

  it('drops plain HTTP sent to the HTTPS port at once, and keeps serving', async () => {
    const socket = connect({ host: '127.0.0.1', port: server.httpsPort });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    const started = Date.now();
    socket.once('connect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await httpsGet(server.httpsPort, '/', pki.ca)).status).toBe(200);
  });

  it('refuses a client that does not trust the certificate', async () => {
    await expect(httpsGet(server.httpsPort, '/', '')).rejects.toThrow(/certificate/i);
  });
});

describe('HTTP redirected to HTTPS', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(true);
  });
  afterAll(() => server?.remove());

  it('sends a page to the same path over HTTPS, keeps the metrics on HTTP', async () => {
    const page = await rawRequest(server.api.port, 'GET', '/voicemail?x=1', {
      host: `127.0.0.1:${server.api.port}`,
    });
    expect(page.status).toBe(308);
    expect(page.headers.location).toBe(`https://127.0.0.1:${server.httpsPort}/voicemail?x=1`);
    const metrics = await rawRequest(server.api.port, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    const secure = await httpsGet(server.httpsPort, '/voicemail?x=1', pki.ca);
    expect(secure.status).toBe(200);
  });
});
