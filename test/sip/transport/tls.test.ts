/**
 * SIP over TLS and WebSocket over TLS on real sockets (issue 9, point 3): a client that verifies
 * (openssl s_client) accepts the certificate only against the authority that signed it; a
 * request over TLS or WSS is answered on its connection with a TLS or WSS Via; and bad input
 * (a handshake that never ends, plain text on the TLS port, garbage on WSS, a flood of
 * handshakes) is cut off within a bounded time, leaving nothing held and the listener serving.
 */
import { execFile } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { StreamParser, getTopVia, parseMessage } from '../../../src/sip/message/index.js';
import type { SipMessage } from '../../../src/sip/message/index.js';
import type { SipStack, SipStackOptions } from '../../../src/sip/stack.js';
import { makeTestPki } from './tls-fixtures.js';
import type { TestPki } from './tls-fixtures.js';
import { requestBytes, startStack, waitFor } from './net-fixtures.js';

const HANDSHAKE_MS = 400;

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.remove());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function secureStack(transport: SipStackOptions['transport'] = {}) {
  const t = await startStack(
    undefined,
    { transport: { handshakeTimeoutMs: HANDSHAKE_MS, ...transport } },
    { tcp: 0, tls: 0, wss: 0, credentials: { cert: pki.cert, key: pki.key } },
  );
  cleanups.push(() => t.stack.close());
  return t;
}

function portOf(stack: SipStack, protocol: 'tls' | 'wss'): number {
  const p = stack.port(protocol);
  if (p === undefined) throw new Error(`no ${protocol} listener`);
  return p;
}

/** openssl s_client, verifying against `caFile`: its exit code and what it printed. */
function sClient(port: number, caFile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-CAfile',
        caFile,
        '-verify_return_error',
        '-verify_ip',
        '127.0.0.1',
      ],
      { timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error('openssl is not installed'));
          return;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: stdout + stderr });
      },
    );
    child.stdin?.end();
  });
}

/** The first message read from a TLS connection to `port` after sending `request`. */
async function overTls(port: number, request: Buffer): Promise<SipMessage> {
  const socket = connectTls({ host: '127.0.0.1', port, ca: [pki.ca] });
  cleanups.push(() => socket.destroy());
  const parser = new StreamParser();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no response over TLS')), 5000);
    socket.on('error', reject);
    socket.once('secureConnect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      for (const event of parser.push(chunk)) {
        if (event.type !== 'message') continue;
        clearTimeout(timer);
        resolve(event.message);
      }
    });
  });
}

/** A plain TCP connection to `port`; resolves when it is connected. */
function rawConnection(port: number): Promise<{ socket: Socket; closedAt: () => number | null }> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    let closedAt: number | null = null;
    socket.on('error', () => undefined);
    socket.on('close', () => (closedAt = Date.now()));
    cleanups.push(() => socket.destroy());
    socket.once('connect', () => resolve({ socket, closedAt: () => closedAt }));
    socket.once('error', reject);
  });
}

function viaTransportOf(message: SipMessage): string | undefined {
  return getTopVia(message)?.transport;
}

