import { afterEach, describe, expect, it } from 'vitest';
import { getTopVia, parseMessage } from '../../../src/sip/message/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import type { SipStack } from '../../../src/sip/stack.js';
import { RawTcp, RawUdp, delay, prng, requestBytes, startStack, waitFor } from './net-fixtures.js';
import type { TestStack } from './net-fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stackUnderTest(...args: Parameters<typeof startStack>): Promise<TestStack> {
  const t = await startStack(...args);
  cleanups.push(() => t.stack.close());
  return t;
}

async function udpClient(): Promise<RawUdp> {
  const c = await RawUdp.open();
  cleanups.push(() => c.close());
  return c;
}

async function tcpClient(port: number): Promise<RawTcp> {
  const c = await RawTcp.open(port);
  cleanups.push(() => c.close());
  return c;
}

function portOf(stack: SipStack, protocol: 'udp' | 'tcp' | 'ws'): number {
  const p = stack.port(protocol);
  if (p === undefined) throw new Error(`no ${protocol} listener`);
  return p;
}

describe('UDP transport', () => {
  it('fills received and rport (RFC 3261 §18.2.1, RFC 3581) and answers to the source port', async () => {
    const { stack, received } = await stackUnderTest();
    const client = await udpClient();
    await client.send(
      requestBytes({ sentBy: '192.0.2.1:5099', rport: true }),
      portOf(stack, 'udp'),
    );
    const res = await client.inbox.next();
    expect(res.kind === 'response' && res.status).toBe(200);
    const via = getTopVia(res);
    expect(via?.received).toBe('127.0.0.1');
    expect(via?.rport).toBe(client.port);
    const req = received[0];
    expect(req && getTopVia(req)?.params.get('received')).toBe('127.0.0.1');
  });

  it('adds no received when the sent-by is the source and there is no rport', async () => {
    const { stack, received } = await stackUnderTest();
    const client = await udpClient();
    await client.send(requestBytes({ sentBy: `127.0.0.1:${client.port}` }), portOf(stack, 'udp'));
    const res = await client.inbox.next();
    expect(getTopVia(res)?.received).toBeUndefined();
    expect(received[0]?.headers.get('Via')).not.toContain('received');
  });

  it('answers a request that fails validation with 400 and the reason, without the TU', async () => {
    const { stack, received } = await stackUnderTest();
    const client = await udpClient();
    const sentBy = `127.0.0.1:${client.port}`;
    await client.send(requestBytes({ sentBy, omit: ['Max-Forwards'] }), portOf(stack, 'udp'));
    const res = await client.inbox.next();
    expect(res.kind === 'response' && [res.status, res.reason]).toEqual([
      400,
      'Missing Max-Forwards Header',
    ]);
    expect(res.headers.get('To')).toMatch(/;tag=/);
    const garbled = Buffer.from(
      requestBytes({ sentBy }).toString().replace('Max-Forwards: 70', 'Max-Forwards 70'),
    );
    await client.send(garbled, portOf(stack, 'udp'));
    const res2 = await client.inbox.next();
    expect(res2.kind === 'response' && [res2.status, res2.reason]).toEqual([
      400,
      'Malformed header line',
    ]);
    expect(received).toEqual([]);
  });

  it('drops a malformed request whose Via cannot be read, and malformed responses', async () => {
    const { stack, received } = await stackUnderTest();
    const client = await udpClient();
    await client.send(
      requestBytes({ sentBy: 'bad host:x', omit: ['Max-Forwards'] }),
      portOf(stack, 'udp'),
    );
    await client.send('SIP/2.0 200 OK\r\nVia: x\r\n\r\n', portOf(stack, 'udp'));
    await delay(100);
    expect(client.inbox.messages).toEqual([]);
    expect(received).toEqual([]);
  });
});

