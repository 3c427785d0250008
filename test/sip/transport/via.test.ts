import { describe, expect, it } from 'vitest';
import { getTopVia, parseVia } from '../../../src/sip/message/index.js';
import {
  normalizeAddress,
  responseAddress,
  stampReceived,
} from '../../../src/sip/transport/index.js';

import { buildReply } from '../../../src/sip/message/index.js';
import { parseOk, wire } from '../helpers.js';

function req(via: string): ReturnType<typeof parseOk> {
  return parseOk(
    wire([
      'OPTIONS sip:x@example.com SIP/2.0',
      `Via: ${via}`,
      'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp',
      'From: <sip:a@example.com>;tag=1',
      'To: <sip:x@example.com>',
      'Call-ID: c',
      'CSeq: 1 OPTIONS',
      'Timestamp: 54',
    ]),
  );
}

function via(text: string): NonNullable<ReturnType<typeof parseVia>> {
  const v = parseVia(text);
  if (!v) throw new Error('bad via');
  return v;
}

describe('Via stamping (RFC 3261 §18.2.1, RFC 3581)', () => {
  it('adds received when the sent-by differs from the source', () => {
    const m = req('SIP/2.0/UDP host.example.com:5070;branch=z9hG4bK1');
    expect(stampReceived(m, '203.0.113.9', 40000)).toBe(true);
    expect(m.headers.getAll('Via')).toEqual([
      'SIP/2.0/UDP host.example.com:5070;branch=z9hG4bK1;received=203.0.113.9',
      'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp',
    ]);
  });

  it('leaves the Via alone when the sent-by is the source address and no rport is asked', () => {
    const m = req('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1');
    stampReceived(m, '2001:db8::1', 5060);
    expect(m.headers.get('Via')).toBe('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1');
  });

  it('fills an empty rport and always adds received with it', () => {
    const m = req('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1');
    stampReceived(m, '10.0.0.1', 61000);
    expect(getTopVia(m)?.rport).toBe(61000);
    expect(getTopVia(m)?.received).toBe('10.0.0.1');
  });

  it('reports an unreadable Via', () => {
    expect(stampReceived(req('garbage'), '10.0.0.1', 1)).toBe(false);
  });
});

describe('response routing (RFC 3261 §18.2.2)', () => {
  it('prefers maddr when trusted, then received with rport or the sent-by port, then the sent-by', () => {
    const withMaddr = via('SIP/2.0/UDP a.example.com:5070;maddr=224.0.1.75;received=1.2.3.4');
    expect(responseAddress(withMaddr, true)).toEqual({ address: '224.0.1.75', port: 5070 });
    // Untrusted (the default): maddr would let a sender aim our responses at a third party.
    expect(responseAddress(withMaddr)).toEqual({ address: '1.2.3.4', port: 5070 });
    expect(
      responseAddress(via('SIP/2.0/UDP a.example.com:5070;received=1.2.3.4;rport=9999')),
    ).toEqual({
      address: '1.2.3.4',
      port: 9999,
    });
    expect(responseAddress(via('SIP/2.0/UDP a.example.com:5070;received=1.2.3.4'))).toEqual({
      address: '1.2.3.4',
      port: 5070,
    });
    expect(responseAddress(via('SIP/2.0/TCP [2001:db8::2]'))).toEqual({
      address: '2001:db8::2',
      port: 5060,
    });
  });

  it('normalises IPv4-mapped and bracketed addresses', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('[::1]')).toBe('::1');
  });
});

describe('buildReply (RFC 3261 §8.2.6.2)', () => {
  it('copies Via in order, From, Call-ID, CSeq, and tags To except on 100', () => {
    const m = req('SIP/2.0/UDP h;branch=z9hG4bK1');
    const ok = buildReply(m, 200, 'OK', 'mytag');
    expect(ok.headers.getAll('Via')).toEqual(m.headers.getAll('Via'));
    expect(ok.headers.get('To')).toBe('<sip:x@example.com>;tag=mytag');
    expect(ok.headers.get('CSeq')).toBe('1 OPTIONS');
    expect(ok.headers.has('Timestamp')).toBe(false);
    const trying = buildReply(m, 100, 'Trying');
    expect(trying.headers.get('To')).toBe('<sip:x@example.com>');
    expect(trying.headers.get('Timestamp')).toBe('54');
  });
});