describe('SIP over TLS', () => {
  it('is accepted by a client that verifies against the authority that signed it', async () => {
    const { stack } = await secureStack();
    const result = await sClient(portOf(stack, 'tls'), pki.caFile);
    expect(result.output).toMatch(/Verify return code: 0 \(ok\)/);
    expect(result.code).toBe(0);
  });

  it('is refused by a client that verifies against another authority', async () => {
    const { stack } = await secureStack();
    const result = await sClient(portOf(stack, 'tls'), pki.otherCaFile);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/unable to get local issuer certificate|verify error/i);
  });

  it('answers a request on its connection, the Via saying TLS, and keeps the connection', async () => {
    const { stack, received } = await secureStack();
    const response = await overTls(
      portOf(stack, 'tls'),
      requestBytes({ transport: 'TLS', sentBy: 'phone.invalid:5061' }),
    );
    expect(response.kind === 'response' && response.status).toBe(200);
    expect(viaTransportOf(response)).toBe('TLS');
    expect(received).toHaveLength(1);
    expect(stack.stats().connections).toBe(1);
  });

  it('answers a CRLFCRLF keep-alive with CRLF over TLS too (RFC 5626 §3.5.1)', async () => {
    const { stack } = await secureStack();
    const socket = connectTls({ host: '127.0.0.1', port: portOf(stack, 'tls'), ca: [pki.ca] });
    cleanups.push(() => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('secureConnect', () => socket.write('\r\n\r\n'));
    await waitFor(() => Buffer.concat(chunks).toString() === '\r\n');
    expect(stack.stats().connections).toBe(1);
  });

  it('cuts off a handshake that never finishes at its deadline, and serves the next client', async () => {
    const { stack } = await secureStack();
    const port = portOf(stack, 'tls');
    const started = Date.now();
    const silent = await rawConnection(port);
    // Half a ClientHello: a record header announcing more than ever comes.
    const trickle = await rawConnection(port);
    trickle.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    await waitFor(() => stack.tlsHandshakes() === 2, 2000);
    await waitFor(() => silent.closedAt() !== null && trickle.closedAt() !== null, 5000);
    for (const c of [silent, trickle]) {
      const after = (c.closedAt() ?? 0) - started;
      expect(after).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
      expect(after).toBeLessThan(HANDSHAKE_MS + 2000);
    }
    expect(stack.connectionHoldings().inbound).toBe(0);
    expect(stack.tlsHandshakes()).toBe(0);
    const response = await overTls(port, requestBytes({ transport: 'TLS' }));
    expect(response.kind === 'response' && response.status).toBe(200);
  });

  it('closes a plain-text client at its first bytes, long before the deadline', async () => {
    const { stack, received } = await secureStack({ handshakeTimeoutMs: 10_000 });
    const port = portOf(stack, 'tls');
    const started = Date.now();
    const plain = await rawConnection(port);
    plain.socket.write(requestBytes({ transport: 'TCP' }));
    await waitFor(() => plain.closedAt() !== null, 3000);
    expect((plain.closedAt() ?? 0) - started).toBeLessThan(3000);
    expect(received).toHaveLength(0);
    await waitFor(() => stack.connectionHoldings().inbound === 0, 2000);
    expect(stack.tlsHandshakes()).toBe(0);
    const response = await overTls(port, requestBytes({ transport: 'TLS' }));
    expect(response.kind === 'response' && response.status).toBe(200);
  });

  it('bounds the handshakes in progress: at the bound the oldest gives way, so a flood of silent connections does not lock a phone out', async () => {
    const { stack } = await secureStack({ maxPendingHandshakes: 3, handshakeTimeoutMs: 10_000 });
    const port = portOf(stack, 'tls');
    const held: Awaited<ReturnType<typeof rawConnection>>[] = [];
    for (let i = 0; i < 3; i++) held.push(await rawConnection(port));
    await waitFor(() => stack.tlsHandshakes() === 3, 2000);
    const extra = await rawConnection(port);
    await waitFor(() => held[0]?.closedAt() !== null, 2000);
    expect(stack.tlsHandshakes()).toBe(3);
    expect(extra.closedAt()).toBeNull();
    // Three more silent ones, then a phone: it finishes its handshake before being pushed out.
    for (let i = 0; i < 3; i++) held.push(await rawConnection(port));
    const response = await overTls(port, requestBytes({ transport: 'TLS' }));
    expect(response.kind === 'response' && response.status).toBe(200);
    expect(stack.tlsHandshakes()).toBeLessThanOrEqual(3);
    for (const c of [...held, extra]) c.socket.destroy();
    await waitFor(() => stack.tlsHandshakes() === 0, 2000);
    expect(stack.connectionHoldings().inbound).toBe(1);
  });

  it('counts handshakes against the connections allowed per address', async () => {
    const { stack } = await secureStack({
      maxConnectionsPerAddress: 2,
      handshakeTimeoutMs: 10_000,
    });
    const port = portOf(stack, 'tls');
    const first = await rawConnection(port);
    await rawConnection(port);
    await waitFor(() => stack.connectionHoldings('127.0.0.1').inbound === 2, 2000);
    // A third from the same address evicts the oldest one that never completed a message.
    await rawConnection(port);
    await waitFor(() => first.closedAt() !== null, 2000);
    expect(stack.connectionHoldings('127.0.0.1').inbound).toBe(2);
    await waitFor(() => stack.tlsHandshakes() === 2, 2000);
  });

  it('evicts a TLS connection that finished its handshake but sent no message, and forgets it', async () => {
    const { stack } = await secureStack({ maxConnectionsPerAddress: 1 });
    const port = portOf(stack, 'tls');
    const quiet = connectTls({ host: '127.0.0.1', port, ca: [pki.ca] });
    let quietClosed = false;
    quiet.on('error', () => undefined);
    quiet.on('close', () => (quietClosed = true));
    quiet.resume();
    cleanups.push(() => quiet.destroy());
    await waitFor(() => stack.stats().connections === 1, 2000);
    // A phone from the same address takes its place and is answered.
    const response = await overTls(port, requestBytes({ transport: 'TLS' }));
    expect(response.kind === 'response' && response.status).toBe(200);
    await waitFor(() => quietClosed, 2000);
    expect(stack.stats().connections).toBe(1);
    expect(stack.connectionHoldings().inbound).toBe(1);
  });
});

