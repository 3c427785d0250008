/**
 * Listening on every address means IPv6 too (issue 9 §1): on `0.0.0.0` the stack also takes UDP
 * and TCP on `::`, same ports, and answers an IPv6 peer from its IPv6 socket. On loopback only
 * (`::1`, `127.0.0.1`).
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SipStack } from '../../../src/sip/stack.js';
import { FAST_TIMERS, answer200, requestBytes, waitFor } from './net-fixtures.js';

const stacks: SipStack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

async function everywhere(): Promise<SipStack> {
  const stack = new SipStack({ timers: FAST_TIMERS });
  stack.onRequest(answer200);
  stacks.push(stack);
  await stack.listen({ host: '0.0.0.0', udp: 0, tcp: 0 });
  return stack;
}

/** The first datagram a UDP socket of `type` on `address` gets back for `request`. */
async function overUdp(type: 'udp4' | 'udp6', address: string, port: number): Promise<string> {
  const socket = createSocket(type);
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const sentBy =
    type === 'udp6' ? `[::1]:${socket.address().port}` : `127.0.0.1:${socket.address().port}`;
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer over ${type}`)), 2000);
      socket.on('message', (data) => {
        clearTimeout(timer);
        resolve(data.toString());
      });
      socket.send(requestBytes({ sentBy, rport: true }), port, address);
    });
  } finally {
    socket.close();
  }
}

describe('a stack listening on every address', () => {
  it('answers over UDP on IPv4 and IPv6, on the same port', async () => {
    const stack = await everywhere();
    const port = stack.port('udp') ?? 0;
    expect(await overUdp('udp4', '127.0.0.1', port)).toMatch(/^SIP\/2\.0 200 /);
    expect(await overUdp('udp6', '::1', port)).toMatch(/^SIP\/2\.0 200 /);
    expect(stack.stats().sockets).toBe(4);
  });

  it('accepts TCP on IPv6, and gives an IPv6 peer its IPv6 address', async () => {
    const stack = await everywhere();
    const socket = connect({ host: '::1', port: stack.port('tcp') ?? 0 });
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    try {
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(requestBytes({ transport: 'TCP', sentBy: '[::1]:5999' }));
      await waitFor(() => answer.includes('\r\n\r\n'));
      expect(answer).toMatch(/^SIP\/2\.0 200 /);
      expect(stack.addressFor('::1')).toBe('::1');
    } finally {
      socket.destroy();
    }
  });
});
