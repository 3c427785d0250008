/**
 * Voicemail by e-mail against a real SMTP server on loopback, a real SQLite store and the real
 * queue: what arrives is parsed as a mail reader would (mailparser).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/cli/data-dir.js';
import type { Db } from '../../../src/store/database.js';
import { loadDirectory, saveDirectory } from '../../../src/store/directory-repository.js';
import { VoicemailRepository } from '../../../src/store/voicemail-repository.js';
import { VoicemailMailRepository } from '../../../src/store/voicemail-mail-repository.js';
import type { MailRequest } from '../../../src/store/voicemail-mail-repository.js';
import { EventBus } from '../../../src/pbx/events.js';
import type { LiveEvent } from '../../../src/pbx/events.js';
import { MailQueue } from '../../../src/pbx/voicemail/mail-queue.js';
import type { MailQueueOptions } from '../../../src/pbx/voicemail/mail-queue.js';
import { PbxMetrics } from '../../../src/pbx/metrics.js';
import type { Directory } from '../../../src/domain/types.js';
import { directoryOf, tempDir } from '../../store/helpers.js';
import { SmtpSink, loopbackCertificate } from './smtp-sink.js';

const PASSWORD = 'relay-secret-4821';
const FAST_RETRY = { firstMs: 100, maxMs: 400 };

/** 1.5 s of 8 kHz 16-bit mono: a WAV a mail reader can play. */
function wav(): Buffer {
  const data = Buffer.alloc(24_000);
  for (let i = 0; i < data.length / 2; i++) {
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

function document(smtp: Record<string, unknown>): Directory {
  return directoryOf({
    timezone: 'Europe/Paris',
    extensions: [
      {
        number: '101',
        name: 'Alice Martin',
        password: 'change-me-101',
        email: 'alice@example.com',
      },
      {
        number: '102',
        name: 'Bob Smith',
        password: 'change-me-102',
        language: 'en',
        email: 'bob@example.com',
        deleteAfterEmail: true,
      },
    ],
    smtp: { host: '127.0.0.1', from: 'renvoi@example.com', ...smtp },
  });
}

describe('voicemail e-mail queue (real SMTP server, real SQLite)', () => {
  let dir: string;
  let remove: () => void;
  let db: Db;
  let voicemail: VoicemailRepository;
  let sink: SmtpSink;
  let queue: MailQueue | null;
  let logged: string;
  let events: LiveEvent[];
  let bus: EventBus;

  const log = () =>
    pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString();
          done();
        },
      }),
    );

  const startQueue = async (
    extra: Pick<MailQueueOptions, 'ca' | 'onAttempt'> = {},
  ): Promise<MailQueue> => {
    const directory = await loadDirectory(db);
    queue = await MailQueue.start({
      db,
      directory: () => directory,
      voicemail,
      events: bus,
      log: log(),
      retry: FAST_RETRY,
      timeoutMs: 2000,
      ...extra,
    });
    return queue;
  };

  /** A message as the deposit leaves it: row and mail together, audio, then kept. */
  const leaveMessage = async (mailbox: string, mail: MailRequest, caller = '+33612345678') => {
    const message = await voicemail.startMessage({
      mailbox,
      callerNumber: caller,
      callerName: caller === '+33612345678' ? 'Jean Dupont' : null,
      mail,
    });
    writeFileSync(message.path, wav());
    await voicemail.finishMessage(message.id, 1500);
    queue?.kick();
    return message;
  };

  const mailFor = (mailbox: '101' | '102'): MailRequest =>
    mailbox === '101'
      ? {
          recipient: 'alice@example.com',
          language: 'fr',
          deleteAfter: false,
          decision: {
            to: '101',
            exception: 0,
            plan: [{ do: 'voicemail', mailbox: '101' }],
            trace: [],
          },
        }
      : {
          recipient: 'bob@example.com',
          language: 'en',
          deleteAfter: true,
          decision: {
            to: '102',
            exception: null,
            plan: [{ do: 'voicemail', mailbox: '102' }],
            trace: [],
          },
        };

  beforeEach(async () => {
    ({ dir, remove } = tempDir('mail'));
    db = await openStore(dir);
    voicemail = new VoicemailRepository(db, dir);
    queue = null;
    logged = '';
    events = [];
    bus = new EventBus();
    bus.subscribe((event) => events.push(event));
  });
  afterEach(async () => {
    await queue?.close();
    await sink.close();
    await db.destroy();
    remove();
  });

  describe('over STARTTLS with a password', () => {
    let certificate: { cert: string; key: string };
    beforeAll(() => {
      certificate = loopbackCertificate();
    });

    it('sends the WAV with the caller, time, duration and why, in French; the password never shows', async () => {
      sink = new SmtpSink({ tls: certificate, auth: { username: 'pbx', password: PASSWORD } });
      await sink.listen();
      await saveDirectory(
        db,
        document({ port: sink.port, security: 'starttls', username: 'pbx', password: PASSWORD }),
      );
      await startQueue({ ca: certificate.cert });
      const message = await leaveMessage('101', mailFor('101'));

      const [mail] = await sink.waitFor(1);
      expect(sink.secured).toEqual([true]);
      expect(sink.logins).toEqual([{ username: 'pbx', ok: true }]);
      expect(mail?.to).toMatchObject({ text: 'alice@example.com' });
      expect(mail?.from?.text).toBe('renvoi@example.com');
      expect(mail?.messageId).toBe(`<${message.id}@renvoi.voicemail>`);
      expect(mail?.subject).toBe('Nouveau message vocal de Jean Dupont (06 12 34 56 78) (2 s)');
      expect(mail?.text).toContain('Bonjour Alice Martin,');
      expect(mail?.text).toContain('Message de Jean Dupont (06 12 34 56 78) : 2 s, reçu ');
      expect(mail?.text).toContain(
        'Pourquoi ce message est arrivé dans votre messagerie : Exception 1 : la messagerie vocale du 101.',
      );
      expect(mail?.attachments).toHaveLength(1);
      const [attachment] = mail?.attachments ?? [];
      expect(attachment?.contentType).toBe('audio/wav');
      expect(attachment?.filename).toMatch(/^\d{4}-\d{2}-\d{2}-\d{4}-\+33612345678\.wav$/);
      expect(Buffer.compare(attachment?.content ?? Buffer.alloc(0), wav())).toBe(0);

      // Delivered once and kept in the mailbox (the owner did not ask for it to go).
      await queue?.close();
      expect((await queue?.repository.get(message.id))?.state).toBe('sent');
      expect((await voicemail.list('101')).map((m) => m.id)).toEqual([message.id]);
      expect(logged).toContain('voicemail mail delivered');
      expect(logged).not.toContain(PASSWORD);
      // Neither the database nor its WAL holds the password in clear.
      for (const file of ['renvoi.sqlite', 'renvoi.sqlite-wal']) {
        expect(readFileSync(`${dir}/${file}`).includes(PASSWORD)).toBe(false);
      }
    });

    it('keeps the mail when the relay refuses the password, and says why', async () => {
      sink = new SmtpSink({ tls: certificate, auth: { username: 'pbx', password: 'another' } });
      await sink.listen();
      await saveDirectory(
        db,
        document({ port: sink.port, security: 'starttls', username: 'pbx', password: PASSWORD }),
      );
      await startQueue({ ca: certificate.cert });
      const message = await leaveMessage('101', mailFor('101'));
      await until(async () => (await queue?.repository.failures())?.length === 1);
      const [failure] = (await queue?.repository.failures()) ?? [];
      expect(failure?.messageId).toBe(message.id);
      expect(failure?.state).toBe('failed');
      expect(failure?.lastError).toContain('Invalid username or password');
      expect(logged).not.toContain(PASSWORD);
      expect(sink.received).toHaveLength(0);
    });
  });

  it('in English for an English speaker, and out of the mailbox once sent when asked', async () => {
    sink = new SmtpSink();
    await sink.listen();
    await saveDirectory(db, document({ port: sink.port, security: 'none' }));
    await startQueue();
    const message = await leaveMessage('102', mailFor('102'), '0442930698');
    const [mail] = await sink.waitFor(1);
    expect(mail?.subject).toBe('New voicemail from 04 42 93 06 98 (2 s)');
    expect(mail?.text).toContain('Hello Bob Smith,');
    expect(mail?.text).toContain('Why this call went to your voicemail: No exception applies');
    expect(mail?.text).toContain('It was removed from your voicemail box once sent.');
    await until(async () => (await voicemail.get(message.id)) === undefined);
    expect(events).toContainEqual({ type: 'voicemail', extension: '102' });
  });

  it('delivers once when the relay was down for a while, then up', async () => {
    sink = new SmtpSink();
    await sink.listen();
    const port = sink.port;
    await sink.close();
    await saveDirectory(db, document({ port, security: 'none' }));
    const metrics = new PbxMetrics({ defaultMetrics: false });
    await startQueue({ onAttempt: (result) => metrics.mailAttempt(result) });
    const message = await leaveMessage('101', mailFor('101'));
    // Refused connections: tried again with a growing delay, the failures in the admin's list.
    await until(async () => ((await queue?.repository.get(message.id))?.attempts ?? 0) >= 3);
    const failing = await queue?.repository.get(message.id);
    expect(failing?.state).toBe('pending');
    expect(failing?.lastError).toMatch(/ECONNREFUSED/);
    expect((await queue?.repository.failures())?.map((m) => m.messageId)).toEqual([message.id]);

    await sink.listen(port);
    await sink.waitFor(1);
    await until(async () => (await queue?.repository.get(message.id))?.state === 'sent');
    // Several more retry periods: nothing is sent twice.
    await new Promise((resolve) => setTimeout(resolve, 4 * FAST_RETRY.maxMs));
    expect(sink.received).toHaveLength(1);
    expect(await queue?.repository.failures()).toEqual([]);
    // An operator sees the same: the retries, then one mail sent, none refused.
    const { body } = await metrics.exposition();
    const count = (result: string) =>
      Number(
        new RegExp(`renvoi_voicemail_mails_total\\{result="${result}"\\} (\\d+)`).exec(body)?.[1],
      );
    expect(count('sent')).toBe(1);
    expect(count('retry')).toBeGreaterThanOrEqual(3);
    expect(count('refused')).toBe(0);
  });

  it('sends after a restart what was queued before it', async () => {
    sink = new SmtpSink();
    await sink.listen();
    const port = sink.port;
    await sink.close();
    await saveDirectory(db, document({ port, security: 'none' }));
    await startQueue();
    const message = await leaveMessage('101', mailFor('101'));
    await until(async () => ((await queue?.repository.get(message.id))?.attempts ?? 0) >= 1);
    // The process stops: queue and store closed, then opened again from the files.
    await queue?.close();
    queue = null;
    await db.destroy();
    await sink.listen(port);
    db = await openStore(dir);
    voicemail = new VoicemailRepository(db, dir);
    await startQueue();
    const [mail] = await sink.waitFor(1);
    expect(mail?.messageId).toBe(`<${message.id}@renvoi.voicemail>`);
    expect(sink.received).toHaveLength(1);
  });

  it('waits while the message is being recorded, and drops the mail with a message too short', async () => {
    sink = new SmtpSink();
    await sink.listen();
    await saveDirectory(db, document({ port: sink.port, security: 'none' }));
    await startQueue();
    const recording = await voicemail.startMessage({
      mailbox: '101',
      callerNumber: null,
      callerName: null,
      mail: mailFor('101'),
    });
    queue?.kick();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.received).toHaveLength(0);
    await voicemail.delete(recording.id);
    expect(await queue?.repository.get(recording.id)).toBeUndefined();
  });

  it('does not hold a stop while a relay stays silent; the mail stays to send', async () => {
    // A relay that takes the connection and never greets.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    sink = new SmtpSink();
    try {
      await saveDirectory(db, document({ port: address.port, security: 'none' }));
      const directory = await loadDirectory(db);
      queue = await MailQueue.start({
        db,
        directory: () => directory,
        voicemail,
        events: bus,
        log: log(),
        timeoutMs: 60_000,
      });
      const message = await leaveMessage('101', mailFor('101'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await queue.close();
      queue = null;
      expect(Date.now() - started).toBeLessThan(6_000);
      expect((await new VoicemailMailRepository(db).get(message.id))?.state).toBe('pending');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);

  it('refused for good (550): waits for an admin, whose retry sends it once fixed', async () => {
    sink = new SmtpSink({ refuse: ['alice@example.com'] });
    await sink.listen();
    await saveDirectory(db, document({ port: sink.port, security: 'none' }));
    await startQueue();
    const message = await leaveMessage('101', mailFor('101'));
    await until(async () => (await queue?.repository.get(message.id))?.state === 'failed');
    const failed = await queue?.repository.get(message.id);
    expect(failed?.attempts).toBe(1);
    expect(failed?.lastError).toContain('No such user here');
    // The recipient is fixed on the relay's side; the admin asks for another try.
    const port = sink.port;
    await sink.close();
    sink = new SmtpSink();
    await sink.listen(port);
    expect(await queue?.repository.retryNow(message.id)).toBe(true);
    queue?.kick();
    await sink.waitFor(1);
  });
});

/** Polls `check` every 25 ms for up to 10 s. */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
