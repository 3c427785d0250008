import SQLite from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { privateFile } from './data-directory.js';

export type Db = Kysely<Database>;

/** The better-sqlite3 connection under each Db that `openDatabase` opened. */
const connections = new WeakMap<Db, SQLite.Database>();

/**
 * The better-sqlite3 connection under `db`, for hot paths that run prepared statements
 * synchronously (the call history's batched writes) instead of going through kysely.
 */
export function sqliteOf(db: Db): SQLite.Database {
  const connection = connections.get(db);
  if (connection === undefined) throw new Error('not a database opened by openDatabase');
  return connection;
}

/** How long a writer waits for another process's transaction before giving up. */
const BUSY_TIMEOUT_MS = 15_000;

/**
 * Opens (creating if needed) a SQLite database file. WAL lets readers proceed while one process
 * writes; the busy timeout makes a second writer wait for the lock instead of failing at once.
 * The file is made owner-only before SQLite opens it (SQLite gives its -wal and -shm files the
 * same mode), and secure_delete zeroes what a row change frees within the pages it writes anyway
 * (FAST: no extra I/O on the busy tables, registrations and call history), so a replaced password
 * digest or a moved key does not linger in the file.
 */
export function openDatabase(file: string): Db {
  privateFile(file);
  for (const companion of [`${file}-wal`, `${file}-shm`]) {
    if (existsSync(companion)) privateFile(companion);
  }
  const database = new SQLite(file, { timeout: BUSY_TIMEOUT_MS });
  database.pragma('secure_delete = FAST');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  connections.set(db, database);
  return db;
}

/**
 * Runs `work` in a write transaction taken with BEGIN IMMEDIATE: the write lock is acquired up front,
 * so concurrent writers queue on the busy timeout rather than failing with SQLITE_BUSY when a
 * deferred transaction tries to upgrade its read lock.
 */
export async function writeTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

/** Runs `work` in a read transaction, so that every query sees the same snapshot. */
export async function readTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql`commit`.execute(conn);
    }
  });
}

/** SQLite's data_version: it changes when another connection commits (an import elsewhere). */
export async function dataVersion(db: Db): Promise<number> {
  const rows = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return rows.rows[0]?.data_version ?? 0;
}
