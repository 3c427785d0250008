/**
 * `renvoi import` after the first start: an entry without a password, a voicemail PIN or a role
 * keeps the extension's own, so the passwords the first start printed and the admin it made
 * survive an import; a password the document does set replaces the stored one, and the import
 * says for which extensions; a new extension without one gets a password, printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runStart } from '../../src/cli/commands/start.js';
import { openStore } from '../../src/cli/data-dir.js';
import { loadDirectory } from '../../src/store/directory-repository.js';
import type { Directory } from '../../src/domain/types.js';
import { passwordMatches } from '../../src/domain/credentials.js';
import { eventually, freePort } from '../interop/harness.js';

/** Passwords are stored as their digests: the one kept matches `plain`. */
function passwordIs(directory: Directory, number: string, plain: string): boolean {
  const password = directory.extensions.get(number)?.password;
  return password !== undefined && passwordMatches(number, password, plain);
}

const GUIDE = join(import.meta.dirname, '..', '..', 'examples', 'guide.yaml');

async function renvoi(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (s) => (out += `${s}\n`),
    err: (s) => (err += `${s}\n`),
    env: { LANG: 'en_US.UTF-8' },
  });
  return { code, out, err };
}

async function stored(dataDir: string): Promise<Directory> {
  const db = await openStore(dataDir);
  try {
    return await loadDirectory(db);
  } finally {
    await db.destroy();
  }
}

describe('renvoi import after the first start', () => {
  const root = mkdtempSync(join(tmpdir(), 'renvoi-import-keeps-'));
  const dataDir = join(root, 'data');
  let demo: Directory;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    const lines: string[] = [];
    let stop = (): void => undefined;
    const running = runStart({
      dataDir,
      host: '127.0.0.1',
      sipPort: await freePort(),
      wsPort: 0,
      httpPort: 0,
      out: (s) => lines.push(s),
      err: (s) => lines.push(`ERR ${s}`),
      stopSignal: new Promise<void>((resolve) => (stop = resolve)),
      log: pino({ level: 'silent' }),
    });
    await eventually(
      () => lines.some((l) => l.startsWith('Try a decision') || l.startsWith('ERR')),
      'the first start',
      15_000,
    );
    stop();
    expect(await running).toBe(0);
    demo = await stored(dataDir);
  });

  it('keeps the printed passwords, PINs and the admin when the document sets none', async () => {
    // The guide with its secrets taken out: what an admin keeps in a file under version control.
    const doc = parse(readFileSync(GUIDE, 'utf8')) as { extensions: Record<string, unknown>[] };
    for (const ext of doc.extensions) {
      delete ext.password;
      delete ext.voicemailPin;
    }
    const alice = doc.extensions.find((e) => e.number === '101');
    if (alice !== undefined) alice.name = 'Alice Martin-Durand';
    const file = join(root, 'no-secrets.yaml');
    writeFileSync(file, stringify(doc));

    const result = await renvoi(['import', file, '--data', dataDir]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).not.toContain('passwords replaced');
    const after = await stored(dataDir);
    for (const number of ['100', '101', '102']) {
      expect(after.extensions.get(number)?.password).toEqual(demo.extensions.get(number)?.password);
      expect(after.extensions.get(number)?.voicemailPin).toEqual(
        demo.extensions.get(number)?.voicemailPin,
      );
    }
    expect(after.extensions.get('100')?.role).toBe('admin');
    expect(after.extensions.get('101')?.name).toBe('Alice Martin-Durand');
  });

  it('replaces a password the document sets, says so, and keeps the admin the document omits', async () => {
    const result = await renvoi(['import', GUIDE, '--data', dataDir]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain(
      'passwords replaced by the document’s: 100, 101, 102 (the other extensions keep theirs)',
    );
    const after = await stored(dataDir);
    expect(passwordIs(after, '101', 'change-me-101')).toBe(true);
    expect(after.extensions.get('100')?.role).toBe('admin');
  });

  it('an export imported back changes no password and says none changed', async () => {
    const exported = await renvoi(['export', '--data', dataDir]);
    const file = join(root, 'exported.yaml');
    writeFileSync(file, exported.out);
    const result = await renvoi(['import', file, '--data', dataDir]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).not.toContain('passwords replaced');
  });

  it('gives a new extension without a password one of its own, printed once', async () => {
    const text = `${readFileSync(GUIDE, 'utf8').replace(
      /^ringGroups:/m,
      "  - number: '103'\n    name: Chloé Roux\nringGroups:",
    )}`;
    const file = join(root, 'with-103.yaml');
    writeFileSync(file, text);
    const result = await renvoi(['import', file, '--data', dataDir]);
    expect(result.code, result.err).toBe(0);
    const printed = /new extension 103 has no password in the document: its password is (\S+)/.exec(
      result.out,
    );
    expect(printed).not.toBeNull();
    expect(passwordIs(await stored(dataDir), '103', printed?.[1] ?? '')).toBe(true);
  });

  it('gives a new extension a password in a fresh data directory too', async () => {
    const fresh = join(root, 'fresh');
    const file = join(root, 'fresh.yaml');
    writeFileSync(file, "extensions:\n  - number: '200'\n    name: Accueil\n");
    const result = await renvoi(['import', file, '--data', fresh]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/new extension 200 has no password in the document/);
  });
});
