/**
 * Registrar bindings in the store, so that phones stay reachable across a restart without having
 * to register again (design §5, §7: state a restart must keep lives in the store). The registrar
 * keeps the working copy in memory and serialises REGISTERs per AOR; this module writes each AOR's
 * new set after every change and reloads them all at startup.
 */
import type { Selectable } from 'kysely';
import type SQLite from 'better-sqlite3';
import { readTransaction, sqliteOf } from './database.js';
import type { Db } from './database.js';
import type { RegistrationsTable } from './schema.js';

/** The transports a binding may have come over (SIP's, written as text). */
export type StoredTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

const STORED_TRANSPORTS: ReadonlySet<string> = new Set(['tcp', 'tls', 'ws', 'wss']);

/** A registrar binding as stored: the registrar's `Binding`, field for field. */
export interface StoredBinding {
  aor: string;
  contact: string;
  /** Epoch ms. */
  expiresAt: number;
  q: number | null;
  callId: string;
  cseq: number;
  instanceId: string | null;
  regId: number | null;
  source: { protocol: StoredTransport; address: string; port: number };
  userAgent: string | null;
  /** Epoch ms. */
  updatedAt: number;
}

function toRow(aor: string, b: StoredBinding): RegistrationsTable {
  return {
    aor,
    contact: b.contact,
    expires_at: b.expiresAt,
    q: b.q,
    call_id: b.callId,
    cseq: b.cseq,
    instance_id: b.instanceId,
    reg_id: b.regId,
    source_protocol: b.source.protocol,
    source_address: b.source.address,
    source_port: b.source.port,
    user_agent: b.userAgent,
    updated_at: b.updatedAt,
  };
}

function fromRow(row: Selectable<RegistrationsTable>): StoredBinding {
  return {
    aor: row.aor,
    contact: row.contact,
    expiresAt: row.expires_at,
    q: row.q,
    callId: row.call_id,
    cseq: row.cseq,
    instanceId: row.instance_id,
    regId: row.reg_id,
    source: {
      protocol: transportOf(row.source_protocol),
      address: row.source_address,
      port: row.source_port,
    },
    userAgent: row.user_agent,
    updatedAt: row.updated_at,
  };
}

const COLUMNS: readonly (keyof RegistrationsTable)[] = [
  'aor',
  'contact',
  'expires_at',
  'q',
  'call_id',
  'cseq',
  'instance_id',
  'reg_id',
  'source_protocol',
  'source_address',
  'source_port',
  'user_agent',
  'updated_at',
];

type AorSets = ReadonlyMap<string, readonly StoredBinding[]>;

/** Replacing the bindings of several AORs, in one transaction, with statements prepared once. */
const savers = new WeakMap<SQLite.Database, (sets: AorSets) => void>();

function saverOf(sqlite: SQLite.Database): (sets: AorSets) => void {
  let saver = savers.get(sqlite);
  if (saver === undefined) {
    const remove = sqlite.prepare('delete from registrations where aor = ?');
    const insert = sqlite.prepare(
      `insert into registrations (${COLUMNS.join(', ')}) values (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    const replace = sqlite.transaction((sets: AorSets) => {
      for (const [aor, bindings] of sets) {
        remove.run(aor);
        for (const b of bindings) insert.run(toRow(aor, b));
      }
    });
    // BEGIN IMMEDIATE, as writeTransaction: take the write lock up front.
    saver = (sets) => replace.immediate(sets);
    savers.set(sqlite, saver);
  }
  return saver;
}

interface PendingWrite {
  sets: Map<string, readonly StoredBinding[]>;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function pendingWrite(): PendingWrite {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { sets: new Map(), done, resolve, reject };
}

/**
 * Group commit of bindings: the sets saved during one turn of the event loop (the REGISTERs of one
 * batch of datagrams) are written in one transaction once the turn ends, and each `save` resolves
 * when that transaction has committed, so the registrar still answers 200 only once the bindings
 * are in the store. A commit per REGISTER was a tenth of the PBX's busy time at 2,000 REGISTER/s.
 * An AOR saved twice in a turn is written once, with its last set.
 */
export class BindingWriter {
  private pending: PendingWrite | undefined;

  constructor(private readonly db: Db) {}

  save(aor: string, bindings: readonly StoredBinding[]): Promise<void> {
    if (this.pending === undefined) {
      this.pending = pendingWrite();
      setImmediate(() => this.flush());
    }
    this.pending.sets.set(aor, bindings);
    return this.pending.done;
  }

  /** Writes what is queued now. */
  flush(): void {
    const batch = this.pending;
    if (batch === undefined) return;
    this.pending = undefined;
    try {
      saverOf(sqliteOf(this.db))(batch.sets);
      batch.resolve();
    } catch (error) {
      batch.reject(error);
    }
  }
}

/**
 * Replaces the stored bindings of `aor` with `bindings`, in one transaction (BEGIN IMMEDIATE), with
 * statements prepared once: kysely compiled and prepared them on every REGISTER.
 */
export function saveBindings(
  db: Db,
  aor: string,
  bindings: readonly StoredBinding[],
): Promise<void> {
  try {
    saverOf(sqliteOf(db))(new Map([[aor, bindings]]));
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** The stored bindings of `aor`, expired ones included (applyRegister drops them). */
export async function loadBindings(db: Db, aor: string): Promise<StoredBinding[]> {
  const rows = await db
    .selectFrom('registrations')
    .selectAll()
    .where('aor', '=', aor)
    .orderBy('updated_at')
    .execute();
  return rows.map(fromRow);
}

/** Every binding still active at `now` (epoch ms), for the registrar's startup. */
export async function loadAllActive(db: Db, now: number): Promise<StoredBinding[]> {
  return readTransaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('registrations')
      .selectAll()
      .where('expires_at', '>', now)
      .orderBy('aor')
      .orderBy('updated_at')
      .execute();
    return rows.map(fromRow);
  });
}

/** Deletes the bindings expired at `now`; returns how many. */
export async function purgeExpired(db: Db, now: number): Promise<number> {
  const result = await db
    .deleteFrom('registrations')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Rows written by this version hold one of ours; anything else is read as UDP, SIP's default. */
function transportOf(text: string): StoredTransport {
  return STORED_TRANSPORTS.has(text) ? (text as StoredTransport) : 'udp';
}
