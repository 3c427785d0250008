import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { writeTransaction } from './database.js';
import type { Db } from './database.js';
import { loadedPassword, loadedPin, storedPassword, storedPin } from './credentials.js';

/**
 * Migrations are defined here rather than discovered on disk, so they run the same from src/ under
 * Vitest and from dist/ in production. Names sort in application order.
 */
const migrations: Record<string, Migration> = {
  '0001-directory': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('setting')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('extension')
        .addColumn('number', 'text', (c) => c.primaryKey())
        .addColumn('position', 'integer', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password', 'text', (c) => c.notNull())
        .addColumn('mobile', 'text')
        .addColumn('voicemail_pin', 'text')
        .addColumn('ring_timeout', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('forwarding', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('exception')
        .addColumn('extension', 'text', (c) =>
          c.notNull().references('extension.number').onDelete('cascade'),
        )
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('caller_id', 'text', (c) => c.notNull())
        .addColumn('hours', 'text', (c) => c.notNull())
        .addColumn('periods', 'text', (c) => c.notNull())
        .addColumn('statuses', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('exception_pk', ['extension', 'position'])
        .execute();
      await db.schema
        .createTable('ring_group')
        .addColumn('number', 'text', (c) => c.primaryKey())
        .addColumn('position', 'integer', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('strategy', 'text', (c) => c.notNull())
        .addColumn('timeout', 'integer', (c) => c.notNull())
        .addColumn('fallback', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ring_group_member')
        .addColumn('ring_group', 'text', (c) =>
          c.notNull().references('ring_group.number').onDelete('cascade'),
        )
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('extension', 'text', (c) =>
          c.notNull().references('extension.number').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('ring_group_member_pk', ['ring_group', 'position'])
        .addUniqueConstraint('ring_group_member_once', ['ring_group', 'extension'])
        .execute();
      await db.schema
        .createTable('trunk')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('position', 'integer', (c) => c.notNull().unique())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('username', 'text')
        .addColumn('password', 'text')
        .addColumn('number_format', 'text', (c) => c.notNull())
        .addColumn('trusted', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('trunk_inbound')
        .addColumn('trunk', 'text', (c) => c.notNull().references('trunk.name').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('did', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('trunk_inbound_pk', ['trunk', 'did'])
        .execute();
    },
  },
  '0002-registrations': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('registrations')
        .addColumn('aor', 'text', (c) => c.notNull())
        .addColumn('contact', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'integer', (c) => c.notNull())
        .addColumn('q', 'real')
        .addColumn('call_id', 'text', (c) => c.notNull())
        .addColumn('cseq', 'integer', (c) => c.notNull())
        .addColumn('instance_id', 'text')
        .addColumn('reg_id', 'integer')
        .addColumn('source_protocol', 'text', (c) => c.notNull())
        .addColumn('source_address', 'text', (c) => c.notNull())
        .addColumn('source_port', 'integer', (c) => c.notNull())
        .addColumn('user_agent', 'text')
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
      // No key on (aor, contact): RFC 5626 lets one instance register the same contact URI over two
      // flows (reg-id 1 and 2). Rows are only ever replaced per AOR.
      await db.schema.createIndex('registrations_aor').on('registrations').column('aor').execute();
      // Startup reload and the periodic purge select on expiry.
      await db.schema
        .createIndex('registrations_expires_at')
        .on('registrations')
        .column('expires_at')
        .execute();
    },
  },
  '0003-secrets': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('secret')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0004-call-history': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('call_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('started_at', 'integer', (c) => c.notNull())
        .addColumn('answered_at', 'integer')
        .addColumn('ended_at', 'integer')
        .addColumn('caller', 'text', (c) => c.notNull())
        .addColumn('caller_name', 'text')
        .addColumn('called', 'text', (c) => c.notNull())
        .addColumn('exception', 'integer')
        .addColumn('action', 'text')
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('trace', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text')
        .addColumn('answered_by', 'text')
        .addColumn('final_status', 'integer')
        .execute();
      await db.schema
        .createIndex('call_history_started')
        .on('call_history')
        .columns(['started_at', 'id'])
        .execute();
    },
  },
  '0005-voicemail': {
    async up(db: Kysely<unknown>) {
      // No foreign key to extension: an import that drops an extension must not delete the
      // messages left for it; they stay until an admin deals with them.
      await db.schema
        .createTable('voicemail_message')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('mailbox', 'text', (c) => c.notNull())
        .addColumn('caller_number', 'text')
        .addColumn('caller_name', 'text')
        .addColumn('received_at', 'integer', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .execute();
      // Listing a mailbox and counting its messages by state (MWI on every change).
      await db.schema
        .createIndex('voicemail_message_mailbox')
        .on('voicemail_message')
        .columns(['mailbox', 'state', 'received_at'])
        .execute();
      await db.schema
        .createIndex('voicemail_message_state')
        .on('voicemail_message')
        .column('state')
        .execute();
      await db.schema
        .createTable('voicemail_greeting')
        .addColumn('mailbox', 'text', (c) => c.primaryKey())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0006-hashed-credentials': {
    // Passwords and PINs stored in clear by earlier versions become their hashes (credentials.ts),
    // in place; nothing else changes. A value already in a hashed form is left as it is.
    async up(db: Kysely<unknown>) {
      const { rows } = await sql<{
        number: string;
        password: string;
        voicemail_pin: string | null;
      }>`select number, password, voicemail_pin from extension`.execute(db);
      for (const row of rows) {
        const password = storedPassword(row.number, loadedPassword(row.password));
        const pin = await storedPin(loadedPin(row.voicemail_pin));
        if (password === row.password && pin === row.voicemail_pin) continue;
        await sql`update extension set password = ${password}, voicemail_pin = ${pin}
          where number = ${row.number}`.execute(db);
      }
    },
  },
  '0007-exception-conditions': {
    async up(db: Kysely<unknown>) {
      // Validity dates as written (local to the directory's time zone) and the repeat condition.
      await db.schema.alterTable('exception').addColumn('valid_from', 'text').execute();
      await db.schema.alterTable('exception').addColumn('valid_until', 'text').execute();
      await db.schema.alterTable('exception').addColumn('repeat', 'text').execute();
      // A caller's recent calls, read on each call when some exception has a repeat condition.
      await db.schema
        .createIndex('call_history_caller')
        .on('call_history')
        .columns(['caller', 'started_at'])
        .execute();
    },
  },
  '0008-scheduled-status': {
    async up(db: Kysely<unknown>) {
      // JSON TemporaryStatus or null; JSON ScheduledStatus[].
      await db.schema.alterTable('extension').addColumn('temporary_status', 'text').execute();
      await db.schema
        .alterTable('extension')
        .addColumn('status_schedule', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  },
  '0009-call-history-source': {
    async up(db: Kysely<unknown>) {
      // Who placed the call (trunk, extension or outside SIP caller): the retention of outside
      // callers' unanswered calls (issue 14) prunes by it. Older rows stay null: never pruned.
      await db.schema.alterTable('call_history').addColumn('source', 'text').execute();
      await db.schema
        .createIndex('call_history_source')
        .on('call_history')
        .columns(['source', 'started_at'])
        .execute();
    },
  },
  '0010-session-revocations': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('session_revocation')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('issued_before', 'integer')
        .addColumn('expires_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('session_revocation_pk', ['kind', 'id'])
        .execute();
    },
  },
  '0011-voicemail-mail': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('extension').addColumn('email', 'text').execute();
      await db.schema
        .alterTable('extension')
        .addColumn('delete_after_email', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // One row per message to mail, made with the message (state `recording`) so that a crash
      // at any point leaves the mail to send. Deleting the message takes its mail along.
      await db.schema
        .createTable('voicemail_mail')
        .addColumn('message_id', 'text', (c) =>
          c.primaryKey().references('voicemail_message.id').onDelete('cascade'),
        )
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('delete_after', 'integer', (c) => c.notNull())
        .addColumn('decision', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('sent_at', 'integer')
        .execute();
      await db.schema
        .createIndex('voicemail_mail_due')
        .on('voicemail_mail')
        .columns(['state', 'next_attempt_at'])
        .execute();
    },
  },
  '0012-contacts': {
    async up(db: Kysely<unknown>) {
      // The phonebook has no owner; an extension's contacts go with it.
      await db.schema
        .createTable('contact')
        .addColumn('owner', 'text', (c) => c.references('extension.number').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('numbers', 'text', (c) => c.notNull())
        .addColumn('groups', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('contact_owner')
        .on('contact')
        .columns(['owner', 'position'])
        .execute();
    },
  },
  '0013-hold-music': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hold_music')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('added_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0014-trunk-caller-id': {
    async up(db: Kysely<unknown>) {
      // What forwards through the trunk present (null: the caller's number), and whether the
      // carrier only accepts the trunk's own numbers (issue 13 §5).
      await db.schema.alterTable('trunk').addColumn('present_caller_id', 'text').execute();
      await db.schema
        .alterTable('trunk')
        .addColumn('own_numbers_only', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0015-open-dialogs': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('open_dialog')
        .addColumn('dialog_key', 'text', (c) => c.primaryKey())
        .addColumn('snapshot', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/**
 * Brings the schema up to date. Kysely runs SQLite migrations outside any transaction, so they are
 * wrapped here in one BEGIN IMMEDIATE transaction: two processes starting at once on a new file do
 * not both try to create the tables, and a failed migration leaves nothing half-applied.
 */
export async function migrate(db: Db): Promise<void> {
  const applied = await writeTransaction(db, async (trx) => {
    // Unordered: each migration stands alone, so one that sorts before those already applied (a
    // database made before it was written) is still applied rather than refused.
    const migrator = new Migrator({
      db: trx,
      provider,
      disableTransactions: true,
      allowUnorderedMigrations: true,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      throw error instanceof Error ? error : new Error(String(error));
    }
    return results?.length ?? 0;
  });
  // What a migration replaced (passwords in clear) is zeroed in the WAL (secure_delete); copied
  // over the database file now rather than at some later checkpoint.
  if (applied > 0) await sql`pragma wal_checkpoint(truncate)`.execute(db);
}

/** Every migration, in the order applied. */
export function migrationNames(): string[] {
  return Object.keys(migrations).sort();
}
