/**
 * The queue of voicemail e-mails (issue 13 §7). A row is written with its message, when the
 * recording starts, so that neither a crash nor a relay that is down loses the mail: it is sent
 * once the message is kept (state `new` or later), tried again with a growing delay while it
 * fails, and marked sent as soon as the relay took it. A row whose message is deleted goes with
 * it (the table's foreign key): there is nothing left to attach.
 */
import type { Selectable } from 'kysely';
import type { Decision, Language } from '../domain/types.js';
import type { Db } from './database.js';
import type { VoicemailMailTable, VoicemailMessageTable } from './schema.js';

/** What the mail says about why the call ended in voicemail. */
export type MailDecision = Pick<Decision, 'to' | 'exception' | 'plan' | 'trace'>;

/** What a mailbox's owner asked for, fixed when the message is left. */
export interface MailRequest {
  recipient: string;
  language: Language;
  deleteAfter: boolean;
  decision: MailDecision | null;
}

/** pending: to send (maybe after failures); sent; failed: refused for good by the relay. */
export type MailState = 'pending' | 'sent' | 'failed';

export interface QueuedMail extends MailRequest {
  messageId: string;
  state: MailState;
  attempts: number;
  /** Epoch ms. */
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
  message: {
    mailbox: string;
    callerNumber: string | null;
    callerName: string | null;
    receivedAt: number;
    durationMs: number;
    /** recording, new or saved. */
    state: string;
    /** Relative to the data directory. */
    file: string;
  };
}

/** The row of a mail to write beside its message, in the same transaction. */
export function mailRow(messageId: string, request: MailRequest, now: number): VoicemailMailTable {
  return {
    message_id: messageId,
    recipient: request.recipient,
    language: request.language,
    delete_after: request.deleteAfter ? 1 : 0,
    decision: request.decision === null ? null : JSON.stringify(request.decision),
    state: 'pending',
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    created_at: now,
    sent_at: null,
  };
}

type Joined = Selectable<VoicemailMailTable> &
  Pick<
    Selectable<VoicemailMessageTable>,
    'mailbox' | 'caller_number' | 'caller_name' | 'received_at' | 'duration_ms' | 'file'
  > & { message_state: string };

function fromRow(row: Joined): QueuedMail {
  return {
    messageId: row.message_id,
    recipient: row.recipient,
    language: row.language === 'en' ? 'en' : 'fr',
    deleteAfter: row.delete_after !== 0,
    decision: row.decision === null ? null : (JSON.parse(row.decision) as MailDecision),
    state: row.state as MailState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    message: {
      mailbox: row.mailbox,
      callerNumber: row.caller_number,
      callerName: row.caller_name,
      receivedAt: row.received_at,
      durationMs: row.duration_ms,
      state: row.message_state,
      file: row.file,
    },
  };
}

export class VoicemailMailRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  private joined() {
    return this.db
      .selectFrom('voicemail_mail as m')
      .innerJoin('voicemail_message as v', 'v.id', 'm.message_id')
      .selectAll('m')
      .select([
        'v.mailbox',
        'v.caller_number',
        'v.caller_name',
        'v.received_at',
        'v.duration_ms',
        'v.file',
        'v.state as message_state',
      ]);
  }

  /** Mails to send now: pending, due, and their message kept (no longer being recorded). */
  async due(limit: number): Promise<QueuedMail[]> {
    const rows = await this.joined()
      .where('m.state', '=', 'pending')
      .where('m.next_attempt_at', '<=', this.clock())
      .where('v.state', 'in', ['new', 'saved'])
      .orderBy('m.next_attempt_at')
      .orderBy('m.created_at')
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  /** When the next pending mail falls due (epoch ms), or null when none waits. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom('voicemail_mail as m')
      .innerJoin('voicemail_message as v', 'v.id', 'm.message_id')
      .select((eb) => eb.fn.min<number>('m.next_attempt_at').as('at'))
      .where('m.state', '=', 'pending')
      .where('v.state', 'in', ['new', 'saved'])
      .executeTakeFirst();
    return row?.at ?? null;
  }

  async get(messageId: string): Promise<QueuedMail | undefined> {
    const row = await this.joined().where('m.message_id', '=', messageId).executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  /** Every mail not delivered yet that failed at least once, and those refused: the admin's list. */
  async failures(): Promise<QueuedMail[]> {
    const rows = await this.joined()
      .where((eb) =>
        eb.or([
          eb('m.state', '=', 'failed'),
          eb.and([eb('m.state', '=', 'pending'), eb('m.attempts', '>', 0)]),
        ]),
      )
      .orderBy('m.created_at')
      .execute();
    return rows.map(fromRow);
  }

  /** The relay took it: never sent again. */
  async markSent(messageId: string): Promise<void> {
    await this.db
      .updateTable('voicemail_mail')
      .set((eb) => ({ state: 'sent', sent_at: this.clock(), attempts: eb('attempts', '+', 1) }))
      .where('message_id', '=', messageId)
      .execute();
  }

  /** An attempt failed: tried again at `retryAt`, or never (null: refused for good). */
  async markFailed(messageId: string, error: string, retryAt: number | null): Promise<void> {
    await this.db
      .updateTable('voicemail_mail')
      .set((eb) => ({
        state: retryAt === null ? 'failed' : 'pending',
        attempts: eb('attempts', '+', 1),
        last_error: error,
        ...(retryAt === null ? {} : { next_attempt_at: retryAt }),
      }))
      .where('message_id', '=', messageId)
      .where('state', '=', 'pending')
      .execute();
  }

  /**
   * Every pending mail falls due now: at start, the relay the mails waited for may be back (it
   * is often what the restart was for), and their next try should not wait out a delay.
   */
  async allPendingDueNow(): Promise<void> {
    await this.db
      .updateTable('voicemail_mail')
      .set({ next_attempt_at: this.clock() })
      .where('state', '=', 'pending')
      .where('next_attempt_at', '>', this.clock())
      .execute();
  }

  /** An admin asks for another try now; false when there is no such mail left to send. */
  async retryNow(messageId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('voicemail_mail')
      .set({ state: 'pending', next_attempt_at: this.clock() })
      .where('message_id', '=', messageId)
      .where('state', 'in', ['pending', 'failed'])
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}
