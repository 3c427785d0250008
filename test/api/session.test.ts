import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { join } from 'node:path';
import { buildApi } from '../../src/api/server.js';
import { as, login, startHarness } from './helpers.js';
import type { Harness } from './helpers.js';

describe('session', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('logs in with the SIP password and sets a strict, HttpOnly cookie', async () => {
    const alice = await login(h.app, '101', 'change-me-101');
    expect(alice.response.json()).toMatchObject({
      extension: '101',
      name: 'Alice Martin',
      role: 'user',
      language: 'fr',
    });
    const cookie = alice.response.cookies.find((c) => c.name === 'renvoi_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    expect(alice.response.headers['set-cookie']).not.toContain('change-me-101');
  });

  it('answers the same 401 for a wrong password and an unknown extension', async () => {
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { extension: '101', password: 'nope' },
      remoteAddress: '10.1.1.1',
    });
    const unknown = await h.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { extension: '999', password: 'nope' },
      remoteAddress: '10.1.1.1',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toEqual({
      error: 'bad-credentials',
      message: 'Numéro d’extension ou mot de passe incorrect.',
    });
  });

  it('refuses the 11th failed login a minute from one address with 429, not from another', async () => {
    const attempt = (password: string, remoteAddress: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { extension: '101', password },
        remoteAddress,
        headers: { 'accept-language': 'en' },
      });
    for (let i = 0; i < 10; i++) expect((await attempt('bad', '10.2.2.2')).statusCode).toBe(401);
    const blocked = await attempt('change-me-101', '10.2.2.2');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error).toBe('rate-limited');
    expect(blocked.json().message).toMatch(/^Too many login attempts: try again in \d+ s\.$/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt('change-me-101', '10.2.2.3')).statusCode).toBe(200);
  });

  it('does not count successful logins', async () => {
    for (let i = 0; i < 12; i++) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { extension: '100', password: 'change-me-100' },
        remoteAddress: '10.3.3.3',
      });
      expect(r.statusCode).toBe(200);
    }
  });

  it('GET gives the session with a fresh CSRF token that also works', async () => {
    const alice = await login(h.app, '101', 'change-me-101');
    const again = await h.app.inject({
      method: 'GET',
      url: '/api/session',
      headers: { cookie: alice.cookie },
    });
    expect(again.statusCode).toBe(200);
    const token = again.json().csrfToken as string;
    expect(token).not.toBe(alice.csrf);
    const put = await as(h.app, { ...alice, csrf: token })('PUT', '/api/extensions/101/status', {
      status: 'available',
    });
    expect(put.statusCode).toBe(200);
  });

  it('401 without a session, forged or tampered cookie', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/api/session' })).statusCode).toBe(401);
    const alice = await login(h.app, '101', 'change-me-101');
    const [body = '', mac = ''] = alice.cookie.slice('renvoi_session='.length).split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { e: string };
    payload.e = '102';
    const forged = `renvoi_session=${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
    const r = await h.app.inject({
      method: 'GET',
      url: '/api/extensions/102',
      headers: { cookie: forged },
    });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ error: 'unauthorized', message: 'Connectez-vous pour continuer.' });
  });

  it('logout clears the cookie and the old cookie no longer works', async () => {
    const alice = await login(h.app, '101', 'change-me-101');
    const out = await as(h.app, alice)('DELETE', '/api/session');
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === 'renvoi_session');
    expect(cleared?.value).toBe('');
    expect((await as(h.app, alice)('GET', '/api/session')).statusCode).toBe(401);
  });

  it('refuses a change without the CSRF header, or with another session’s token', async () => {
    const alice = await login(h.app, '101', 'change-me-101');
    const bruno = await login(h.app, '102', 'change-me-102');
    const none = await h.app.inject({
      method: 'PUT',
      url: '/api/extensions/101/status',
      headers: { cookie: alice.cookie },
      payload: { status: 'away' },
    });
    expect(none.statusCode).toBe(403);
    expect(none.json().error).toBe('csrf');
    const other = await as(h.app, { ...alice, csrf: bruno.csrf })(
      'PUT',
      '/api/extensions/101/status',
      { status: 'away' },
    );
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toBe('csrf');
    expect(h.context.directories).toBeDefined();
    const stored = await as(h.app, alice)('GET', '/api/extensions/101');
    expect(stored.json().status).toBe('available');
  });

  it('ends every session of an extension when its password changes', async () => {
    const alice = await login(h.app, '101', 'change-me-101');
    const bruno = await login(h.app, '102', 'change-me-102');
    const doc = (await as(h.app, bruno)('GET', '/api/admin/directory')).json() as {
      extensions: { number: string; password: string }[];
    };
    const entry = doc.extensions.find((e) => e.number === '101');
    if (entry === undefined) throw new Error('no 101');
    // The document holds the password's hash only, under a name of its own.
    expect(entry.password).toBeUndefined();
    expect(entry).toHaveProperty('passwordHash', expect.stringMatching(/^\$ha1\$renvoi\$/));
    expect(JSON.stringify(doc)).not.toContain('change-me-');
    entry.password = 'another-password-101';
    expect((await as(h.app, bruno)('PUT', '/api/admin/directory', doc)).statusCode).toBe(200);
    expect((await as(h.app, alice)('GET', '/api/session')).statusCode).toBe(401);
    entry.password = 'change-me-101';
    expect((await as(h.app, bruno)('PUT', '/api/admin/directory', doc)).statusCode).toBe(200);
  });

  /** The same API started again on the same database: what a restart keeps. */
  async function restarted() {
    return buildApi({
      db: h.db,
      dataDir: h.dataDir,
      log: pino({ level: 'silent' }),
      webRoot: join(h.dataDir, 'no-web'),
    });
  }

  it('still refuses a logged-out cookie after a restart', async () => {
    const alice = await login(h.app, '101', 'change-me-101');
    const kept = await login(h.app, '101', 'change-me-101');
    expect((await as(h.app, alice)('DELETE', '/api/session')).statusCode).toBe(204);
    const { app } = await restarted();
    try {
      expect((await as(app, alice)('GET', '/api/session')).statusCode).toBe(401);
      expect((await as(app, kept)('GET', '/api/session')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('lets an admin end every session of an extension, for good, and no one else', async () => {
    const alice = await login(h.app, '101', 'change-me-101');
    const other = await login(h.app, '101', 'change-me-101');
    const bruno = await login(h.app, '102', 'change-me-102');
    const denied = await as(h.app, alice)('DELETE', '/api/admin/extensions/102/sessions');
    expect(denied.statusCode).toBe(403);
    const unknown = await as(h.app, bruno)('DELETE', '/api/admin/extensions/999/sessions');
    expect(unknown.statusCode).toBe(404);
    const revoked = await as(h.app, bruno)('DELETE', '/api/admin/extensions/101/sessions');
    expect(revoked.statusCode).toBe(204);
    for (const session of [alice, other]) {
      expect((await as(h.app, session)('GET', '/api/session')).statusCode).toBe(401);
    }
    expect((await as(h.app, bruno)('GET', '/api/session')).statusCode).toBe(200);
    // Logging in again works, and a restart changes none of it.
    await new Promise((r) => setTimeout(r, 2));
    const again = await login(h.app, '101', 'change-me-101');
    const { app } = await restarted();
    try {
      expect((await as(app, alice)('GET', '/api/session')).statusCode).toBe(401);
      expect((await as(app, again)('GET', '/api/session')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    const openapi = (await h.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toContain('/api/admin/extensions/{ext}/sessions');
  });
});
