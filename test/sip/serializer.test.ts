import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/sip/message/parser.js';
import { serializeMessage } from '../../src/sip/message/serializer.js';
import { createRequest, createResponse } from '../../src/sip/message/types.js';
import type { SipMessage } from '../../src/sip/message/types.js';
import { parseOk, sdp, wire } from './helpers.js';

function snapshot(m: SipMessage): unknown {
  const start =
    m.kind === 'request' ? [m.method, m.uri, m.version] : [m.version, m.status, m.reason];
  const headers = [...m.headers].filter((h) => h.name !== 'Content-Length');
  return { start, headers, body: m.body.toString('base64') };
}

const INVITE = wire(
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/TCP p1;branch=z9hG4bK1',
    'Max-Forwards: 70',
    't: Bob <sip:bob@biloxi.example.com>',
    'f: "Alice, A." <sip:alice@atlanta.example.com>;tag=1928301774',
    'i: a84b4c76e66710@pc33.atlanta.example.com',
    'cseq: 314159 INVITE',
    'm: <sip:alice@pc33.atlanta.example.com>',
    'X-Custom-Header: keep my spelling',
    'c: application/sdp',
    'l: 150',
  ],
  sdp(150),
);

describe('serializeMessage', () => {
  it('round-trips: parse(serialize(m)) equals m', () => {
    const m = parseOk(INVITE);
    const again = parseOk(serializeMessage(m));
    expect(snapshot(again)).toEqual(snapshot(m));
    expect(serializeMessage(again).equals(serializeMessage(m))).toBe(true);
  });

  it('writes canonical header names, one field per line, and the Content-Length last', () => {
    const text = serializeMessage(parseOk(INVITE)).toString();
    expect(text).toContain(
      '\r\nVia: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n',
    );
    expect(text).toContain('\r\nVia: SIP/2.0/TCP p1;branch=z9hG4bK1\r\n');
    expect(text).toContain('\r\nCSeq: 314159 INVITE\r\n');
    expect(text).toContain('\r\nCall-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n');
    expect(text).toContain('\r\nX-Custom-Header: keep my spelling\r\n');
    expect(text).toMatch(/\r\nContent-Length: 150\r\n\r\nv=0/);
  });

  it('corrects a stale Content-Length after the body changes', () => {
    const m = parseOk(INVITE);
    m.body = Buffer.from('short');
    const again = parseOk(serializeMessage(m));
    expect(again.headers.get('Content-Length')).toBe('5');
    expect(again.body.toString()).toBe('short');
  });

  it('serializes responses, including an empty reason phrase and UTF-8', () => {
    const r = createResponse(486, 'Occupé');
    r.headers.append('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1').append('Call-ID', 'x');
    const parsed = parseMessage(serializeMessage(r));
    expect(parsed.ok && parsed.message.kind === 'response' && parsed.message.reason).toBe('Occupé');
    const empty = createResponse(100, '');
    expect(serializeMessage(empty).toString()).toBe('SIP/2.0 100 \r\nContent-Length: 0\r\n\r\n');
  });

  it('keeps binary bodies intact', () => {
    const req = createRequest('MESSAGE', 'sip:a@b');
    req.body = Buffer.from([0, 1, 2, 0xff, 13, 10, 13, 10, 0]);
    const parsed = parseOk(serializeMessage(req));
    expect(parsed.body.equals(req.body)).toBe(true);
  });
});
