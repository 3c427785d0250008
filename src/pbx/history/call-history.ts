/**
 * Call history in the store (design §4: "decide once, execute, record"): one row per call with the
 * decision that routed it — exception, action, plan, trace — and how it ended. Times are epoch ms.
 */
import type { Selectable } from 'kysely';
import type { Action, Caller, Decision, Step, TraceEntry } from '../../domain/types.js';
import { callerKey } from '../../domain/numbers.js';
import type { Db } from '../../store/database.js';
import type { CallHistoryTable } from '../../store/schema.js';
import type { CallOutcome } from '../calls/outcome.js';

export interface CallStart {
  id: string;
  startedAt: number;
  caller: Caller;
  callerName: string | null;
  decision: Decision;
}

export interface CallEndRecord {
  outcome: CallOutcome;
  /** The final status the caller got (200 when answered). */
  status: number;
  answeredBy: string | null;
}

export interface CallRecord {
  id: string;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  caller: string;
  callerName: string | null;
  called: string;
  exception: number | null;
  action: Action | null;
  plan: Step[];
  trace: TraceEntry[];
  /** null while the call lasts. */
  outcome: CallOutcome | null;
  answeredBy: string | null;
  finalStatus: number | null;
}

export interface ListCallsOptions {
  /** Calls from, to or answered by this extension. */
  extension?: string;
  limit: number;
  /** Only calls started strictly before this instant (epoch ms): the next page. */
  before?: number;
}

/** What the call router records through; `storeHistory` writes it to the store. */
export interface CallHistorySink {
  recordStart(start: CallStart): Promise<void>;
  recordAnswer(id: string, at: number, answeredBy: string): Promise<void>;
  recordEnd(id: string, at: number, end: CallEndRecord): Promise<void>;
}

export async function recordStart(db: Db, start: CallStart): Promise<void> {
  const { decision } = start;
  await db
    .insertInto('call_history')
    .values({
      id: start.id,
      started_at: start.startedAt,
      answered_at: null,
      ended_at: null,
      caller: callerKey(start.caller),
      caller_name: start.callerName,
      called: decision.to,
      exception: decision.exception,
      action: decision.action === null ? null : JSON.stringify(decision.action),
      plan: JSON.stringify(decision.plan),
      trace: JSON.stringify(decision.trace),
      outcome: null,
      answered_by: null,
      final_status: null,
    })
    .execute();
}

export async function recordAnswer(
  db: Db,
  id: string,
  at: number,
  answeredBy: string,
): Promise<void> {
  await db
    .updateTable('call_history')
    .set({ answered_at: at, answered_by: answeredBy })
    .where('id', '=', id)
    .execute();
}

export async function recordEnd(db: Db, id: string, at: number, end: CallEndRecord): Promise<void> {
  await db
    .updateTable('call_history')
    .set({
      ended_at: at,
      outcome: end.outcome,
      final_status: end.status,
      answered_by: end.answeredBy,
    })
    .where('id', '=', id)
    .execute();
}

/** Most recent first. */
export async function listCalls(db: Db, options: ListCallsOptions): Promise<CallRecord[]> {
  let query = db.selectFrom('call_history').selectAll();
  const { extension, before } = options;
  if (extension !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('called', '=', extension),
        eb('caller', '=', extension),
        eb('answered_by', '=', extension),
      ]),
    );
  }
  if (before !== undefined) query = query.where('started_at', '<', before);
  const rows = await query
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map(fromRow);
}

function fromRow(row: Selectable<CallHistoryTable>): CallRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    caller: row.caller,
    callerName: row.caller_name,
    called: row.called,
    exception: row.exception,
    action: row.action === null ? null : (JSON.parse(row.action) as Action),
    plan: JSON.parse(row.plan) as Step[],
    trace: JSON.parse(row.trace) as TraceEntry[],
    outcome: row.outcome as CallOutcome | null,
    answeredBy: row.answered_by,
    finalStatus: row.final_status,
  };
}

/** The history sink on the store. */
export function storeHistory(db: Db): CallHistorySink {
  return {
    recordStart: (start) => recordStart(db, start),
    recordAnswer: (id, at, answeredBy) => recordAnswer(db, id, at, answeredBy),
    recordEnd: (id, at, end) => recordEnd(db, id, at, end),
  };
}
