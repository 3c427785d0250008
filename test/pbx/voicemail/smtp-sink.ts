/**
 * A real SMTP server on loopback (the `smtp-server` package) that parses what it receives with
 * `mailparser`: what a mail client would see. It can require STARTTLS and AUTH, refuse a
 * recipient for good (550), and stop and listen again on the same port (a relay that was down).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SinkOptions {
  /** STARTTLS with this certificate (PEM) and key; absent: plain SMTP. */
  tls?: { cert: string; key: string };
  auth?: { username: string; password: string };
  /** Recipients refused with 550. */
  refuse?: string[];
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl for one test file. */
export function loopbackCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'renvoi-smtp-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 20_000 },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class SmtpSink {
  readonly received: ParsedMail[] = [];
  /** AUTH attempts seen: user names and whether the password matched. */
  readonly logins: { username: string; ok: boolean }[] = [];
  /** Whether each session had upgraded to TLS when it sent its mail. */
  readonly secured: boolean[] = [];
  private server: SMTPServer | null = null;
  port = 0;

  constructor(private readonly options: SinkOptions = {}) {}

  async listen(port = 0): Promise<void> {
    const { tls, auth, refuse = [] } = this.options;
    const server = new SMTPServer({
      logger: false,
      ...(tls === undefined
        ? { disabledCommands: ['STARTTLS'] }
        : { key: tls.key, cert: tls.cert }),
      authOptional: auth === undefined,
      ...(auth === undefined ? {} : { authMethods: ['PLAIN', 'LOGIN'] }),
      onAuth: (login, _session, done) => {
        const ok =
          auth !== undefined &&
          login.username === auth.username &&
          login.password === auth.password;
        this.logins.push({ username: login.username ?? '', ok });
        if (ok) done(null, { user: login.username });
        else done(new Error('Invalid username or password'));
      },
      onRcptTo: (address, _session, done) => {
        if (!refuse.includes(address.address)) {
          done();
          return;
        }
        const error = new Error('No such user here') as Error & { responseCode: number };
        error.responseCode = 550;
        done(error);
      },
      onData: (stream, session, done) => {
        simpleParser(stream).then(
          (mail) => {
            this.received.push(mail);
            this.secured.push(session.secure);
            done();
          },
          (error: Error) => done(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.port = address.port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` mails arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ParsedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`${this.received.length} mail(s) received, ${count} expected`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return this.received;
  }
}
