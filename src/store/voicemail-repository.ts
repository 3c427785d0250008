/**
 * Voicemail messages and greetings: metadata in the store, audio in WAV files under the data
 * directory (`voicemail/<mailbox>/<id>.wav`, `voicemail/<mailbox>/greeting.wav`).
 *
 * A message exists from the moment its recording starts (state `recording`), so that a PBX killed
 * mid-message finds it at the next start: `recoverInterruptedRecordings` repairs the WAV header the
 * recorder could not finish and makes it a new message. Finishing the recording makes it `new`;
 * listening or saving it makes it `saved` (counted as old by message-waiting).
 */
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  closeSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { VoicemailMessageTable } from './schema.js';
import { writeTransaction } from './database.js';
import { mailRow } from './voicemail-mail-repository.js';
import type { MailRequest } from './voicemail-mail-repository.js';

export type MessageState = 'recording' | 'new' | 'saved';

export interface VoicemailMessage {
  id: string;
  mailbox: string;
  callerNumber: string | null;
  callerName: string | null;
  /** Epoch ms. */
  receivedAt: number;
  durationMs: number;
  state: MessageState;
  /** Relative to the data directory. */
  file: string;
  /** The WAV file's absolute path. */
  path: string;
}

export interface MessageCounts {
  /** Not listened to yet. */
  newCount: number;
  /** Listened to or saved. */
  oldCount: number;
}

/**
 * Makes a WAV file left by a killed recorder readable (its RIFF and data sizes written from the
 * file's length): media/wav.ts `repairWav`, passed in because the store sits below media. What it
 * returns is not used; it throws when the file cannot be repaired.
 */
export type WavRepair = (path: string) => Promise<unknown>;

/** What `recoverInterruptedRecordings` did. */
export interface RecoveryReport {
  /** Mailboxes whose messages changed, for message-waiting. */
  mailboxes: string[];
  /** Recordings whose repair failed: left as they are, for an admin to look at. */
  failed: { id: string; path: string; error: unknown }[];
}

export class VoicemailError extends Error {
  override readonly name = 'VoicemailError';
}

/** Mailboxes name folders: extension numbers only, never a path. */
function checkMailbox(mailbox: string): void {
  if (!/^[0-9A-Za-z_-]{1,32}$/.test(mailbox)) {
    throw new VoicemailError(`"${mailbox}" is not a mailbox (an extension number is expected)`);
  }
}

function stateOf(value: string): MessageState {
  if (value === 'recording' || value === 'new' || value === 'saved') return value;
  throw new VoicemailError(`voicemail message in an unknown state "${value}"`);
}

export class VoicemailRepository {
  constructor(
    private readonly db: Db,
    /** The data directory: files are stored under it and named relative to it. */
    readonly dataDir: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Absolute path of a file named relative to the data directory. */
  pathOf(file: string): string {
    return join(this.dataDir, file);
  }

  /**
   * A message whose recording starts now: its row (state `recording`) and its folder exist before
   * the first byte of audio, so a crash at any point leaves something recoverable.
   */
  async startMessage(input: {
    mailbox: string;
    callerNumber: string | null;
    callerName: string | null;
    /** The e-mail to send once the message is kept (with it, in one transaction), or none. */
    mail?: MailRequest | null;
  }): Promise<VoicemailMessage> {
    checkMailbox(input.mailbox);
    const id = randomUUID();
    const file = join('voicemail', input.mailbox, `${id}.wav`);
    mkdirSync(join(this.dataDir, 'voicemail', input.mailbox), { recursive: true });
    const row: VoicemailMessageTable = {
      id,
      mailbox: input.mailbox,
      caller_number: input.callerNumber,
      caller_name: input.callerName,
      received_at: this.clock(),
      duration_ms: 0,
      state: 'recording',
      file,
    };
    const { mail } = input;
    if (mail === undefined || mail === null) {
      await this.db.insertInto('voicemail_message').values(row).execute();
    } else {
      await writeTransaction(this.db, async (trx) => {
        await trx.insertInto('voicemail_message').values(row).execute();
        await trx
          .insertInto('voicemail_mail')
          .values(mailRow(id, mail, row.received_at))
          .execute();
      });
    }
    return this.fromRow(row);
  }

  /** The recording ended and is kept: the message becomes new. */
  async finishMessage(id: string, durationMs: number): Promise<VoicemailMessage> {
    if (!Number.isSafeInteger(durationMs) || durationMs < 0) {
      throw new VoicemailError(`a message cannot last ${durationMs} ms`);
    }
    const result = await this.db
      .updateTable('voicemail_message')
      .set({ state: 'new', duration_ms: durationMs })
      .where('id', '=', id)
      .where('state', '=', 'recording')
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) {
      throw new VoicemailError(`no message ${id} is being recorded`);
    }
    return this.require(id);
  }

