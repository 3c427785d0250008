import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseMessage } from '../../../src/sip/message/index.js';
import type { SipMessage } from '../../../src/sip/message/index.js';
import { buildReply } from '../../../src/sip/message/index.js';
import type { Source } from '../../../src/sip/transport/index.js';
import { requestBytes, startStack, waitFor } from './net-fixtures.js';
import type { TestStack } from './net-fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function wsStack(): Promise<TestStack & { port: number; sources: Source[] }> {
  const sources: Source[] = [];
  const t = await startStack(
    (req, tx, source) => {
      sources.push(source);
      if (tx) tx.respond(buildReply(req, 200, 'OK'));
    },
    {},
    { ws: 0 },
  );
  cleanups.push(() => t.stack.close());
  const port = t.stack.port('ws');
  if (port === undefined) throw new Error('no ws listener');
  return { ...t, port, sources };
}

async function open(
  port: number,
  protocols: string[],
): Promise<{ ws: WebSocket; frames: { data: SipMessage; binary: boolean }[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, protocols);
  cleanups.push(() => ws.terminate());
  const frames: { data: SipMessage; binary: boolean }[] = [];
  ws.on('message', (data: Buffer, binary: boolean) => {
    const r = parseMessage(data);
    if (r.ok) frames.push({ data: r.message, binary });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames };
}

describe('WebSocket transport (RFC 7118)', () => {
  it('negotiates the sip subprotocol and carries one message per frame both ways', async () => {
    const { stack, port, sources, received } = await wsStack();
    const { ws, frames } = await open(port, ['sip']);
    expect(ws.protocol).toBe('sip');
    ws.send(requestBytes({ transport: 'WS', sentBy: 'abc.invalid', callId: 'ws-1' }).toString());
    ws.send(requestBytes({ transport: 'WS', sentBy: 'abc.invalid', callId: 'ws-2' }));
    await waitFor(() => frames.length === 2);
    expect(frames.map((f) => f.data.headers.get('Call-ID'))).toEqual(['ws-1', 'ws-2']);
    expect(frames.every((f) => !f.binary)).toBe(true);
    expect(received).toHaveLength(2);
    const source = sources[0];
    expect(source?.protocol).toBe('ws');
    expect(source?.connectionId).toBeDefined();
    if (!source) throw new Error('no source');
    // The PBX reaches a browser only over the connection the browser opened.
    const req = parseMessage(requestBytes({ method: 'MESSAGE', body: 'hi', callId: 'ws-3' }));
    if (!req.ok || req.message.kind !== 'request') throw new Error('bad fixture');
    stack.sendRequest(req.message, source, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    await waitFor(() => frames.length === 3);
    expect(frames[2]?.data.headers.get('Via')).toMatch(
      /^SIP\/2.0\/WS 127.0.0.1:\d+;branch=z9hG4bK/,
    );
    expect(stack.stats().connections).toBe(1);
  });

  it('refuses a handshake without the sip subprotocol', async () => {
    const { port, stack } = await wsStack();
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    expect(status).toBe(400);
    expect(stack.stats().connections).toBe(0);
  });

  it('drops a garbage frame and keeps the connection answering', async () => {
    const { port, errors } = await wsStack();
    const { ws, frames } = await open(port, ['sip']);
    ws.send(Buffer.from([0, 1, 2, 3, 0xff]));
    ws.send('\r\n\r\n');
    ws.send(requestBytes({ transport: 'WS', sentBy: 'abc.invalid', callId: 'after' }).toString());
    await waitFor(() => frames.length === 1);
    expect(frames[0]?.data.headers.get('Call-ID')).toBe('after');
    expect(errors).toEqual([]);
  });
});
