/**
 * Upkeep of the call history (issue 14): rows a killed PBX left "in progress" are closed at the
 * next start, and outside SIP callers' calls that nobody answered are kept only as long as the
 * `outsideCalls.keepDays` setting says, so a flood of them cannot grow the database forever.
 */
import { sqliteOf } from './database.js';
import type { Db } from './database.js';

/**
 * Closes every call without an outcome as `interrupted`, ended at `now`. Only right at start-up,
 * before any call is taken: then no call is really in progress. Returns how many were closed.
 */
export function closeInterruptedCalls(db: Db, now: number): number {
  return sqliteOf(db)
    .prepare(
      `update call_history set outcome = 'interrupted', ended_at = ?
       where outcome is null`,
    )
    .run(now).changes;
}

/**
 * Deletes the calls of outside SIP callers started before `before` (epoch ms) that nobody
 * answered (refused, busy, cancelled, unanswered, interrupted); a call that left a message stays
 * beside its message. Returns how many went.
 */
export function pruneOutsideCalls(db: Db, before: number): number {
  return sqliteOf(db)
    .prepare(
      `delete from call_history
       where source = 'outside' and started_at < ?
         and outcome not in ('answered', 'voicemail')`,
    )
    .run(before).changes;
}
