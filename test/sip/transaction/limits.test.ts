/**
 * Server transactions bounded, over real sockets: beyond a limit a new request gets a stateless
 * 503 with Retry-After (RFC 3261 §21.5.4), other sources and retransmissions are unaffected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SipResponse } from '../../../src/sip/message/index.js';
import { buildReply } from '../../../src/sip/stack.js';
import type { ServerTransaction, SipStackOptions } from '../../../src/sip/stack.js';
import {
  FAST_TIMERS,
  RawUdp,
  requestBytes,
  startStack,
  waitFor,
} from '../transport/net-fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A stack whose TU keeps every INVITE unanswered (a call being set up) until told. */
async function holdingStack(options: SipStackOptions): Promise<{
  port: number;
  held: ServerTransaction[];
  stack: Awaited<ReturnType<typeof startStack>>['stack'];
}> {
  const held: ServerTransaction[] = [];
  const t = await startStack(
    (req, tx) => {
      if (!tx) return;
      if (req.method === 'INVITE') held.push(tx);
      else tx.respond(buildReply(req, 200, 'OK'));
    },
    options,
    { udp: 0 },
  );
  cleanups.push(() => t.stack.close());
  return { port: t.stack.port('udp') ?? 0, held, stack: t.stack };
}

async function client(address = '127.0.0.1'): Promise<RawUdp> {
  const c = await RawUdp.open(address);
  cleanups.push(() => c.close());
  return c;
}

async function finals(c: RawUdp, count: number): Promise<SipResponse[]> {
  const out: SipResponse[] = [];
  while (out.length < count) {
    const m = await c.inbox.next();
    if (m.kind === 'response' && m.status >= 200) out.push(m);
  }
  return out;
}

describe('server transactions bounded (503 with Retry-After)', () => {
  it('per address: requests beyond those the TU is still working on get 503, others go on', async () => {
    const { port, held, stack } = await holdingStack({
      transactions: { maxAwaitingPerAddress: 5, retryAfterSeconds: 7 },
    });
    const flood = await client('127.0.0.1');
    for (let i = 0; i < 8; i++) {
      await flood.send(
        requestBytes({ method: 'INVITE', sentBy: '127.0.0.1:5999', rport: true }),
        port,
      );
    }
    const refused = await finals(flood, 3);
    expect(refused.map((r) => r.status)).toEqual([503, 503, 503]);
    expect(refused.every((r) => r.headers.get('Retry-After') === '7')).toBe(true);
    expect(held).toHaveLength(5);
    expect(stack.stats().transactions.inviteServer).toBe(5);

    // Another address is not held back by this one's flood.
    const phone = await client('127.0.0.2');
    await phone.send(requestBytes({ sentBy: '127.0.0.2:5999', rport: true }), port);
    expect((await finals(phone, 1))[0]?.status).toBe(200);

    // A retransmission of a held INVITE matches its transaction: no 503 for it.
    const invite = requestBytes({
      method: 'INVITE',
      sentBy: '127.0.0.1:5999',
      rport: true,
      branch: 'z9hG4bK-held',
    });
    for (const tx of held.splice(0)) tx.respond(buildReply(tx.request, 486, 'Busy Here'));
    await finals(flood, 5);
    await flood.send(invite, port);
    await waitFor(() => held.length === 1);
    await flood.send(invite, port);
    await new Promise((r) => setTimeout(r, 100));
    expect(flood.inbox.messages.filter((m) => m.kind === 'response' && m.status === 503)).toEqual(
      [],
    );
    held[0]?.respond(buildReply(held[0].request, 486, 'Busy Here'));
  });

  it('in total: beyond the limit every new request gets 503 until transactions end', async () => {
    const { port, held } = await holdingStack({ transactions: { maxServerTransactions: 4 } });
    const a = await client('127.0.0.3');
    for (let i = 0; i < 4; i++) {
      await a.send(requestBytes({ method: 'INVITE', sentBy: '127.0.0.3:5999', rport: true }), port);
    }
    await waitFor(() => held.length === 4);
    const b = await client('127.0.0.4');
    await b.send(requestBytes({ sentBy: '127.0.0.4:5999', rport: true }), port);
    const [refused] = await finals(b, 1);
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('Retry-After')).toBe('10');
    // Answered over UDP, the INVITEs wait for an ACK until Timer H (64·T1), then make room.
    for (const tx of held) tx.respond(buildReply(tx.request, 486, 'Busy Here'));
    await finals(a, 4);
    await new Promise((r) => setTimeout(r, 64 * FAST_TIMERS.t1 + 100));
    await b.send(requestBytes({ sentBy: '127.0.0.4:5999', rport: true }), port);
    expect((await finals(b, 1))[0]?.status).toBe(200);
  });
});
