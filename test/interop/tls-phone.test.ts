/**
 * What the PBX writes to a phone registered over TLS or secure WebSocket, read on the phone's own
 * connection (SIPp in Debian has no TLS, so these phones are ours): the REGISTER is challenged
 * and accepted over TLS, the binding remembers the transport, and an INVITE for the phone comes
 * down that connection with the PBX's Via saying TLS (or WSS) and its Contact the transport and
 * port to come back on (RFC 3261 §18.1.1, RFC 7118 §5).
 */
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { answerChallenge } from '../../src/sip/auth/digest.js';
import { StreamParser, getTopVia, parseMessage } from '../../src/sip/message/index.js';
import type { SipMessage } from '../../src/sip/message/index.js';
import { OUTSIDE_CALLERS, expectQuiet, finalStatus, sipp } from './harness.js';
import { startSecurePbx } from './tls-harness.js';
import type { SecurePbx } from './tls-harness.js';

/** A phone's end of one connection: messages in order, a bounded wait for the next. */
class SecurePhone {
  private readonly queue: SipMessage[] = [];
  private waiting: ((m: SipMessage) => void) | undefined;

  constructor(private readonly write: (text: string) => void) {}

  deliver(message: SipMessage): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    if (resolve !== undefined) resolve(message);
    else this.queue.push(message);
  }

  send(text: string): void {
    this.write(text.replace(/\n/g, '\r\n'));
  }

  next(timeoutMs = 5000): Promise<SipMessage> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SIP message from the PBX')), timeoutMs);
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }
}

function overTls(port: number, ca: string): Promise<{ phone: SecurePhone; close: () => void }> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca: [ca] });
    const phone = new SecurePhone((text) => socket.write(text));
    const parser = new StreamParser();
    socket.on('data', (chunk: Buffer) => {
      for (const event of parser.push(chunk))
        if (event.type === 'message') phone.deliver(event.message);
    });
    socket.once('secureConnect', () => resolve({ phone, close: () => socket.destroy() }));
    socket.once('error', reject);
  });
}

function overWss(port: number, ca: string): Promise<{ phone: SecurePhone; close: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`wss://127.0.0.1:${port}`, 'sip', { ca: [ca] });
    const phone = new SecurePhone((text) => socket.send(text));
    socket.on('message', (data: Buffer) => {
      const parsed = parseMessage(Buffer.from(data));
      if (parsed.ok) phone.deliver(parsed.message);
    });
    socket.once('open', () => resolve({ phone, close: () => socket.terminate() }));
    socket.once('error', reject);
  });
}

/** One Call-ID per registration: a new one starts its CSeq again (RFC 3261 §10.3 step 7). */
let registrations = 0;

