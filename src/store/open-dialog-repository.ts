/**
 * The dialogs of calls that are up, as last checkpointed (pbx/calls/dialog-checkpoint.ts). A
 * checkpoint writes only what changed since the one before, in one transaction; a PBX started
 * again takes every row that is left (its predecessor died with those calls up) and clears them.
 *
 * Synchronous, with prepared statements, as the other hot writers (call history, bindings): a
 * transaction that awaited between its statements would hold the write lock while the API's own
 * connection, in the same process, waits on it with the event loop blocked.
 */
import type SQLite from 'better-sqlite3';
import type { Db } from './database.js';
import { sqliteOf } from './database.js';

export interface StoredDialog {
  key: string;
  /** JSON, as `OpenDialogTable` says. */
  snapshot: string;
  destination: string;
}

interface Statements {
  save: (opened: readonly StoredDialog[], closed: readonly string[], now: number) => void;
  take: () => StoredDialog[];
}

const statements = new WeakMap<SQLite.Database, Statements>();

function statementsOf(db: Db): Statements {
  const sqlite = sqliteOf(db);
  let prepared = statements.get(sqlite);
  if (prepared === undefined) {
    const remove = sqlite.prepare('delete from open_dialog where dialog_key = ?');
    const upsert = sqlite.prepare(
      `insert into open_dialog (dialog_key, snapshot, destination, saved_at)
       values (@key, @snapshot, @destination, @now)
       on conflict (dialog_key) do update
       set snapshot = excluded.snapshot, destination = excluded.destination`,
    );
    const select = sqlite.prepare('select dialog_key, snapshot, destination from open_dialog');
    const clear = sqlite.prepare('delete from open_dialog');
    const save = sqlite.transaction(
      (opened: readonly StoredDialog[], closed: readonly string[], now: number) => {
        for (const key of closed) remove.run(key);
        for (const d of opened) upsert.run({ ...d, now });
      },
    );
    const take = sqlite.transaction(() => {
      const rows = select.all() as { dialog_key: string; snapshot: string; destination: string }[];
      clear.run();
      return rows.map((r) => ({
        key: r.dialog_key,
        snapshot: r.snapshot,
        destination: r.destination,
      }));
    });
    // BEGIN IMMEDIATE: the write lock up front, as writeTransaction.
    prepared = {
      save: (opened, closed, now) => save.immediate(opened, closed, now),
      take: () => take.immediate(),
    };
    statements.set(sqlite, prepared);
  }
  return prepared;
}

/** One checkpoint's changes: dialogs now up (new or changed), and keys of those that ended. */
export function saveOpenDialogs(
  db: Db,
  opened: readonly StoredDialog[],
  closed: readonly string[],
  now: number,
): void {
  if (opened.length === 0 && closed.length === 0) return;
  statementsOf(db).save(opened, closed, now);
}

/** Every dialog left by the previous process; the table is empty afterwards. */
export function takeOpenDialogs(db: Db): StoredDialog[] {
  return statementsOf(db).take();
}