describe('SIP over secure WebSocket', () => {
  async function wssClient(port: number): Promise<WebSocket> {
    const ws = new WebSocket(`wss://127.0.0.1:${port}`, 'sip', { ca: [pki.ca] });
    cleanups.push(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return ws;
  }

  it('answers a request with a WSS Via on its WebSocket', async () => {
    const { stack } = await secureStack();
    const ws = await wssClient(portOf(stack, 'wss'));
    const answer = new Promise<SipMessage | null>((resolve) =>
      ws.once('message', (data: Buffer) => {
        const parsed = parseMessage(Buffer.from(data));
        resolve(parsed.ok ? parsed.message : null);
      }),
    );
    ws.send(requestBytes({ transport: 'WSS', sentBy: 'browser.invalid' }));
    const response = await answer;
    expect(response?.kind === 'response' && response.status).toBe(200);
    expect(response && viaTransportOf(response)).toBe('WSS');
  });

  it('closes garbage before, during and after the TLS handshake within a bounded time', async () => {
    const { stack } = await secureStack();
    const port = portOf(stack, 'wss');
    const started = Date.now();
    const garbage = await rawConnection(port);
    garbage.socket.write(Buffer.from('\x00\xff garbage \r\n\r\n', 'latin1'));
    const silent = await rawConnection(port);
    // Through the TLS handshake, then bytes that are no HTTP request, and then nothing at all.
    const badHttp = connectTls({ host: '127.0.0.1', port, ca: [pki.ca] });
    const idle = connectTls({ host: '127.0.0.1', port, ca: [pki.ca] });
    const closed = new Map<string, number>();
    for (const [name, s] of [
      ['badHttp', badHttp],
      ['idle', idle],
    ] as const) {
      cleanups.push(() => s.destroy());
      s.on('error', () => undefined);
      s.on('close', () => closed.set(name, Date.now()));
    }
    let answered = '';
    badHttp.on('data', (d: Buffer) => (answered += d.toString('latin1')));
    idle.resume();
    badHttp.once('secureConnect', () => badHttp.write('\x16\x03 not http at all\r\n\r\n'));
    await waitFor(
      () =>
        garbage.closedAt() !== null &&
        silent.closedAt() !== null &&
        closed.has('badHttp') &&
        closed.has('idle'),
      HANDSHAKE_MS * 2 + 3000,
    );
    for (const at of [garbage.closedAt(), silent.closedAt(), ...closed.values()]) {
      expect((at ?? Infinity) - started).toBeLessThan(HANDSHAKE_MS * 2 + 3000);
    }
    expect(answered).toMatch(/^HTTP\/1\.1 400 /);
    expect(stack.connectionHoldings().inbound).toBe(0);
    expect(stack.tlsHandshakes()).toBe(0);
    await wssClient(port);
    expect(stack.stats().connections).toBe(1);
  });
});
