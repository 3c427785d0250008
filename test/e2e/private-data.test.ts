/**
 * Secrets at rest (issue 14 §7) on a real `renvoi start`: the data directory and everything in it
 * are owner-only, files made before included, and the database holds no password, PIN or key.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';
import { PIN_HASH } from '../../src/domain/credentials.js';
import { ensureBuilt, startRenvoi } from './harness.js';
import type { RunningRenvoi } from './harness.js';

const TONE = join(import.meta.dirname, '../interop/fixtures/tone-440.wav');

/** Every folder and file under `dir`, with its permission bits. */
function modes(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found.set(path, statSync(path).mode & 0o777);
  }
  return found;
}

describe('a first start on a data directory made by someone else', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'renvoi-private-'));
  const oldMessage = join(dataDir, 'voicemail', '101', 'old.wav');
  let running: RunningRenvoi;
  beforeAll(async () => {
    await ensureBuilt();
    // What an earlier version, or a copy with the usual umask, left behind.
    mkdirSync(join(dataDir, 'voicemail', '101'), { recursive: true, mode: 0o755 });
    writeFileSync(oldMessage, readFileSync(TONE), { mode: 0o644 });
    chmodSync(dataDir, 0o755);
    running = await startRenvoi('', { dataDir });
  }, 240_000);
  afterAll(async () => {
    await running.halt();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes the folder 0700 and every file in it 0600, new files and old ones', async () => {
    await expect.poll(() => running.output()).toMatch(/Try a decision/);
    // A greeting uploaded through the web client is a new file, written by the running PBX.
    const printed = /extension 101 \([^)]*\): user 101, password (\S+),/.exec(running.output());
    const login = await fetch(`${running.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extension: '101', password: printed?.[1] }),
    });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const upload = await fetch(`${running.url}/api/extensions/101/greeting`, {
      method: 'PUT',
      headers: { 'content-type': 'audio/wav', cookie, 'x-csrf-token': csrfToken },
      body: readFileSync(TONE),
    });
    expect(upload.status).toBe(204);

    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const found = modes(dataDir);
    for (const name of ['renvoi.sqlite', 'keys.json', 'voicemail/101/old.wav']) {
      expect(found.get(join(dataDir, name)), name).toBe(0o600);
    }
    expect([...found.keys()].some((p) => p.includes('greeting'))).toBe(true);
    for (const [path, mode] of found) {
      expect(mode, path).toBe(statSync(path).isDirectory() ? 0o700 : 0o600);
    }
  });

  it('keeps no password, PIN or key in the database, and a logged-out cookie stays out after a restart', async () => {
    const printed = [
      ...running
        .output()
        .matchAll(/extension (\d+) \([^)]*\): user \d+, password (\S+), voicemail PIN (\d+)/g),
    ].map(([, number = '', password = '', pin = '']) => ({ number, password, pin }));
    expect(printed.map((p) => p.number)).toEqual(['100', '101', '102']);
    const login = async (password: string) => {
      const r = await fetch(`${running.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extension: '102', password }),
      });
      expect(r.status).toBe(200);
      const { csrfToken } = (await r.json()) as { csrfToken: string };
      return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrfToken };
    };
    const bruno = printed[2]?.password ?? '';
    const [out, kept] = [await login(bruno), await login(bruno)];
    const whoAmI = (session: { cookie: string }) =>
      fetch(`${running.url}/api/session`, { headers: { cookie: session.cookie } });
    const logout = await fetch(`${running.url}/api/session`, {
      method: 'DELETE',
      headers: { cookie: out.cookie, 'x-csrf-token': out.csrfToken },
    });
    expect(logout.status).toBe(204);
    expect((await whoAmI(out)).status).toBe(401);

    await running.halt();
    const bytes = Buffer.concat(
      readdirSync(dataDir)
        .filter((name) => name.startsWith('renvoi.sqlite'))
        .map((name) => readFileSync(join(dataDir, name))),
    );
    const keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as Record<
      string,
      string
    >;
    for (const key of Object.values(keys)) {
      expect(bytes.includes(key)).toBe(false);
      expect(bytes.includes(Buffer.from(key, 'base64'))).toBe(false);
    }
    for (const { password } of printed) expect(bytes.includes(password)).toBe(false);
    // A PIN is too short to look for in raw bytes: its column holds an scrypt hash.
    const db = new SQLite(join(dataDir, 'renvoi.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('select voicemail_pin from extension').all() as {
        voicemail_pin: string;
      }[];
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.voicemail_pin).toMatch(PIN_HASH);
    } finally {
      db.close();
    }

    running = await startRenvoi('', { dataDir });
    expect((await whoAmI(out)).status).toBe(401);
    expect((await whoAmI(kept)).status).toBe(200);
  }, 60_000);
});
