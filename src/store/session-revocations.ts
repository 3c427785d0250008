/**
 * Web sessions ended before their time (api/session.ts): a logout names one cookie, an admin's
 * revocation every session of an extension opened until then. Kept in the database so that a
 * restart does not bring a logged-out cookie back; a row is deleted once every cookie it can
 * refuse has expired anyway.
 */
import type { Db } from './database.js';

export interface Revocations {
  /** Cookie signature → when that cookie expires. */
  sessions: Map<string, number>;
  /** Extension → sessions issued at or before this time (epoch ms) are refused. */
  issuedBefore: Map<string, number>;
}

/** What is still in force at `now`; expired rows are deleted on the way. */
export async function loadRevocations(db: Db, now: number): Promise<Revocations> {
  await db.deleteFrom('session_revocation').where('expires_at', '<=', now).execute();
  const rows = await db.selectFrom('session_revocation').selectAll().execute();
  const revocations: Revocations = { sessions: new Map(), issuedBefore: new Map() };
  for (const row of rows) {
    if (row.kind === 'session') revocations.sessions.set(row.id, row.expires_at);
    else revocations.issuedBefore.set(row.id, row.issued_before ?? 0);
  }
  return revocations;
}

/** A logout: the cookie named `id` is refused until `expiresAt`. */
export async function revokeSession(db: Db, id: string, expiresAt: number): Promise<void> {
  await db
    .insertInto('session_revocation')
    .values({ kind: 'session', id, issued_before: null, expires_at: expiresAt })
    .onConflict((c) => c.columns(['kind', 'id']).doNothing())
    .execute();
}

/**
 * Every session of `extension` issued at or before `issuedBefore` is refused; the row lasts until
 * `expiresAt`, when the last of them would have expired.
 */
export async function revokeSessionsOf(
  db: Db,
  extension: string,
  issuedBefore: number,
  expiresAt: number,
): Promise<void> {
  await db
    .insertInto('session_revocation')
    .values({
      kind: 'extension',
      id: extension,
      issued_before: issuedBefore,
      expires_at: expiresAt,
    })
    .onConflict((c) =>
      c.columns(['kind', 'id']).doUpdateSet({ issued_before: issuedBefore, expires_at: expiresAt }),
    )
    .execute();
}
