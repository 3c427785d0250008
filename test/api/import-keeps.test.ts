/**
 * The admin's import on the web (PUT /api/admin/directory) keeps what an entry leaves out of an
 * existing extension, as `renvoi import` does; a new extension still needs its password.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { as, guideDocument, login, startHarness } from './helpers.js';
import type { Harness } from './helpers.js';
import { passwordMatches } from '../../src/domain/credentials.js';

describe('PUT /api/admin/directory', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('keeps the password and role of an extension whose entry has none', async () => {
    const bruno = await login(h.app, '102', 'change-me-102');
    const doc = guideDocument();
    for (const ext of doc.extensions) {
      delete ext.password;
      delete ext.role;
    }
    const reply = await as(h.app, bruno)('PUT', '/api/admin/directory', doc);
    expect(reply.statusCode, reply.body).toBe(200);
    const directory = await h.context.directories.current();
    const kept = directory.extensions.get('101')?.password;
    expect(kept !== undefined && passwordMatches('101', kept, 'change-me-101')).toBe(true);
    expect(directory.extensions.get('102')?.role).toBe('admin');
    // The admin can still log in with the password the document left out.
    await login(h.app, '102', 'change-me-102');
  });

  it('refuses a new extension without a password, naming where', async () => {
    const bruno = await login(h.app, '102', 'change-me-102');
    const doc = guideDocument();
    doc.extensions.push({ number: '103', name: 'Chloé Roux' });
    const reply = await as(h.app, bruno)('PUT', '/api/admin/directory?lang=en', doc);
    expect(reply.statusCode).toBe(400);
    const problems = (reply.json() as { problems: { path: string; message: string }[] }).problems;
    expect(problems.map((p) => p.path)).toEqual(['extensions[3].password']);
    expect(problems[0]?.message).toContain('required');
    expect((await h.context.directories.current()).extensions.has('103')).toBe(false);
  });
});
