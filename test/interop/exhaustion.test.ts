/**
 * TCP and WebSocket exhaustion against a running PBX with its default limits (issue 14, point 4):
 * 2,000 TCP connections and 500 WebSocket handshakes that never finish a message, from 20
 * addresses, while a phone registers over TCP (SIPp) and another over a WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { answerChallenge } from '../../src/sip/auth/digest.js';
import { parseMessage } from '../../src/sip/message/index.js';
import type { SipMessage } from '../../src/sip/message/index.js';
import { openMany } from '../sip/transport/net-fixtures.js';
import type { SlowConnection } from '../sip/transport/net-fixtures.js';
import { sipp, startCallPbx } from './harness.js';
import type { TestPbx } from './harness.js';

const ADDRESSES = Array.from({ length: 20 }, (_, i) => `127.0.0.${100 + i}`);

function wsRegister(cseq: number, authorization?: string): string {
  return [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/WS siege.invalid;branch=z9hG4bKsiege${cseq};rport`,
    'From: <sip:102@127.0.0.1>;tag=siege',
    'To: <sip:102@127.0.0.1>',
    'Call-ID: ws-under-siege',
    `CSeq: ${cseq} REGISTER`,
    'Contact: <sip:102@siege.invalid;transport=ws>',
    'Max-Forwards: 70',
    'Expires: 300',
    ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A WebSocket phone registering as 102 with digest: the final status. */
async function registerOverWs(port: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, 'sip');
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const next = () =>
      new Promise<SipMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer on the WebSocket')), 5000);
        ws.once('message', (data: Buffer) => {
          clearTimeout(timer);
          const parsed = parseMessage(Buffer.from(data));
          if (parsed.ok) resolve(parsed.message);
          else reject(new Error('unreadable answer'));
        });
      });
    ws.send(wsRegister(1));
    const challenge = await next();
    if (challenge.kind !== 'response' || challenge.status !== 401) return 0;
    const authorization = answerChallenge(challenge.headers.getAll('WWW-Authenticate'), {
      username: '102',
      password: 'secret-of-102',
      method: 'REGISTER',
      uri: 'sip:127.0.0.1',
    });
    ws.send(wsRegister(2, authorization ?? ''));
    const final = await next();
    return final.kind === 'response' ? final.status : 0;
  } finally {
    ws.terminate();
  }
}

describe('2,500 slow connections do not lock phones out', () => {
  let t: TestPbx;
  const slow: SlowConnection[] = [];
  beforeAll(async () => {
    t = await startCallPbx({
      extensions: [
        { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
        { number: '102', name: 'Bob Durand', password: 'secret-of-102' },
      ],
    });
  });
  afterAll(async () => {
    for (const s of slow) s.socket.destroy();
    await t.remove();
  });

  it(
    'holds at most 64 per address and 960 in all; phones register over TCP and WebSocket meanwhile',
    { timeout: 60_000 },
    async () => {
      const stack = t.pbx.stack;
      await openMany(t.port, ADDRESSES, 100, 'REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2', slow);
      await openMany(t.pbx.port('ws') ?? 0, ADDRESSES, 25, 'GET / HTTP/1.1\r\nHost: x\r\n', slow);
      expect(slow).toHaveLength(2500);
      const held = stack.connectionHoldings();
      for (const a of ADDRESSES)
        expect(stack.connectionHoldings(a).inbound).toBeLessThanOrEqual(64);
      expect(held.inbound).toBeLessThanOrEqual(960);

      const tcp = await sipp(t, 'register.xml', [
        '-t',
        't1',
        '-s',
        '101',
        '-au',
        '101',
        '-ap',
        'secret-of-101',
      ]);
      expect(tcp.code, tcp.stdout + tcp.stderr).toBe(0);
      expect(t.pbx.registrar.contactsOf('101')[0]?.source.protocol).toBe('tcp');
      expect(await registerOverWs(t.pbx.port('ws') ?? 0)).toBe(200);
      expect(t.pbx.registrar.contactsOf('102')[0]?.source.protocol).toBe('ws');
    },
  );
});