  async get(id: string): Promise<VoicemailMessage | undefined> {
    const row = await this.db
      .selectFrom('voicemail_message')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : this.fromRow(row);
  }

  /** The messages one can listen to: new ones first, then saved ones, each oldest first. */
  async list(mailbox: string): Promise<VoicemailMessage[]> {
    const rows = await this.db
      .selectFrom('voicemail_message')
      .selectAll()
      .where('mailbox', '=', mailbox)
      .where('state', 'in', ['new', 'saved'])
      .orderBy((eb) => eb.case().when('state', '=', 'new').then(0).else(1).end())
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => this.fromRow(row));
  }

  /** Listened to, or kept on purpose: no longer new. */
  async markSaved(id: string): Promise<void> {
    const result = await this.db
      .updateTable('voicemail_message')
      .set({ state: 'saved' })
      .where('id', '=', id)
      .where('state', 'in', ['new', 'saved'])
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) throw new VoicemailError(`no message ${id} to save`);
  }

  /** Removes a message and its file; also how a recording too short to keep is dropped. */
  async delete(id: string): Promise<VoicemailMessage> {
    const message = await this.require(id);
    await this.db.deleteFrom('voicemail_message').where('id', '=', id).execute();
    rmSync(message.path, { force: true });
    return message;
  }

  async counts(mailbox: string): Promise<MessageCounts> {
    const rows = await this.db
      .selectFrom('voicemail_message')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('mailbox', '=', mailbox)
      .where('state', 'in', ['new', 'saved'])
      .groupBy('state')
      .execute();
    const count = (state: MessageState) => Number(rows.find((r) => r.state === state)?.n ?? 0);
    return { newCount: count('new'), oldCount: count('saved') };
  }

  /** The mailbox's own greeting file (absolute), or null for the default greeting. */
  async greeting(mailbox: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('voicemail_greeting')
      .select('file')
      .where('mailbox', '=', mailbox)
      .executeTakeFirst();
    if (row === undefined) return null;
    const path = this.pathOf(row.file);
    // A greeting whose file an admin removed falls back to the default one.
    return existsSync(path) ? path : null;
  }

  /**
   * Where a new greeting is recorded, beside the current one: the current greeting stays in use
   * until `commitGreeting` replaces it, so an abandoned recording changes nothing.
   */
  greetingRecordingPath(mailbox: string): string {
    checkMailbox(mailbox);
    mkdirSync(join(this.dataDir, 'voicemail', mailbox), { recursive: true });
    return this.pathOf(join('voicemail', mailbox, 'greeting.recording.wav'));
  }

  /** The greeting just recorded becomes the mailbox's greeting. */
  async commitGreeting(mailbox: string): Promise<string> {
    const recorded = this.greetingRecordingPath(mailbox);
    if (!existsSync(recorded)) throw new VoicemailError(`no greeting recorded for ${mailbox}`);
    const file = join('voicemail', mailbox, 'greeting.wav');
    renameSync(recorded, this.pathOf(file));
    await this.db
      .insertInto('voicemail_greeting')
      .values({ mailbox, file, updated_at: this.clock() })
      .onConflict((oc) => oc.column('mailbox').doUpdateSet({ file, updated_at: this.clock() }))
      .execute();
    return this.pathOf(file);
  }

  /** Drops a greeting recording that was not confirmed. */
  discardGreetingRecording(mailbox: string): void {
    rmSync(this.greetingRecordingPath(mailbox), { force: true });
  }

  /** Back to the default greeting. */
  async deleteGreeting(mailbox: string): Promise<void> {
    const row = await this.db
      .deleteFrom('voicemail_greeting')
      .where('mailbox', '=', mailbox)
      .returning('file')
      .executeTakeFirst();
    if (row !== undefined) rmSync(this.pathOf(row.file), { force: true });
  }

  /**
   * Run at start, before any call: every message still `recording` was cut by a crash. Its WAV is
   * repaired and it becomes new, its duration computed from the file's size. One without a file,
   * with no audio chunk, or shorter than `minDurationMs`, is deleted. One whose repair throws (a
   * disk error, a file that is not WAV) is left untouched and reported: its audio may still be
   * worth something to an admin.
   */
  async recoverInterruptedRecordings(
    repair: WavRepair,
    options: { minDurationMs?: number } = {},
  ): Promise<RecoveryReport> {
    const rows = await this.db
      .selectFrom('voicemail_message')
      .selectAll()
      .where('state', '=', 'recording')
      .execute();
    const changed = new Set<string>();
    const failed: RecoveryReport['failed'] = [];
    for (const row of rows) {
      const message = this.fromRow(row);
      let durationMs: number | null = null;
      if (existsSync(message.path)) {
        try {
          await repair(message.path);
        } catch (error) {
          failed.push({ id: message.id, path: message.path, error });
          continue;
        }
        durationMs = wavDurationMs(message.path);
      }
      if (durationMs === null || durationMs < (options.minDurationMs ?? 0)) {
        await this.delete(message.id);
      } else {
        await this.db
          .updateTable('voicemail_message')
          .set({ state: 'new', duration_ms: durationMs })
          .where('id', '=', message.id)
          .execute();
      }
      changed.add(message.mailbox);
    }
    return { mailboxes: [...changed].sort(), failed };
  }

  private async require(id: string): Promise<VoicemailMessage> {
    const message = await this.get(id);
    if (message === undefined) throw new VoicemailError(`no voicemail message ${id}`);
    return message;
  }

  private fromRow(row: Selectable<VoicemailMessageTable>): VoicemailMessage {
    return {
      id: row.id,
      mailbox: row.mailbox,
      callerNumber: row.caller_number,
      callerName: row.caller_name,
      receivedAt: row.received_at,
      durationMs: row.duration_ms,
      state: stateOf(row.state),
      file: row.file,
      path: this.pathOf(row.file),
    };
  }
}

/**
 * The audio length of a WAV file from its size: the bytes after the data chunk's header, over the
 * fmt chunk's byte rate. The data chunk's own size field is not trusted, since a killed recorder
 * may not have written it. Null when the file is not a WAV with both chunks.
 */
export function wavDurationMs(path: string): number | null {
  const size = statSync(path).size;
  const head = Buffer.alloc(Math.min(size, 4096));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF') return null;
  if (head.toString('ascii', 8, 12) !== 'WAVE') return null;
  let byteRate = 0;
  // RIFF chunks: a 4-byte id, a 4-byte little-endian size, the body padded to an even length.
  for (let at = 12; at + 8 <= head.length;) {
    const id = head.toString('ascii', at, at + 4);
    const chunkSize = head.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= head.length) byteRate = head.readUInt32LE(at + 16);
    if (id === 'data') {
      if (byteRate === 0) return null;
      return Math.floor(((size - (at + 8)) * 1000) / byteRate);
    }
    at += 8 + chunkSize + (chunkSize % 2);
  }
  return null;
}
