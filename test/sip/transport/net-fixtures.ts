import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { StreamParser, parseMessage } from '../../../src/sip/message/index.js';
import type { SipMessage } from '../../../src/sip/message/index.js';
import { SipStack } from '../../../src/sip/stack.js';
import type { RequestHandler, SipStackOptions } from '../../../src/sip/stack.js';
import { buildReply } from '../../../src/sip/message/index.js';
import type { ListenOptions } from '../../../src/sip/transport/layer.js';

/** Short timers so that real-socket transactions drain within a test. */
export const FAST_TIMERS = { t1: 5, t2: 40, t4: 20, trying: 50, timerD: 100 };

export interface TestStack {
  stack: SipStack;
  errors: unknown[];
  received: SipMessage[];
}

/** Answers every request but ACK with 200 OK, unless a handler is given. */
export const answer200: RequestHandler = (req, tx) => {
  if (tx) tx.respond(buildReply(req, 200, 'OK'));
};

export async function startStack(
  handler: RequestHandler = answer200,
  options: SipStackOptions = {},
  listen: Omit<ListenOptions, 'host'> = { udp: 0, tcp: 0, ws: 0 },
): Promise<TestStack> {
  const errors: unknown[] = [];
  const received: SipMessage[] = [];
  const stack = new SipStack({ timers: FAST_TIMERS, onError: (e) => errors.push(e), ...options });
  stack.onRequest((req, tx, source) => {
    received.push(req);
    handler(req, tx, source);
  });
  await stack.listen({ host: '127.0.0.1', ...listen });
  return { stack, errors, received };
}

/** Poll `check` until true; bounded in time. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A queue of messages with a bounded wait for the next one. */
class Inbox {
  readonly messages: SipMessage[] = [];
  private waiters: (() => void)[] = [];

  push(m: SipMessage): void {
    this.messages.push(m);
    for (const w of this.waiters.splice(0)) w();
  }

  async next(timeoutMs = 2000): Promise<SipMessage> {
    const end = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      const left = end - Date.now();
      if (left <= 0) throw new Error('no message in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const m = this.messages.shift();
    if (!m) throw new Error('unreachable');
    return m;
  }
}

export class RawUdp {
  readonly inbox = new Inbox();
  private constructor(readonly socket: UdpSocket) {
    socket.on('message', (data) => {
      const r = parseMessage(data);
      if (r.ok) this.inbox.push(r.message);
    });
  }

  static async open(address = '127.0.0.1'): Promise<RawUdp> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new RawUdp(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Buffer | string, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export class RawTcp {
  readonly inbox = new Inbox();
  readonly raw: Buffer[] = [];
  private readonly parser = new StreamParser();
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.raw.push(chunk);
      for (const ev of this.parser.push(chunk))
        if (ev.type === 'message') this.inbox.push(ev.message);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  static open(port: number): Promise<RawTcp> {
    return RawTcp.wrap(connect({ host: '127.0.0.1', port }));
  }

  /** A socket being connected (e.g. from a chosen local address). */
  static async wrap(socket: Socket): Promise<RawTcp> {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawTcp(socket);
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface RequestOptions {
  method?: string;
  branch?: string;
  transport?: string;
  sentBy?: string;
  rport?: boolean;
  body?: string;
  omit?: string[];
  callId?: string;
}

let counter = 0;

/** A well-formed request as bytes. */
export function requestBytes(o: RequestOptions = {}): Buffer {
  const method = o.method ?? 'OPTIONS';
  const branch = o.branch ?? `z9hG4bK-raw-${++counter}`;
  const lines = [
    `${method} sip:service@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/${o.transport ?? 'UDP'} ${o.sentBy ?? '127.0.0.1:5999'};branch=${branch}${o.rport ? ';rport' : ''}`,
    'Max-Forwards: 70',
    'From: <sip:tester@127.0.0.1>;tag=t1',
    'To: <sip:service@127.0.0.1>',
    `Call-ID: ${o.callId ?? `raw-${counter}@127.0.0.1`}`,
    `CSeq: 1 ${method}`,
  ].filter((l) => !(o.omit ?? []).some((name) => l.startsWith(`${name}:`)));
  const body = o.body ?? '';
  if (body) lines.push('Content-Type: text/plain');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** Deterministic pseudo-random numbers, so a failing fuzz case can be replayed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A raw TCP connection from a chosen local address; `closed` turns true when it is dropped. */
export interface SlowConnection {
  socket: Socket;
  closed: boolean;
  /** What the other side sent, as latin1 text. */
  received: string;
}

export function openFrom(port: number, localAddress: string): Promise<SlowConnection> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const slow: SlowConnection = { socket, closed: false, received: '' };
    socket.on('data', (d: Buffer) => (slow.received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      slow.closed = true;
      resolve(slow);
    });
    socket.once('connect', () => resolve(slow));
  });
}

/**
 * `count` connections from each of `addresses` (one per address at a time), each sending `first`
 * and then nothing. The caller destroys them (`socket.destroy()`).
 */
export async function openMany(
  port: number,
  addresses: readonly string[],
  count: number,
  first: string | Buffer,
  into: SlowConnection[] = [],
): Promise<SlowConnection[]> {
  for (let i = 0; i < count; i++) {
    const batch = await Promise.all(addresses.map((a) => openFrom(port, a)));
    for (const s of batch) if (!s.closed) s.socket.write(first);
    into.push(...batch);
  }
  return into;
}
