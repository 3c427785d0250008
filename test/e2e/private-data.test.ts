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
});
