import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { answerChallenge } from '../../src/sip/auth/digest.js';
import { parseMessage } from '../../src/sip/message/index.js';
import type { SipMessage } from '../../src/sip/message/index.js';
import { listCalls } from '../../src/store/call-history-repository.js';
import { OUTSIDE_CALLERS, expectQuiet, finalStatus, sipp, startCallPbx } from './harness.js';
import type { TestPbx } from './harness.js';

/**
 * A browser phone as RFC 7118 describes it: SIP over a WebSocket with the "sip" subprotocol, a
 * Via of transport WS and an unresolvable host, reachable only through its connection. SIPp has
 * no WebSocket, so this client is ours.
 */
class BrowserPhone {
  private readonly queue: SipMessage[] = [];
  private waiting: ((m: SipMessage) => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const parsed = parseMessage(Buffer.from(data));
      if (!parsed.ok) return;
      if (this.waiting !== undefined) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(parsed.message);
      } else this.queue.push(parsed.message);
    });
  }

  static open(port: number): Promise<BrowserPhone> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`, 'sip');
      socket.once('open', () => resolve(new BrowserPhone(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.send(text.replace(/\n/g, '\r\n'));
  }

  next(timeoutMs = 3000): Promise<SipMessage> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('no SIP message on the WebSocket')),
        timeoutMs,
      );
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  close(): void {
    this.socket.close();
  }
}

function register(cseq: number, authorization?: string): string {
  return [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws${cseq};rport`,
    'From: <sip:101@127.0.0.1>;tag=wsphone',
    'To: <sip:101@127.0.0.1>',
    'Call-ID: ws-register-1',
    `CSeq: ${cseq} REGISTER`,
    'Contact: <sip:101@df7jal23ls0d.invalid;transport=ws>',
    'Max-Forwards: 70',
    'Expires: 300',
    ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

describe('SIP over WebSocket (RFC 7118)', () => {
  let t: TestPbx;
  beforeAll(async () => {
    t = await startCallPbx({
      ...OUTSIDE_CALLERS,
      extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
    });
  });
  afterAll(async () => {
    await t.remove();
  });

  it('registers a browser phone with digest, and reaches it on its connection', async () => {
    const phone = await BrowserPhone.open(t.pbx.port('ws') ?? 0);
    try {
      phone.send(register(1));
      const challenge = await phone.next();
      expect(challenge.kind === 'response' && challenge.status).toBe(401);
      const authorization = answerChallenge(challenge.headers.getAll('WWW-Authenticate'), {
        username: '101',
        password: 'secret-of-101',
        method: 'REGISTER',
        uri: 'sip:127.0.0.1',
      });
      expect(authorization).toContain('algorithm=MD5');
      phone.send(register(2, authorization ?? ''));
      const ok = await phone.next();
      expect(ok.kind === 'response' && ok.status).toBe(200);
      expect(t.pbx.registrar.contactsOf('101')[0]?.source.protocol).toBe('ws');

      // A SIPp caller dials 101: the INVITE must come down this WebSocket.
      const caller = sipp(t, 'uac.xml', ['-s', '101', '-key', 'caller', '0491000000']);
      const invite = await phone.next();
      expect(invite.kind === 'request' && invite.method).toBe('INVITE');
      const head = (name: string) => invite.headers.getAll(name).map((v) => `${name}: ${v}`);
      phone.send(
        [
          'SIP/2.0 486 Busy Here',
          ...head('Via'),
          ...head('From'),
          `To: ${invite.headers.get('To') ?? ''};tag=wsbusy`,
          ...head('Call-ID'),
          ...head('CSeq'),
          'Content-Length: 0',
          '',
          '',
        ].join('\n'),
      );
      const ack = await phone.next();
      expect(ack.kind === 'request' && ack.method).toBe('ACK');
      const result = await caller;
      // 101's plan is [ring 101, voicemail 101]: the busy phone passes the call to the voicemail
      // step, which answers it.
      expect(finalStatus(result.messages)).toBe(200);
      const [call] = await listCalls(t.db, { limit: 1 });
      expect(call?.plan).toEqual([
        { do: 'ring', extensions: ['101'], timeout: 20 },
        { do: 'voicemail', mailbox: '101' },
      ]);
      await expectQuiet(t);
    } finally {
      phone.close();
    }
  });
});
