import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { openStore } from '../../src/cli/data-dir.js';
import { loadDirectory } from '../../src/store/directory-repository.js';
import { directoryOf, tempDir } from './helpers.js';

const ROUNDS = 3;
const IMPORTS_PER_PROCESS = 4;

function documentFor(prefix: string, count: number): Record<string, unknown> {
  const numbers = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
  return {
    extensions: numbers.map((number, i) => ({
      number,
      name: `User ${number}`,
      password: `change-me-${number}`,
      exceptions: [
        {
          callerId: '06* 07*',
          action: { type: 'extension', target: numbers[(i + 1) % count], voicemail: true },
        },
        { callerId: '*', action: { type: 'busy' }, statuses: ['dnd'] },
      ],
    })),
    ringGroups: [{ number: `${prefix}99`, name: 'All', members: numbers }],
  };
}

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'renvoi.js');

/** One `renvoi import` process, as a user or a script would run it. */
function importOnce(
  file: string,
  dataDir: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'import', file, '--data', dataDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** Imports `file` again and again, one process after the other; stops at the first failure. */
async function importRepeatedly(file: string, dataDir: string, times: number) {
  for (let i = 0; i < times; i += 1) {
    const result = await importOnce(file, dataDir);
    if (result.code !== 0) return result;
  }
  return { code: 0, stderr: '' };
}

describe('two processes importing at once', () => {
  const tmp = tempDir('concurrent');
  const docA = documentFor('3', 40);
  const docB = documentFor('5', 30);
  const fileA = join(tmp.dir, 'a.yaml');
  const fileB = join(tmp.dir, 'b.yaml');

  beforeAll(() => {
    writeFileSync(fileA, stringify(docA));
    writeFileSync(fileB, stringify(docB));
  });

  afterAll(() => {
    tmp.remove();
  });

  it('serialises the writers and leaves one whole document', { timeout: 120_000 }, async () => {
    const expected = [directoryOf(docA), directoryOf(docB)];
    for (let round = 0; round < ROUNDS; round += 1) {
      // A fresh data dir each round also makes both processes create the schema at once.
      const dataDir = join(tmp.dir, `data-${round}`);
      const results = await Promise.all([
        importRepeatedly(fileA, dataDir, IMPORTS_PER_PROCESS),
        importRepeatedly(fileB, dataDir, IMPORTS_PER_PROCESS),
      ]);
      expect(results).toEqual([
        { code: 0, stderr: '' },
        { code: 0, stderr: '' },
      ]);
      const db = await openStore(dataDir);
      try {
        const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
        expect(check.rows).toEqual([{ integrity_check: 'ok' }]);
        expect(expected).toContainEqual(await loadDirectory(db));
      } finally {
        await db.destroy();
      }
    }
  });
});
