/**
 * Named random secrets that must outlive the process, such as the digest server's nonce key: with
 * the same key after a restart, nonces handed out before it still verify and phones re-register
 * without a fresh challenge round.
 */
import { randomBytes } from 'node:crypto';
import { writeTransaction } from './database.js';
import type { Db } from './database.js';

const SECRET_BYTES = 32;

/**
 * The secret called `name`, created (32 random bytes) and stored on first use. The write
 * transaction makes two processes starting together agree on one value.
 */
export async function loadOrCreateSecret(db: Db, name: string): Promise<Buffer> {
  return writeTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom('secret')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst();
    if (row !== undefined) return Buffer.from(row.value, 'base64');
    const secret = randomBytes(SECRET_BYTES);
    await trx
      .insertInto('secret')
      .values({ name, value: secret.toString('base64'), created_at: Date.now() })
      .execute();
    return secret;
  });
}
