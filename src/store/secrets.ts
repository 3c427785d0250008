/**
 * Named random keys that must outlive the process: the digest server's nonce key and the web
 * session signing key. They live in a file of their own in the data directory (mode 0600), not
 * in the database: a copy of the database (a backup, an export) must not be enough to forge an
 * admin cookie. Earlier versions kept them in the `secret` table; they are moved to the file the
 * first time they are asked for, and the rows deleted (secure_delete zeroes them on disk).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { writeTransaction } from './database.js';
import type { Db } from './database.js';
import { PRIVATE_FILE_MODE, privateFile } from './data-directory.js';

const SECRET_BYTES = 32;
export const KEYS_FILE = 'keys.json';

type Keys = Record<string, string>;

function readKeys(file: string): Keys {
  if (!existsSync(file)) return {};
  privateFile(file);
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file} is not a keys file`);
  }
  return Object.fromEntries(
    Object.entries(parsed).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** Written whole under another name, then renamed: a crash never leaves half a file. */
function writeKeys(file: string, keys: Keys): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(temporary, file);
}

/**
 * The key called `name`, created (32 random bytes) on first use. The database's write lock is
 * held meanwhile, so two processes starting together on one data directory agree on one value.
 */
export async function loadOrCreateSecret(db: Db, dataDir: string, name: string): Promise<Buffer> {
  const moved = await writeTransaction(db, (trx) => secretWithin(trx, dataDir, name));
  // The deleted rows' pages are zeroed in the WAL; copy them over the database file now.
  if (moved.rows > 0) await sql`pragma wal_checkpoint(truncate)`.execute(db);
  return moved.value;
}

/**
 * `loadOrCreateSecret` for a caller that already holds the write lock (a directory save): the
 * value, and how many rows of the old `secret` table were moved to the file.
 */
export async function secretWithin(
  trx: Db,
  dataDir: string,
  name: string,
): Promise<{ value: Buffer; rows: number }> {
  const file = join(dataDir, KEYS_FILE);
  const keys = readKeys(file);
  const rows = await trx.selectFrom('secret').select(['name', 'value']).execute();
  let changed = rows.length > 0;
  for (const row of rows) keys[row.name] ??= row.value;
  if (keys[name] === undefined) {
    keys[name] = randomBytes(SECRET_BYTES).toString('base64');
    changed = true;
  }
  if (changed) writeKeys(file, keys);
  if (rows.length > 0) await trx.deleteFrom('secret').execute();
  return { value: Buffer.from(keys[name], 'base64'), rows: rows.length };
}
