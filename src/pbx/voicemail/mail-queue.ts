/**
 * Sends the voicemail e-mails the store queues (store/voicemail-mail-repository.ts) through the
 * directory's SMTP relay, with nodemailer. One pass at a time, one mail at a time: a PBX leaves
 * few messages, and a relay that is down fails them all alike. A mail that fails is tried again
 * after a delay that doubles up to a ceiling, for as long as it takes; one the relay refuses for
 * good (a 5xx reply, RFC 5321 §4.2.1) waits for an admin, who sees why in the admin page.
 *
 * Each mail is marked sent as soon as the relay accepted it, and carries a Message-ID made from
 * its message's id (RFC 5322 §3.6.4): the one window where it could go twice (a PBX killed
 * between the relay's 250 and that write) gives a copy any mail reader recognises.
 */
import { existsSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Directory, SmtpSettings } from '../../domain/types.js';
import type { Db } from '../../store/database.js';
import { SMTP_PASSWORD, openSealed, sealingKey } from '../../store/sealed-secret.js';
import { VoicemailMailRepository } from '../../store/voicemail-mail-repository.js';
import type { QueuedMail } from '../../store/voicemail-mail-repository.js';
import type { VoicemailRepository } from '../../store/voicemail-repository.js';
import type { EventBus } from '../events.js';
import { composeMail } from './voicemail-mail.js';
import type { MailResult } from '../metrics.js';

/** Mails sent per pass before the queue looks again (a pass never runs unbounded). */
const BATCH = 20;
/** Even with nothing due, the queue looks again this often (a message kept by a restart). */
const IDLE_LOOK_MS = 60_000;

export interface MailRetry {
  /** Delay after the first failure, doubled after each next one. */
  firstMs: number;
  maxMs: number;
}

const DEFAULT_RETRY: MailRetry = { firstMs: 30_000, maxMs: 3_600_000 };
/** How long a stop waits for a mail being sent. */
const CLOSE_WAIT_MS = 5_000;
/** Each SMTP step's deadline: connection, greeting, and silence on the socket. */
const DEFAULT_TIMEOUT_MS = 30_000;

export interface MailQueueOptions {
  db: Db;
  directory: () => Directory;
  voicemail: VoicemailRepository;
  events: EventBus;
  log: Logger;
  clock?: () => number;
  retry?: MailRetry;
  timeoutMs?: number;
  /** Certificates the relay's TLS certificate may chain to besides the system's (tests). */
  ca?: string;
  /** Told of every attempt (the PBX's metrics). */
  onAttempt?: (result: MailResult) => void;
}

/** Errors stored as a catalog code (mail.error.*) are said in the admin's language. */
class MailError extends Error {
  constructor(
    readonly code: string,
    /** Whether trying again later may work. */
    readonly transient: boolean,
  ) {
    super(code);
  }
}

function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export class MailQueue {
  readonly repository: VoicemailMailRepository;
  private readonly clock: () => number;
  private readonly retry: MailRetry;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | null = null;
  private again = false;
  private closed = false;

  private constructor(
    private readonly options: MailQueueOptions,
    private readonly key: Buffer,
  ) {
    this.clock = options.clock ?? Date.now;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.repository = new VoicemailMailRepository(options.db, this.clock);
  }

  /** The queue, already sending what a previous run left. */
  static async start(options: MailQueueOptions): Promise<MailQueue> {
    const queue = new MailQueue(options, await sealingKey(options.db));
    await queue.repository.allPendingDueNow();
    queue.kick();
    return queue;
  }

  /** Look for due mails now (a message was kept, an admin asked for a retry). */
  kick(): void {
    if (this.closed) return;
    if (this.pass !== null) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.pass = this.run()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'voicemail mail queue'))
      .finally(() => {
        this.pass = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          void this.schedule();
        }
      });
  }

  /**
   * Stops looking; resolves once a mail being sent is done with, or after `CLOSE_WAIT_MS`: a
   * relay that went silent must not hold a stopping PBX for its timeouts. A mail cut off so is
   * still pending and goes at the next start.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.pass === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.pass,
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async schedule(): Promise<void> {
    if (this.closed) return;
    const next = await this.repository.nextDueAt();
    if (this.closed) return;
    const wait = next === null ? IDLE_LOOK_MS : Math.min(IDLE_LOOK_MS, next - this.clock());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), Math.max(0, wait));
  }

  private async run(): Promise<void> {
    const due = await this.repository.due(BATCH);
    for (const mail of due) {
      if (this.closed) return;
      await this.send(mail);
    }
    if (due.length === BATCH) this.again = true;
  }

  private async send(mail: QueuedMail): Promise<void> {
    const { log } = this.options;
    const id = mail.messageId;
    try {
      await this.deliver(mail);
    } catch (error) {
      const known = error instanceof MailError;
      const permanent = known ? !error.transient : isPermanent(error);
      const text = known ? error.code : (error as Error).message;
      const delay = Math.min(this.retry.maxMs, this.retry.firstMs * 2 ** mail.attempts);
      await this.repository.markFailed(id, text, permanent ? null : this.clock() + delay);
      this.options.onAttempt?.(permanent ? 'refused' : 'retry');
      log.warn(
        { message: id, attempts: mail.attempts + 1, error: text, permanent },
        'voicemail mail not delivered',
      );
      return;
    }
    await this.repository.markSent(id);
    this.options.onAttempt?.('sent');
    log.info({ message: id, mailbox: mail.message.mailbox }, 'voicemail mail delivered');
    if (mail.deleteAfter) {
      await this.options.voicemail.delete(id);
      this.options.events.emit({ type: 'voicemail', extension: mail.message.mailbox });
    }
  }

  private async deliver(mail: QueuedMail): Promise<void> {
    const directory = this.options.directory();
    const smtp = directory.settings.smtp;
    if (smtp === null) throw new MailError('mail.error.no-smtp', true);
    const path = this.options.voicemail.pathOf(mail.message.file);
    if (!existsSync(path)) throw new MailError('mail.error.file', false);
    const composed = composeMail(mail, directory);
    const transport = nodemailer.createTransport(this.transportOptions(smtp));
    try {
      await transport.sendMail({
        from: smtp.from,
        to: mail.recipient,
        subject: composed.subject,
        text: composed.text,
        messageId: `<${mail.messageId}@renvoi.voicemail>`,
        attachments: [{ filename: composed.fileName, path, contentType: 'audio/wav' }],
      });
    } finally {
      transport.close();
    }
  }

  private transportOptions(smtp: SmtpSettings) {
    const timeout = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let pass: string | undefined;
    if (smtp.password !== null) {
      try {
        pass =
          'plain' in smtp.password
            ? smtp.password.plain
            : openSealed(this.key, SMTP_PASSWORD, smtp.password.sealed);
      } catch {
        throw new MailError('mail.error.sealed', true);
      }
    }
    return {
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === 'tls',
      requireTLS: smtp.security === 'starttls',
      ignoreTLS: smtp.security === 'none',
      ...(smtp.username === null ? {} : { auth: { user: smtp.username, pass } }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      ...(this.options.ca === undefined ? {} : { tls: { ca: this.options.ca } }),
    };
  }
}
