/**
 * SQLite's online backup (https://sqlite.org/backup.html) of the store, and the integrity check a
 * restored copy must pass. The backup reads one consistent snapshot while the PBX goes on writing:
 * in WAL mode a reader does not stop a writer, and the copy is made in one step so that a write
 * elsewhere cannot make it start over.
 */
import SQLite from 'better-sqlite3';

/** Every page at once: a step interrupted by another connection's write would restart the copy. */
const ALL_PAGES = 0x7fffffff;
const BUSY_TIMEOUT_MS = 15_000;

/** Copies the database at `source` to a new file `destination`, consistent as of one instant. */
export async function backupDatabase(source: string, destination: string): Promise<void> {
  const db = new SQLite(source, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    await db.backup(destination, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  // The copy keeps the source's WAL mode; in rollback mode it is one self-contained file, which a
  // read-only check can open and which the store turns back to WAL when it opens it.
  const copy = new SQLite(destination, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** What `PRAGMA integrity_check` finds wrong in the database at `file`: empty when it is sound. */
export function integrityProblems(file: string): string[] {
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(file, { fileMustExist: true, readonly: true });
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((row) => row.integrity_check).filter((text) => text !== 'ok');
    return problems;
  } catch (error) {
    return [(error as Error).message];
  } finally {
    db?.close();
  }
}
