/**
 * Issue 14, point 10: paths a prober sends to the web server, and the size limit it is told,
 * through the real HTTP server (a socket, the path sent byte for byte as written).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WAV_BODY_LIMIT } from '../../src/api/wav-body.js';
import { ERROR_LEVEL, capturedLog, listen, login, rawRequest, startHarness } from './helpers.js';
import type { Harness, LogLine, Login } from './helpers.js';

describe('hostile paths and bodies over HTTP', () => {
  let h: Harness;
  let lines: LogLine[];
  let port: number;
  let alice: Login;

  beforeAll(async () => {
    const captured = capturedLog();
    lines = captured.lines;
    // A web client folder, so the static file server is in the path as in production.
    const webRoot = join(process.env.TMPDIR ?? '/tmp', `renvoi-web-${process.pid}-${Date.now()}`);
    mkdirSync(join(webRoot, 'assets'), { recursive: true });
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Renvoi</title>');
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'export {};');
    h = await startHarness(undefined, { log: captured.log, webRoot });
    port = await listen(h);
    alice = await login(h.app, '101', 'change-me-101');
  });
  afterAll(async () => h.close());

  it('answers 400 or 404, never 500, to dot-dot and NUL paths, and logs no error', async () => {
    const paths = [
      '/%2e%2e',
      '/%2E%2E',
      '/x%00.wav',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/%00',
      '/api/%2e%2e',
      '/%',
      '/%c0%ae%c0%ae',
    ];
    for (const path of paths) {
      const response = await rawRequest(port, 'GET', path, { 'accept-language': 'en' });
      expect([400, 401, 404], `${path}: ${response.status} ${response.body}`).toContain(
        response.status,
      );
      // Nothing of the machine's files comes back.
      expect(response.body, path).not.toMatch(/root:|"name": "renvoi"/);
    }
    const nul = await rawRequest(port, 'GET', '/x%00.wav');
    expect(nul.status).toBe(404);
    expect(JSON.parse(nul.body)).toEqual({
      error: 'not-found',
      message: 'Cette adresse n’existe pas.',
    });
    const undecodable = await rawRequest(port, 'GET', '/%');
    expect(undecodable.status).toBe(400);
    expect(JSON.parse(undecodable.body)).toEqual({
      error: 'bad-request',
      message: 'Adresse mal formée.',
    });
    expect(lines.filter((line) => line.level >= ERROR_LEVEL)).toEqual([]);
    // The web client itself is still served.
    expect((await rawRequest(port, 'GET', '/assets/app.js')).status).toBe(200);
  });

  it('says the real size limit of a recording (16 MiB) when a body is over it', async () => {
    expect(WAV_BODY_LIMIT).toBe(16 * 1024 * 1024);
    const headers = {
      cookie: alice.cookie,
      'x-csrf-token': alice.csrf,
      'content-type': 'audio/wav',
    };
    const body = Buffer.alloc(WAV_BODY_LIMIT + 1);
    const fr = await rawRequest(port, 'PUT', '/api/extensions/101/greeting', headers, body);
    expect(fr.status).toBe(413);
    expect(JSON.parse(fr.body)).toEqual({
      error: 'too-large',
      message: 'Le fichier est trop gros (au plus 16 Mio).',
    });
    const en = await rawRequest(port, 'PUT', '/api/extensions/101/greeting?lang=en', headers, body);
    expect(JSON.parse(en.body).message).toBe('The file is too large (at most 16 MiB).');
    expect(lines.filter((line) => line.level >= ERROR_LEVEL)).toEqual([]);
  });
});
