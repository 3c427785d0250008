/**
 * Registrar bindings in the store, so that phones stay reachable across a restart without having
 * to register again (design §5, §7: state a restart must keep lives in the store). The registrar
 * keeps the working copy in memory and serialises REGISTERs per AOR; this module writes each AOR's
 * new set after every change and reloads them all at startup.
 */
import type { TransportProtocol } from '../../sip/transport/types.js';
import type { Selectable } from 'kysely';
import { readTransaction, writeTransaction } from '../../store/database.js';
import type { Db } from '../../store/database.js';
import type { RegistrationsTable } from '../../store/schema.js';
import type { Binding } from './bindings.js';

function toRow(aor: string, b: Binding): RegistrationsTable {
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

function fromRow(row: Selectable<RegistrationsTable>): Binding {
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

/** Replaces the stored bindings of `aor` with `bindings`, in one transaction. */
export async function saveBindings(
  db: Db,
  aor: string,
  bindings: readonly Binding[],
): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await trx.deleteFrom('registrations').where('aor', '=', aor).execute();
    if (bindings.length > 0) {
      await trx
        .insertInto('registrations')
        .values(bindings.map((b) => toRow(aor, b)))
        .execute();
    }
  });
}

/** The stored bindings of `aor`, expired ones included (applyRegister drops them). */
export async function loadBindings(db: Db, aor: string): Promise<Binding[]> {
  const rows = await db
    .selectFrom('registrations')
    .selectAll()
    .where('aor', '=', aor)
    .orderBy('updated_at')
    .execute();
  return rows.map(fromRow);
}

/** Every binding still active at `now` (epoch ms), for the registrar's startup. */
export async function loadAllActive(db: Db, now: number): Promise<Binding[]> {
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
function transportOf(text: string): TransportProtocol {
  return text === 'tcp' || text === 'ws' ? text : 'udp';
}
