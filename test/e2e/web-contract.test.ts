/**
 * The web client's types come from the API's TypeBox schemas (web/src/api/types.ts imports them
 * as types only): the built client must hold none of the server's code, neither TypeBox nor the
 * schemas themselves.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from './harness.js';

describe('the web client and the API contract', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 300_000);

  it('is built without any of the server: no TypeBox, no schema text', () => {
    const assets = join(ROOT, 'web', 'dist', 'assets');
    const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const bundle = scripts.map((name) => readFileSync(join(assets, name), 'utf8')).join('\n');
    // The client's own words are there (the check would pass on an empty file otherwise).
    expect(bundle).toContain('Recevoir les messages par e-mail');
    for (const server of [
      'TypeBox.Kind', // TypeBox's runtime marks every schema with this symbol
      'the status calls are routed by now', // a description in src/api/schemas.ts
      'where new voicemail messages are sent',
      'fastify',
    ]) {
      expect(bundle.includes(server), server).toBe(false);
    }
  });
});
