/**
 * Connection exhaustion over real sockets (issue 14, point 4): connections bounded per address
 * and in total with room kept for our own, a deadline to a complete message that a trickle does
 * not move, and bytes held for incomplete messages bounded and given back on close.
 */
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseMessage } from '../../../src/sip/message/index.js';
import { createRequest, Headers } from '../../../src/sip/message/index.js';
import type { SipStack } from '../../../src/sip/stack.js';
import {
  RawTcp,
  delay,
  openFrom,
  openMany as openConnections,
  requestBytes,
  startStack,
  waitFor,
} from './net-fixtures.js';
import type { SlowConnection, TestStack } from './net-fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stackUnderTest(...args: Parameters<typeof startStack>): Promise<TestStack> {
  const t = await startStack(...args);
  cleanups.push(() => t.stack.close());
  return t;
}

function portOf(stack: SipStack, protocol: 'tcp' | 'ws'): number {
  const p = stack.port(protocol);
  if (p === undefined) throw new Error(`no ${protocol} listener`);
  return p;
}

/** OPTIONS over a fresh TCP connection from `localAddress`: the status answered. */
/** `openMany`, closed after the test. */
function openMany(...args: Parameters<typeof openConnections>): Promise<SlowConnection[]> {
  const all: SlowConnection[] = [];
  cleanups.push(() => all.forEach((s) => s.socket.destroy()));
  return openConnections(args[0], args[1], args[2], args[3], all);
}

async function optionsOverTcp(port: number, localAddress = '127.0.0.1'): Promise<number> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  const c = await RawTcp.wrap(socket);
  cleanups.push(() => c.close());
  await c.write(requestBytes({ transport: 'TCP', sentBy: `${localAddress}:5999` }));
  const r = await c.inbox.next(5000);
  return r.kind === 'response' ? r.status : 0;
}

async function optionsOverWs(port: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, 'sip');
  cleanups.push(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const answer = new Promise<number>((resolve) =>
    ws.once('message', (data: Buffer) => {
      const parsed = parseMessage(Buffer.from(data));
      resolve(parsed.ok && parsed.message.kind === 'response' ? parsed.message.status : 0);
    }),
  );
  ws.send(requestBytes({ transport: 'WS', sentBy: 'phone.invalid' }));
  return answer;
}

describe('a deadline to a complete message, not an idle timeout', () => {
  it('closes a connection trickling one byte every 50 ms at the deadline', async () => {
    const { stack } = await stackUnderTest(undefined, { transport: { messageTimeoutMs: 400 } });
    const message = requestBytes({ transport: 'TCP' });
    const slow = await openFrom(portOf(stack, 'tcp'), '127.0.0.1');
    const start = Date.now();
    let sent = 0;
    while (!slow.closed && sent < message.length && Date.now() - start < 5000) {
      slow.socket.write(message.subarray(sent, sent + 1));
      sent++;
      await delay(50);
    }
    expect(slow.closed).toBe(true);
    expect(sent).toBeLessThan(message.length);
    expect(Date.now() - start).toBeGreaterThanOrEqual(350);
    await waitFor(() => stack.stats().connections === 0);
    expect(stack.connectionHoldings()).toEqual({ inbound: 0, pendingBytes: 0 });
  });

  it('gives a proven connection the same deadline for its next message, but lets keep-alives idle', async () => {
    const { stack } = await stackUnderTest(undefined, { transport: { messageTimeoutMs: 300 } });
    const port = portOf(stack, 'tcp');
    const phone = await RawTcp.open(port);
    cleanups.push(() => phone.close());
    await phone.write(requestBytes({ transport: 'TCP' }));
    expect((await phone.inbox.next()).kind).toBe('response');
    // RFC 5626 §3.5.1 pings for three deadlines: the connection stays.
    for (let i = 0; i < 18; i++) {
      await phone.write('\r\n\r\n');
      await delay(50);
    }
    expect(phone.closed).toBe(false);
    // A second message trickled: cut off like the first would be.
    const next = requestBytes({ transport: 'TCP' });
    for (let i = 0; i < next.length && !phone.closed && i < 200; i++) {
      await phone.write(next.subarray(i, i + 1));
      await delay(50);
    }
    expect(phone.closed).toBe(true);
    await waitFor(() => stack.stats().connections === 0);
  });

  it('closes a connection that opens and never sends a whole message', async () => {
    const { stack } = await stackUnderTest(undefined, { transport: { messageTimeoutMs: 200 } });
    const silent = await openFrom(portOf(stack, 'tcp'), '127.0.0.1');
    // Pings do not count as a message from a peer that has said nothing yet.
    for (let i = 0; i < 20 && !silent.closed; i++) {
      silent.socket.write('\r\n\r\n');
      await delay(50);
    }
    expect(silent.closed).toBe(true);
    await waitFor(() => stack.stats().connections === 0);
    expect(stack.stats().timers).toBe(0);
  });
});

