/**
 * Overload control in the SIP stack over real sockets: a raw UDP peer's new INVITEs and REGISTERs
 * get a stateless 503 with Retry-After while the stack is overloaded, and reach the handler
 * again once it has recovered; in-dialog requests and retransmissions of an admitted request
 * are never refused. The load is the stack's own sampler's, made real by blocking the event loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { SipResponse } from '../../../src/sip/message/index.js';
import type { ShedCause } from '../../../src/sip/stack.js';
import { readUdpQueue, findSocket } from '../../../src/sip/overload/udp-queue.js';
import { RawUdp, delay, requestBytes, startStack, waitFor } from '../transport/net-fixtures.js';
import type { TestStack } from '../transport/net-fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function overloadable(sampling: boolean): Promise<TestStack & { shed: ShedCause[] }> {
  const shed: ShedCause[] = [];
  const t = await startStack(undefined, {
    // Sampled every 50 ms here: recovery (0.25 → 0 in steps of 0.05) takes about 250 ms.
    overload: { sampling, sampleEveryMs: 50, retryAfterSeconds: 3 },
    onShed: (_request, _source, cause) => shed.push(cause),
  });
  cleanups.push(() => t.stack.close());
  t.stack.startLoadSampling();
  return { ...t, shed };
}

async function peer(): Promise<RawUdp> {
  const p = await RawUdp.open();
  cleanups.push(() => p.close());
  return p;
}

async function exchange(
  p: RawUdp,
  port: number,
  bytes: Buffer,
): Promise<SipResponse & { kind: 'response' }> {
  await p.send(bytes, port);
  for (;;) {
    const m = await p.inbox.next();
    if (m.kind === 'response' && m.status >= 200) return m;
  }
}

function blockLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy: what an overloaded PBX's event loop does.
  }
}

describe('overload control in the SIP stack', () => {
  it('refuses new INVITEs with 503 and Retry-After while the loop is saturated, then recovers by itself', async () => {
    const t = await overloadable(true);
    const port = t.stack.port('udp') ?? 0;
    const p = await peer();
    const sentBy = `127.0.0.1:${p.port}`;

    // Unloaded: a new INVITE reaches the handler (answered 200 by it).
    const before = await exchange(p, port, requestBytes({ method: 'REGISTER', sentBy }));
    expect(before.status).toBe(200);

    // One turn of the loop busy for 600 ms is a single sample at utilisation ~1: smoothed, no
    // overload yet.
    blockLoop(600);
    await delay(120);
    expect(t.stack.overloadStatus()?.shedRatio).toBe(0);
    // A loop kept busy, sample after sample, is.
    for (let i = 0; i < 20 && (t.stack.overloadStatus()?.shedRatio ?? 0) === 0; i++) {
      blockLoop(100);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(t.stack.overloadStatus()?.shedRatio).toBeGreaterThan(0);
    expect(t.stack.overloadStatus()?.utilization).toBeGreaterThan(0.9);

    // The share refused starts at a quarter: send until one is refused.
    const received = t.received.length;
    let refused: SipResponse | undefined;
    for (let i = 0; i < 8 && refused === undefined; i++) {
      const r = await exchange(p, port, requestBytes({ method: 'INVITE', sentBy }));
      if (r.status === 503) refused = r;
      else blockLoop(600);
    }
    expect(refused?.reason).toBe('Service Unavailable');
    const retry = Number(refused?.headers.get('Retry-After'));
    expect(retry).toBeGreaterThanOrEqual(3);
    expect(retry).toBeLessThanOrEqual(6);
    expect(t.shed).toContain('load');
    // Refused before any transaction: the handler never saw it, nothing is left behind.
    expect(t.received.length).toBeLessThan(received + 8);
    expect(t.stack.overloadStatus()?.shed).toBe(t.shed.length);

    // Once the loop is idle again the share falls to nothing within a few samples.
    await waitFor(() => t.stack.overloadStatus()?.shedRatio === 0, 5000);
    const after = await exchange(p, port, requestBytes({ method: 'INVITE', sentBy }));
    expect(after.status).toBe(200);
    await waitFor(() => t.stack.stats().transactions.total === 0, 3000);
  });

  it('serves in-dialog requests, OPTIONS and retransmissions while refusing every new INVITE and REGISTER', async () => {
    const t = await overloadable(false);
    const port = t.stack.port('udp') ?? 0;
    const p = await peer();
    const sentBy = `127.0.0.1:${p.port}`;
    const control = t.stack.overload;
    if (control === undefined) throw new Error('no overload control');

    // RFC 7339: a client that says it supports overload control (`oc` in its Via) hears the
    // reduction in every response; one that does not hears nothing of it.
    const withOc = (bytes: Buffer) =>
      Buffer.from(bytes.toString().replace(/(branch=[^\r;]+)/, '$1;oc;oc-algo="loss,A"'));
    const calm = await exchange(p, port, withOc(requestBytes({ method: 'OPTIONS', sentBy })));
    expect(calm.headers.get('Via')).toMatch(
      /;oc=0;oc-algo="loss";oc-validity=0;oc-seq=\d+\.\d{3}$/,
    );
    const plain = await exchange(p, port, requestBytes({ method: 'OPTIONS', sentBy }));
    expect(plain.headers.get('Via')).not.toMatch(/oc/);

    // A REGISTER admitted before the overload: its retransmission gets the transaction's 200
    // again (RFC 3261 §17.2.2), not a 503.
    const admitted = requestBytes({ method: 'REGISTER', sentBy, branch: 'z9hG4bK-admitted' });
    expect((await exchange(p, port, admitted)).status).toBe(200);

    for (let i = 0; i < 6; i++) control.sample({ utilization: 1, delayMs: 0, queueBytes: 0 });
    expect(control.status().shedRatio).toBe(1);

    await p.send(admitted, port);
    const again = await p.inbox.next();
    expect(again.kind === 'response' && again.status).toBe(200);

    for (let i = 0; i < 5; i++) {
      const method = i % 2 === 0 ? 'INVITE' : 'REGISTER';
      const r = await exchange(p, port, requestBytes({ method, sentBy }));
      expect(r.status).toBe(503);
      expect(Number(r.headers.get('Retry-After'))).toBeGreaterThanOrEqual(3);
    }
    // A retransmission right behind a refused INVITE is absorbed: the caller has its 503 (or
    // will); one after the window is refused again, in case that 503 was lost.
    const refused = requestBytes({ method: 'INVITE', sentBy, branch: 'z9hG4bK-refused' });
    expect((await exchange(p, port, refused)).status).toBe(503);
    await p.send(refused, port);
    await expect(p.inbox.next(300)).rejects.toThrow('no message in time');
    await delay(1100);
    expect((await exchange(p, port, refused)).status).toBe(503);
    const ocRefused = await exchange(p, port, withOc(requestBytes({ method: 'INVITE', sentBy })));
    expect(ocRefused.status).toBe(503);
    expect(ocRefused.headers.get('Via')).toMatch(/;oc=100;oc-algo="loss";oc-validity=2000;oc-seq=/);
    const seq = (r: SipResponse) => Number(/oc-seq=([\d.]+)/.exec(r.headers.get('Via') ?? '')?.[1]);
    expect(seq(ocRefused)).toBeGreaterThan(seq(calm));
    const options = await exchange(p, port, requestBytes({ method: 'OPTIONS', sentBy }));
    expect(options.status).toBe(200);
    const inDialog = requestBytes({ method: 'BYE', sentBy })
      .toString()
      .replace('To: <sip:service@127.0.0.1>', 'To: <sip:service@127.0.0.1>;tag=callee');
    expect((await exchange(p, port, Buffer.from(inDialog))).status).toBe(200);
    expect(t.shed).toEqual(Array(8).fill('load'));
    await waitFor(() => t.stack.stats().transactions.total === 0, 3000);
  });
});

describe('the kernel queue of a UDP socket', () => {
  it('reads the bytes waiting for a socket nobody reads, from /proc/net/udp', async () => {
    // A socket in another process whose event loop is blocked: it never reads, so what is sent
    // to it stays queued in the kernel.
    const child = spawn(
      process.execPath,
      [
        '-e',
        [
          "const socket = require('node:dgram').createSocket('udp4');",
          "socket.bind(0, '127.0.0.1', () => {",
          '  console.log(socket.address().port);',
          '  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);',
          '});',
        ].join('\n'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => child.kill());
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    });
    expect((await readUdpQueue(port))?.bytes).toBe(0);
    const sender = createSocket('udp4');
    cleanups.push(() => new Promise<void>((resolve) => sender.close(() => resolve())));
    const datagram = Buffer.alloc(500, 0x41);
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve, reject) =>
        sender.send(datagram, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      );
    }
    await delay(50);
    const queue = await readUdpQueue(port);
    // Each datagram costs its bytes plus the kernel's bookkeeping.
    expect(queue?.bytes).toBeGreaterThanOrEqual(40 * 500);
    expect(queue?.drops).toBe(0);
  });

  it('matches the port in the local address only', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      ' 1: 0100007F:2000 0100007F:13C4 01 00000000:00000000 00:00000000 00000000  1000        0 1 2 0000000000000000 0',
      ' 2: 0100007F:13C4 00000000:0000 07 00000000:00001F40 00:00000000 00000000  1000        0 2 2 0000000000000000 7',
    ].join('\n');
    expect(findSocket(text, ':13C4 ')).toEqual({ bytes: 8000, drops: 7 });
    expect(findSocket(text, ':1770 ')).toBeUndefined();
  });
});