describe('TCP transport', () => {
  it('frames by Content-Length across split chunks and several messages per chunk', async () => {
    const { stack, received } = await stackUnderTest();
    const client = await tcpClient(portOf(stack, 'tcp'));
    const sentBy = `127.0.0.1:${client.localPort}`;
    const a = requestBytes({
      transport: 'TCP',
      sentBy,
      method: 'MESSAGE',
      body: 'hello\r\n\r\nworld',
    });
    const b = requestBytes({ transport: 'TCP', sentBy, method: 'MESSAGE', body: 'second' });
    const c = requestBytes({ transport: 'TCP', sentBy });
    const d = requestBytes({ transport: 'TCP', sentBy });
    const all = Buffer.concat([a, b]);
    const rnd = prng(7);
    for (let i = 0; i < all.length;) {
      const n = 1 + Math.floor(rnd() * 40);
      await client.write(all.subarray(i, i + n));
      i += n;
    }
    await client.write(Buffer.concat([c, d]));
    await waitFor(() => client.inbox.messages.length === 4);
    expect(received.map((m) => (m as SipRequest).method)).toEqual([
      'MESSAGE',
      'MESSAGE',
      'OPTIONS',
      'OPTIONS',
    ]);
    expect(received.map((m) => m.body.toString())).toEqual([
      'hello\r\n\r\nworld',
      'second',
      '',
      '',
    ]);
    expect(stack.stats().connections).toBe(1);
  });

  it('answers a CRLFCRLF keep-alive with CRLF (RFC 5626 §3.5.1)', async () => {
    const { stack } = await stackUnderTest();
    const client = await tcpClient(portOf(stack, 'tcp'));
    await client.write('\r\n\r\n');
    await waitFor(() => Buffer.concat(client.raw).toString() === '\r\n');
  });

  it('reuses the connection: responses come back on it, and so do requests to that peer', async () => {
    const { stack } = await stackUnderTest();
    const client = await tcpClient(portOf(stack, 'tcp'));
    // A sent-by the stack could not reach proves the response used the connection.
    await client.write(requestBytes({ transport: 'TCP', sentBy: '192.0.2.1:5060' }));
    const res = await client.inbox.next();
    expect(res.kind === 'response' && res.status).toBe(200);
    const outcome: number[] = [];
    const parsed = parseMessage(requestBytes({ transport: 'TCP' }));
    if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('bad fixture');
    parsed.message.headers.delete('Via');
    stack.sendRequest(
      parsed.message,
      { protocol: 'tcp', address: '127.0.0.1', port: client.localPort },
      {
        onResponse: (r) => outcome.push(r.status),
        onTimeout: () => outcome.push(-1),
        onTransportError: () => outcome.push(-2),
      },
    );
    const req = await client.inbox.next();
    expect(req.kind === 'request' && req.method).toBe('OPTIONS');
    expect(req.headers.get('Via')).toMatch(
      new RegExp(`^SIP/2.0/TCP 127.0.0.1:${portOf(stack, 'tcp')};branch=z9hG4bK[^;]+;rport$`),
    );
    expect(stack.stats().connections).toBe(1);
    expect(stack.stats().transactions.nonInviteClient).toBe(1);
  });

  it('closes idle connections and bounds how many are open', async () => {
    const { stack } = await stackUnderTest(undefined, {
      transport: { idleTimeoutMs: 150, maxConnections: 2, outboundReserve: 0 },
    });
    const port = portOf(stack, 'tcp');
    const c1 = await tcpClient(port);
    const c2 = await tcpClient(port);
    // Connections that spoke are kept; a silent one would give way to a newcomer.
    for (const c of [c1, c2]) {
      await c.write(requestBytes({ transport: 'TCP' }));
      await c.inbox.next();
    }
    await waitFor(() => stack.stats().connections === 2);
    const c3 = await tcpClient(port);
    await waitFor(() => c3.closed);
    expect(stack.stats().connections).toBe(2);
    await waitFor(() => c1.closed && c2.closed, 1000);
    expect(stack.stats().connections).toBe(0);
    expect(stack.stats().timers).toBe(0);
  });

  it('cuts off a peer that sends a header section beyond the limit', async () => {
    const { stack } = await stackUnderTest(undefined, { transport: { maxHeaderBytes: 1024 } });
    const client = await tcpClient(portOf(stack, 'tcp'));
    await client.write(`OPTIONS sip:x SIP/2.0\r\nX: ${'a'.repeat(4000)}`);
    await waitFor(() => client.closed);
    expect(stack.stats().connections).toBe(0);
  });
});

describe('fuzzing over real sockets', () => {
  function mutate(data: Buffer, rnd: () => number): Buffer {
    const out = Buffer.from(data);
    const edits = 1 + Math.floor(rnd() * 8);
    for (let i = 0; i < edits; i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
    return rnd() < 0.3 ? out.subarray(0, Math.floor(rnd() * out.length)) : out;
  }

  it('survives random and mutated datagrams, then still answers', async () => {
    const { stack, errors } = await stackUnderTest();
    const client = await udpClient();
    const port = portOf(stack, 'udp');
    const rnd = prng(1234);
    for (let i = 0; i < 400; i++) {
      const data =
        i % 2 === 0
          ? Buffer.from(
              Array.from({ length: 1 + Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256)),
            )
          : mutate(
              requestBytes({
                sentBy: `127.0.0.1:${client.port}`,
                method: i % 4 === 1 ? 'INVITE' : 'OPTIONS',
              }),
              rnd,
            );
      await client.send(data, port);
    }
    client.inbox.messages.length = 0;
    await delay(50);
    client.inbox.messages.length = 0;
    await client.send(
      requestBytes({ sentBy: `127.0.0.1:${client.port}`, callId: 'after-fuzz' }),
      port,
    );
    await waitFor(() =>
      client.inbox.messages.some((m) => m.headers.get('Call-ID') === 'after-fuzz'),
    );
    expect(errors).toEqual([]);
  });

  it('survives random and mutated TCP streams, then still answers', async () => {
    const { stack, errors } = await stackUnderTest();
    const port = portOf(stack, 'tcp');
    const rnd = prng(99);
    for (let conn = 0; conn < 20; conn++) {
      const client = await tcpClient(port);
      for (let i = 0; i < 10 && !client.closed; i++) {
        const data =
          rnd() < 0.5
            ? Buffer.from(
                Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)),
              )
            : mutate(requestBytes({ transport: 'TCP' }), rnd);
        await client.write(data);
      }
      client.close();
    }
    const client = await tcpClient(port);
    await client.write(requestBytes({ transport: 'TCP', callId: 'after-fuzz' }));
    const res = await client.inbox.next();
    expect(res.headers.get('Call-ID')).toBe('after-fuzz');
    expect(errors).toEqual([]);
    client.close();
    await waitFor(() => stack.stats().connections === 0);
  });
});
