import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../store/database.js';
import type { Db } from '../store/database.js';
import { migrate } from '../store/migrations.js';
import { loadDirectory } from '../store/directory-repository.js';
import { prepareDataDirectory } from '../store/data-directory.js';
import type { Directory } from '../domain/types.js';

export const DATABASE_FILE = 'renvoi.sqlite';

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

/**
 * Opens the data directory's store, creating the directory (owner-only) and the schema as needed.
 */
export async function openStore(dataDir: string): Promise<Db> {
  prepareDataDirectory(dataDir);
  const db = openDatabase(databasePath(dataDir));
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/**
 * Loads the stored directory for a read-only command and closes the store afterwards. A data
 * directory without a database is an error rather than an empty directory: it is most often a
 * mistyped --data, and a read-only command should not create files.
 */
export async function withDirectory(
  dataDir: string,
  err: (s: string) => void,
  use: (directory: Directory, db: Db) => number | Promise<number>,
): Promise<number> {
  if (!existsSync(databasePath(dataDir))) {
    err(`renvoi: no directory in ${dataDir} (run "renvoi import FILE --data ${dataDir}" first)`);
    return 1;
  }
  const db = await openStore(dataDir);
  try {
    return await use(await loadDirectory(db), db);
  } finally {
    await db.destroy();
  }
}
