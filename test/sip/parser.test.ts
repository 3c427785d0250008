import { describe, expect, it } from 'vitest';
import { getCallId, getVias } from '../../src/sip/message/headers.js';
import { StreamParser, parseMessage } from '../../src/sip/message/parser.js';
import type { StreamEvent } from '../../src/sip/message/parser.js';
import { parseOk, wire } from './helpers.js';

const OPTIONS = [
  'OPTIONS sip:100@pbx.example.com SIP/2.0',
  'Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKa1',
  'To: <sip:100@pbx.example.com>',
  'From: <sip:101@pbx.example.com>;tag=1',
  'Call-ID: abc@192.0.2.1',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
];

function messages(events: StreamEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'message' ? [getCallId(e.message) ?? ''] : []));
}

function withCallId(id: string, body = ''): Buffer {
  const lines = OPTIONS.map((l) => (l.startsWith('Call-ID') ? `Call-ID: ${id}` : l));
  return wire([...lines, `Content-Length: ${Buffer.byteLength(body)}`], body);
}

describe('parseMessage', () => {
  it('splits list headers on commas but not inside quotes, <> or auth headers', () => {
    const m = parseOk(
      wire([
        ...OPTIONS,
        'Contact: "Doe, John" <sip:a@b;x=1,2>, <sip:c@d>',
        'Allow: INVITE,ACK , BYE',
        'WWW-Authenticate: Digest realm="a,b", nonce="n", qop="auth,auth-int"',
        'Date: Sat, 13 Nov 2010 23:29:00 GMT',
      ]),
    );
    expect(m.headers.getAll('contact')).toEqual(['"Doe, John" <sip:a@b;x=1,2>', '<sip:c@d>']);
    expect(m.headers.getAll('allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(m.headers.getAll('www-authenticate')).toHaveLength(1);
    expect(m.headers.get('date')).toBe('Sat, 13 Nov 2010 23:29:00 GMT');
  });

  it('expands compact forms and canonicalises names', () => {
    const m = parseOk(
      wire([
        'INVITE sip:a@b SIP/2.0',
        'i: x',
        'm: <sip:a@b>',
        'v: SIP/2.0/UDP h',
        'k: 100rel',
        'x: 90',
        'o: presence',
        'r: <sip:c@d>',
        'b: <sip:e@f>',
        'u: dialog',
        's: hi',
        'e: gzip',
        'c: text/plain',
        'f: <sip:a@b>',
        't: <sip:b@c>',
        'l: 0',
      ]),
    );
    expect([...m.headers].map((h) => h.name)).toEqual([
      'Call-ID',
      'Contact',
      'Via',
      'Supported',
      'Session-Expires',
      'Event',
      'Refer-To',
      'Referred-By',
      'Allow-Events',
      'Subject',
      'Content-Encoding',
      'Content-Type',
      'From',
      'To',
      'Content-Length',
    ]);
  });

  it('uses the rest of a UDP datagram as body when Content-Length is absent', () => {
    const m = parseOk(wire(OPTIONS, 'hello'));
    expect(m.body.toString()).toBe('hello');
  });

  it('truncates the body to Content-Length', () => {
    const m = parseOk(wire([...OPTIONS, 'Content-Length: 3'], 'hello'));
    expect(m.body.toString()).toBe('hel');
  });

  it('ignores leading CRLFs and accepts bare LF line ends', () => {
    const m = parseOk(Buffer.from(`\r\n\r\n${OPTIONS.join('\n')}\nContent-Length: 2\n\nhi`));
    expect(m.kind).toBe('request');
    expect(m.body.toString()).toBe('hi');
  });

  it('reports what it could read so the transport can choose between 400 and drop', () => {
    const bad = parseMessage(wire([...OPTIONS, 'this is not a header']));
    expect(bad).toMatchObject({
      ok: false,
      error: { reason: 'malformed header line', canReply: true },
    });
    if (!bad.ok) expect(bad.error.partial.headers.get('call-id')).toBe('abc@192.0.2.1');
    const noVia = parseMessage(wire([...OPTIONS.filter((l) => !l.startsWith('Via')), 'junk']));
    expect(noVia).toMatchObject({ ok: false, error: { canReply: false } });
    const ack = parseMessage(wire([...OPTIONS.map((l) => l.replace(/OPTIONS/g, 'ACK')), 'junk']));
    expect(ack).toMatchObject({ ok: false, error: { canReply: false } });
    expect(parseMessage(Buffer.alloc(0))).toMatchObject({ ok: false });
    expect(parseMessage(Buffer.from(OPTIONS.join('\r\n')))).toMatchObject({
      ok: false,
      error: { reason: 'header section not terminated by an empty line', canReply: true },
    });
  });

  it('rejects a header line that starts with whitespace before any header', () => {
    const r = parseMessage(wire([OPTIONS[0] ?? '', ' folded', ...OPTIONS.slice(1)]));
    expect(r).toMatchObject({
      ok: false,
      error: { reason: 'continuation line before any header' },
    });
  });

  it('keeps IPv6 Via references', () => {
    const m = parseOk(
      wire([
        'OPTIONS sip:[::1]:5070 SIP/2.0',
        'Via: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bKx;rport=5062;received=2001:db8::9',
      ]),
    );
    expect(getVias(m)?.[0]).toMatchObject({
      host: '[2001:db8::1]',
      port: 5062,
      rport: 5062,
      received: '2001:db8::9',
    });
  });
});

describe('StreamParser', () => {
  it('frames several messages in one chunk and one message split byte by byte', () => {
    const p = new StreamParser();
    const two = Buffer.concat([withCallId('one', 'body'), withCallId('two')]);
    expect(messages(p.push(two))).toEqual(['one', 'two']);
    const three = withCallId('three', 'xyz');
    const events: StreamEvent[] = [];
    for (let i = 0; i < three.length; i++) events.push(...p.push(three.subarray(i, i + 1)));
    expect(messages(events)).toEqual(['three']);
    const msg = events[0];
    expect(msg?.type === 'message' && msg.message.body.toString()).toBe('xyz');
    expect(p.buffered).toBe(0);
  });

  it('reports CRLFCRLF keep-alive pings and skips lone CRLF pongs', () => {
    const p = new StreamParser();
    expect(p.push(Buffer.from('\r\n\r\n'))).toEqual([{ type: 'ping' }]);
    expect(p.push(Buffer.from('\r\n'))).toEqual([]);
    const events = p.push(Buffer.concat([withCallId('after-pong'), Buffer.from('\r\n\r\n')]));
    expect(events.map((e) => e.type)).toEqual(['message', 'ping']);
  });

  it('treats a missing Content-Length as fatal and then ignores input', () => {
    const p = new StreamParser();
    const events = p.push(wire(OPTIONS));
    expect(events).toMatchObject([
      {
        type: 'error',
        fatal: true,
        error: { reason: 'missing Content-Length on a stream transport' },
      },
    ]);
    expect(p.push(withCallId('later'))).toEqual([]);
  });

  it('bounds memory: an endless header section is cut off', () => {
    const p = new StreamParser({ maxHeaderBytes: 1024 });
    let events: StreamEvent[] = [];
    p.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\nX-Endless: '));
    for (let i = 0; i < 100 && events.length === 0; i++) events = p.push(Buffer.alloc(100, 0x61));
    expect(events).toMatchObject([
      { type: 'error', fatal: true, error: { reason: 'header section too large' } },
    ]);
    expect(p.buffered).toBe(0);
  });

  it('refuses a body larger than the limit', () => {
    const p = new StreamParser({ maxBodyBytes: 10 });
    expect(p.push(withCallId('big', 'x'.repeat(11)))).toMatchObject([
      { type: 'error', fatal: true, error: { reason: 'body too large' } },
    ]);
  });

  it('reports a malformed but framed message without losing the stream', () => {
    const p = new StreamParser();
    const bad = wire(['INVITE  sip:a@b SIP/2.0', 'Content-Length: 0']);
    const events = p.push(Buffer.concat([bad, withCallId('next')]));
    expect(events.map((e) => e.type)).toEqual(['error', 'message']);
    expect(events[0]).toMatchObject({ fatal: false, error: { reason: 'malformed Request-Line' } });
  });
});