describe('connections bounded per address and in total', () => {
  it('keeps at most the per-address limit; silent ones give way, proven ones do not', async () => {
    const { stack } = await stackUnderTest(undefined, {
      transport: { maxConnectionsPerAddress: 8, messageTimeoutMs: 60_000 },
    });
    const port = portOf(stack, 'tcp');
    await openMany(port, ['127.0.0.2'], 30, 'OPTIONS sip:x SIP/2.0\r\n');
    await waitFor(() => stack.connectionHoldings('127.0.0.2').inbound === 8);
    await delay(100);
    expect(stack.connectionHoldings('127.0.0.2').inbound).toBe(8);
    // A phone behind the same address still gets in: the oldest silent connection gives way.
    expect(await optionsOverTcp(port, '127.0.0.2')).toBe(200);

    // Eight phones that spoke keep their connections; a ninth from their address is refused.
    const phones: RawTcp[] = [];
    for (let i = 0; i < 8; i++) {
      const c = await RawTcp.wrap(connect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' }));
      cleanups.push(() => c.close());
      await c.write(requestBytes({ transport: 'TCP', sentBy: '127.0.0.3:5999' }));
      expect((await c.inbox.next()).kind).toBe('response');
      phones.push(c);
    }
    const ninth = await openFrom(port, '127.0.0.3');
    await waitFor(() => ninth.closed);
    expect(phones.every((p) => !p.closed)).toBe(true);
    expect(stack.connectionHoldings('127.0.0.3').inbound).toBe(8);
  });

  it(
    '2,000 slow connections from 20 addresses: bounded, and a TCP phone, a WebSocket phone and our own outbound TCP are still served',
    { timeout: 60_000 },
    async () => {
      // Default limits but the deadline, kept long so that the slow connections stay.
      const { stack } = await stackUnderTest(undefined, {
        transport: { messageTimeoutMs: 60_000 },
      });
      const far = await stackUnderTest();
      const port = portOf(stack, 'tcp');
      const addresses = Array.from({ length: 20 }, (_, i) => `127.0.0.${10 + i}`);
      const slow = await openMany(port, addresses, 100, 'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0');
      expect(slow).toHaveLength(2000);
      await delay(200);
      const held = stack.connectionHoldings();
      // 1,024 in all, of which 1/16 only for our own connections: 960 for others, 64 each.
      expect(held.inbound).toBeLessThanOrEqual(960);
      for (const a of addresses)
        expect(stack.connectionHoldings(a).inbound).toBeLessThanOrEqual(64);
      expect(held.inbound).toBeGreaterThan(900);

      expect(await optionsOverTcp(port)).toBe(200);
      expect(await optionsOverWs(portOf(stack, 'ws'))).toBe(200);
      const status = await new Promise<number>((resolve) => {
        const h = new Headers();
        h.append('Max-Forwards', '70');
        h.append('From', '<sip:pbx@127.0.0.1>;tag=out');
        h.append('To', '<sip:far@127.0.0.1>');
        h.append('Call-ID', 'outbound-under-siege');
        h.append('CSeq', '1 OPTIONS');
        stack.sendRequest(
          createRequest('OPTIONS', 'sip:far@127.0.0.1', h),
          { protocol: 'tcp', address: '127.0.0.1', port: portOf(far.stack, 'tcp') },
          {
            onResponse: (r) => resolve(r.status),
            onTimeout: () => resolve(-1),
            onTransportError: () => resolve(-2),
          },
        );
      });
      expect(status).toBe(200);
    },
  );
});

/** heapUsed + arrayBuffers after a full collection: what the process really holds. */
function heldMemory(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const MiB = 1024 * 1024;

describe('bytes held for incomplete messages', () => {
  it('refuses most of a 1 MiB body at its header: 200 such connections hold nothing', async () => {
    const { stack } = await stackUnderTest();
    const port = portOf(stack, 'tcp');
    const before = heldMemory();
    const head = requestBytes({ transport: 'TCP' })
      .toString('latin1')
      .replace('Content-Length: 0', 'Content-Length: 1000000');
    const chunk = Buffer.alloc(900_000, 0x61);
    const conns = await openMany(
      port,
      ['127.0.0.40', '127.0.0.41', '127.0.0.42', '127.0.0.43'],
      50,
      head,
    );
    for (const c of conns) if (!c.closed) c.socket.write(chunk);
    await waitFor(() => conns.every((c) => c.closed), 10_000);
    // Each was told why before the close.
    expect(conns.filter((c) => /^SIP\/2\.0 413 /.test(c.received)).length).toBe(200);
    expect(stack.connectionHoldings()).toEqual({ inbound: 0, pendingBytes: 0 });
    expect(heldMemory() - before).toBeLessThan(16 * MiB);
  });

  it('bounds what half-sent bodies hold in all, and gives it back when they close', async () => {
    const budget = 4 * MiB;
    const { stack } = await stackUnderTest(undefined, {
      transport: { maxPendingBytes: budget, messageTimeoutMs: 60_000 },
    });
    const port = portOf(stack, 'tcp');
    const before = heldMemory();
    const head = requestBytes({ transport: 'TCP' })
      .toString('latin1')
      .replace('Content-Length: 0', 'Content-Length: 60000');
    const body = Buffer.alloc(50_000, 0x61);
    const conns = await openMany(
      port,
      ['127.0.0.50', '127.0.0.51', '127.0.0.52', '127.0.0.53'],
      50,
      head,
    );
    for (const c of conns) c.socket.write(body);
    await waitFor(() => stack.connectionHoldings().pendingBytes > budget / 2, 10_000);
    await delay(300);
    // 200 × 50 KB would be 10 MB: connections holding the most were closed to stay in budget.
    expect(stack.connectionHoldings().pendingBytes).toBeLessThanOrEqual(budget);
    expect(conns.some((c) => c.closed)).toBe(true);
    expect(heldMemory() - before).toBeLessThan(budget + 12 * MiB);
    for (const c of conns) c.socket.destroy();
    await waitFor(() => stack.stats().connections === 0, 5000);
    expect(stack.connectionHoldings()).toEqual({ inbound: 0, pendingBytes: 0 });
    expect(heldMemory() - before).toBeLessThan(4 * MiB);
  });
});