function register(
  scheme: string,
  via: string,
  contact: string,
  cseq: number,
  authorization?: string,
): string {
  return [
    `REGISTER ${scheme}:127.0.0.1 SIP/2.0`,
    `Via: ${via};branch=z9hG4bKsecure${cseq};rport`,
    `From: <${scheme}:101@127.0.0.1>;tag=securephone`,
    `To: <${scheme}:101@127.0.0.1>`,
    `Call-ID: secure-register-${registrations}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <${contact}>`,
    'Max-Forwards: 70',
    'Expires: 300',
    ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

const CASES = [
  {
    name: 'TLS',
    scheme: 'sip',
    open: (t: SecurePbx) => overTls(t.tlsPort, t.certificate.cert),
    via: 'SIP/2.0/TLS 127.0.0.1:5999',
    contact: 'sip:101@127.0.0.1:5999;transport=tls',
    protocol: 'tls',
    contactOf: (t: SecurePbx) => `:${t.tlsPort};transport=tls`,
  },
  {
    // RFC 5630: a sips AOR and Contact, reachable over TLS only.
    name: 'TLS with sips URIs',
    scheme: 'sips',
    open: (t: SecurePbx) => overTls(t.tlsPort, t.certificate.cert),
    via: 'SIP/2.0/TLS 127.0.0.1:5999',
    contact: 'sips:101@127.0.0.1:5999',
    protocol: 'tls',
    contactOf: (t: SecurePbx) => `:${t.tlsPort};transport=tls`,
  },
  {
    name: 'secure WebSocket',
    scheme: 'sip',
    open: (t: SecurePbx) => overWss(t.wssPort, t.certificate.cert),
    via: 'SIP/2.0/WSS df7jal23ls0d.invalid',
    contact: 'sip:101@df7jal23ls0d.invalid;transport=ws',
    protocol: 'wss',
    contactOf: (t: SecurePbx) => `:${t.wssPort};transport=ws`,
  },
] as const;

describe.each(CASES)('a phone registered over $name', (c) => {
  let t: SecurePbx;
  beforeAll(async () => {
    t = await startSecurePbx({
      ...OUTSIDE_CALLERS,
      extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
    });
  });
  afterAll(() => t?.remove());

  /** The phone, registered with digest over its connection. */
  async function registered(): Promise<{ phone: SecurePhone; close: () => void }> {
    const opened = await c.open(t);
    const { phone } = opened;
    registrations += 1;
    phone.send(register(c.scheme, c.via, c.contact, 1));
    const challenge = await phone.next();
    expect(challenge.kind === 'response' && challenge.status).toBe(401);
    const authorization = answerChallenge(challenge.headers.getAll('WWW-Authenticate'), {
      username: '101',
      password: 'secret-of-101',
      method: 'REGISTER',
      uri: `${c.scheme}:127.0.0.1`,
    });
    phone.send(register(c.scheme, c.via, c.contact, 2, authorization ?? ''));
    const ok = await phone.next();
    expect(ok.kind === 'response' && ok.status).toBe(200);
    expect(t.pbx.registrar.contactsOf('101')[0]?.source.protocol).toBe(c.protocol);
    return opened;
  }

  it('is reached on its connection, the PBX writing its transport in Via and Contact', async () => {
    const { phone, close } = await registered();
    try {
      // A SIPp caller over UDP dials 101: the INVITE comes down this connection.
      const caller = sipp(t, 'uac.xml', ['-s', '101', '-key', 'caller', '0491000000']);
      const invite = await phone.next();
      expect(invite.kind === 'request' && invite.method).toBe('INVITE');
      const via = getTopVia(invite);
      expect(via?.transport).toBe(c.protocol.toUpperCase());
      expect(via?.port).toBe(c.protocol === 'tls' ? t.tlsPort : t.wssPort);
      expect(invite.kind === 'request' && invite.uri).toBe(c.contact);
      expect(invite.headers.get('Contact')).toContain(c.contactOf(t));
      const head = (name: string) => invite.headers.getAll(name).map((v) => `${name}: ${v}`);
      phone.send(
        [
          'SIP/2.0 486 Busy Here',
          ...head('Via'),
          ...head('From'),
          `To: ${invite.headers.get('To') ?? ''};tag=securebusy`,
          ...head('Call-ID'),
          ...head('CSeq'),
          'Content-Length: 0',
          '',
          '',
        ].join('\n'),
      );
      const ack = await phone.next();
      expect(ack.kind === 'request' && ack.method).toBe('ACK');
      // Busy: the plan goes on to the voicemail, which answers the caller.
      expect(finalStatus((await caller).messages)).toBe(200);
      await expectQuiet(t);
    } finally {
      close();
    }
  });

  it('gets its message-waiting NOTIFY on its connection', async () => {
    const { phone, close } = await registered();
    try {
      t.pbx.events.emit({ type: 'voicemail', extension: '101' });
      const notify = await phone.next();
      expect(notify.kind === 'request' && notify.method).toBe('NOTIFY');
      expect(notify.headers.get('Event')).toBe('message-summary');
      expect(getTopVia(notify)?.transport).toBe(c.protocol.toUpperCase());
      const head = (name: string) => notify.headers.getAll(name).map((v) => `${name}: ${v}`);
      phone.send(
        ['SIP/2.0 200 OK', ...head('Via'), ...head('From'), ...head('To'), ...head('Call-ID')]
          .concat(head('CSeq'), ['Content-Length: 0', '', ''])
          .join('\n'),
      );
      await expectQuiet(t);
    } finally {
      close();
    }
  });
});
