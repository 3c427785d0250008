/**
 * Call history in the store (design §4: "decide once, execute, record"): one row per call with the
 * decision that routed it — exception, action, plan, trace — and how it ended. Times are epoch ms.
 */
import type { Selectable } from 'kysely';
import type { Action, Caller, Decision, PastCall, Step, TraceEntry } from '../domain/types.js';
import { callerKey } from '../domain/numbers.js';
import type { Statement } from 'better-sqlite3';
import { sqliteOf } from './database.js';
import type { Db } from './database.js';
import type { CallHistoryTable } from './schema.js';
import { recentCallsFrom } from './recent-calls.js';

/** What the call history stores (design: the outcome column). */
/** `voicemail`: the PBX took the call (a message left, or the `*97` menu). */
export type CallOutcome =
  'answered' | 'busy' | 'no-answer' | 'cancelled' | 'failed' | 'unavailable' | 'voicemail';

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
  /**
   * The calls from `caller` (a caller key) started since `since` (epoch ms), those still queued
   * included. Absent: the router knows no earlier calls.
   */
  recentCalls?(caller: string, since: number): PastCall[];
}

export async function listCalls(db: Db, options: ListCallsOptions): Promise<CallRecord[]> {
  writers.get(db)?.flush();
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

/** How often queued history events are written, and how many at most wait for it. */
const FLUSH_INTERVAL_MS = 50;
const FLUSH_BATCH = 200;

type HistoryEvent =
  | { kind: 'start'; start: CallStart }
  | { kind: 'answer'; id: string; at: number; answeredBy: string }
  | { kind: 'end'; id: string; at: number; end: CallEndRecord };

interface Batch {
  events: HistoryEvent[];
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits must not turn its failure into an unhandled rejection.
  done.catch(() => undefined);
  return { events: [], done, resolve, reject };
}

/**
 * The history sink on the store, off the call path: events are queued in memory and written every
 * FLUSH_INTERVAL_MS (or once FLUSH_BATCH are queued) in one better-sqlite3 transaction, with
 * statements prepared once. Each record* resolves when its batch is committed. Writing three rows
 * per call through kysely on the event loop cost a fifth of the PBX's busy time under load.
 */
export class BatchedHistoryWriter implements CallHistorySink {
  private batch = newBatch();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly insert: Statement;
  private readonly answer: Statement;
  private readonly end: Statement;
  private readonly writeAll: (events: HistoryEvent[]) => void;

  constructor(private readonly db: Db) {
    const sqlite = sqliteOf(db);
    this.insert = sqlite.prepare(
      `insert into call_history (id, started_at, answered_at, ended_at, caller, caller_name,
         called, exception, action, plan, trace, outcome, answered_by, final_status)
       values (?, ?, null, null, ?, ?, ?, ?, ?, ?, ?, null, null, null)`,
    );
    this.answer = sqlite.prepare(
      'update call_history set answered_at = ?, answered_by = ? where id = ?',
    );
    this.end = sqlite.prepare(
      `update call_history set ended_at = ?, outcome = ?, final_status = ?, answered_by = ?
       where id = ?`,
    );
    this.writeAll = sqlite.transaction((events: HistoryEvent[]) => {
      for (const event of events) this.writeOne(event);
    });
  }

  recordStart(start: CallStart): Promise<void> {
    return this.queue({ kind: 'start', start });
  }

  recordAnswer(id: string, at: number, answeredBy: string): Promise<void> {
    return this.queue({ kind: 'answer', id, at, answeredBy });
  }

  recordEnd(id: string, at: number, end: CallEndRecord): Promise<void> {
    return this.queue({ kind: 'end', id, at, end });
  }

  recentCalls(caller: string, since: number): PastCall[] {
    // A caller's calls a few seconds apart must count: what is queued is written first.
    this.flush();
    return recentCallsFrom(this.db, caller, since);
  }

  /** Writes every queued event now (synchronously). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    const batch = this.batch;
    if (batch.events.length === 0) return;
    this.batch = newBatch();
    try {
      this.writeAll(batch.events);
      batch.resolve();
    } catch {
      // One bad event must not lose the batch: write them one by one, report the first failure.
      let failure: unknown = null;
      for (const event of batch.events) {
        try {
          this.writeOne(event);
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure === null) batch.resolve();
      else batch.reject(failure);
    }
  }

  /** Writes what is queued; later events are written at once (shutdown). */
  close(): void {
    this.flush();
    this.closed = true;
    if (writers.get(this.db) === this) writers.delete(this.db);
  }

  private queue(event: HistoryEvent): Promise<void> {
    const batch = this.batch;
    batch.events.push(event);
    if (this.closed) {
      this.flush();
    } else if (batch.events.length >= FLUSH_BATCH) {
      this.immediate ??= setImmediate(() => this.flush());
    } else {
      this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
    }
    return batch.done;
  }

  private writeOne(event: HistoryEvent): void {
    switch (event.kind) {
      case 'start': {
        const { start } = event;
        const { decision } = start;
        this.insert.run(
          start.id,
          start.startedAt,
          callerKey(start.caller),
          start.callerName,
          decision.to,
          decision.exception,
          decision.action === null ? null : JSON.stringify(decision.action),
          JSON.stringify(decision.plan),
          JSON.stringify(decision.trace),
        );
        return;
      }
      case 'answer':
        this.answer.run(event.at, event.answeredBy, event.id);
        return;
      case 'end':
        this.end.run(event.at, event.end.outcome, event.end.status, event.end.answeredBy, event.id);
        return;
    }
  }
}

/** The writer of each database, so that `listCalls` can write what it has queued first. */
const writers = new WeakMap<Db, BatchedHistoryWriter>();

/** The history sink on the store (one batched writer per database). */
export function storeHistory(db: Db): BatchedHistoryWriter {
  let writer = writers.get(db);
  if (writer === undefined) {
    writer = new BatchedHistoryWriter(db);
    writers.set(db, writer);
  }
  return writer;
}
