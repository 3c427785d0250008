/**
 * What a parsed message's header values keep alive: a lingering transaction keeps its final
 * response (built from the request's Via, From, To, Call-ID and CSeq) for 32 s, a binding its
 * Contact for an hour. Those values must not keep the whole received message with them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildReply, detach, getContacts, parseMessage } from '../../../src/sip/message/index.js';
import type { SipResponse } from '../../../src/sip/message/index.js';

// A full collection on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MESSAGES = 400;
const PADDING = 64 * 1024;

function datagram(i: number): Buffer {
  return Buffer.from(
    [
      `REGISTER sip:127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-memory-${i};rport`,
      'Max-Forwards: 70',
      `From: <sip:100@127.0.0.1>;tag=from-tag-${i}`,
      'To: <sip:100@127.0.0.1>',
      `Call-ID: call-id-of-message-${i}@127.0.0.1`,
      'CSeq: 1 REGISTER',
      `Contact: <sip:100@127.0.0.1:5070;line=${i}>`,
      // Whatever else a message carries: here one large header nobody keeps.
      `X-Padding: ${'p'.repeat(PADDING)}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('header values parsed from a message', () => {
  it('keep nothing of the message they came from', () => {
    const kept: { reply: SipResponse; contact: unknown }[] = [];
    const before = heapUsed();
    for (let i = 0; i < MESSAGES; i++) {
      const parsed = parseMessage(datagram(i));
      if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('unparsed');
      kept.push({
        reply: buildReply(parsed.message, 200, 'OK'),
        contact: getContacts(parsed.message)?.[0],
      });
    }
    const grown = heapUsed() - before;
    // Each message is over 64 KiB; what is kept of it is a few hundred bytes.
    expect(kept).toHaveLength(MESSAGES);
    expect(grown / MESSAGES).toBeLessThan(4 * 1024);
    expect(kept[7]?.reply.headers.get('Call-ID')).toBe('call-id-of-message-7@127.0.0.1');
  });

  it('copies what it detaches, character for character', () => {
    for (const s of ['', 'short', 'exactly13char', 'a longer value with ünïcödé and 😀 in it']) {
      expect(detach(s)).toBe(s);
    }
  });
});
