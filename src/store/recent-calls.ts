/**
 * A caller's recent calls from the call history, for exceptions with a repeat condition (issue 13
 * §3). Synchronous, with the statement prepared once per database: it runs on the INVITE path.
 */
import type { Statement } from 'better-sqlite3';
import type { PastCall } from '../domain/types.js';
import { sqliteOf } from './database.js';
import type { Db } from './database.js';

/** Enough for any repeat condition (at most 20 calls counted). */
const LIMIT = 500;

const statements = new WeakMap<Db, Statement<[string, number, number]>>();

/** Calls from `caller` (the history's caller key) started at or after `since` (epoch ms). */
export function recentCallsFrom(db: Db, caller: string, since: number): PastCall[] {
  let statement = statements.get(db);
  if (statement === undefined) {
    statement = sqliteOf(db).prepare(
      `select id, started_at as at, called from call_history
       where caller = ? and started_at >= ? order by started_at desc limit ?`,
    );
    statements.set(db, statement);
  }
  return statement.all(caller, since, LIMIT) as PastCall[];
}
