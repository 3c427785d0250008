import { describe, expect, it } from 'vitest';
import { buildReply, createTag, getTo, parseMessage } from '../../../src/sip/message/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';

function request(to: string, extra: string[] = []): SipRequest {
  const text = [
    'INVITE sip:100@pbx.test SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKone;received=203.0.113.9',
    'Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKtwo',
    'Max-Forwards: 70',
    'From: <sip:bob@carrier.test>;tag=ftag',
    `To: ${to}`,
    'Call-ID: reply-test@198.51.100.7',
    'CSeq: 7 INVITE',
    'Timestamp: 54.2',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const parsed = parseMessage(Buffer.from(text));
  if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('bad test request');
  return parsed.message;
}

describe('buildReply (RFC 3261 §8.2.6.2)', () => {
  it('copies every Via in order, From, Call-ID and CSeq', () => {
    const r = buildReply(request('<sip:100@pbx.test>'), 486, 'Busy Here');
    expect(r.status).toBe(486);
    expect(r.reason).toBe('Busy Here');
    expect(r.headers.getAll('Via')).toEqual([
      'SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKone;received=203.0.113.9',
      'SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKtwo',
    ]);
    expect(r.headers.get('From')).toBe('<sip:bob@carrier.test>;tag=ftag');
    expect(r.headers.get('Call-ID')).toBe('reply-test@198.51.100.7');
    expect(r.headers.get('CSeq')).toBe('7 INVITE');
    expect(r.headers.has('Timestamp')).toBe(false);
  });

  it('adds a To tag (the one given, else a fresh one) except on 100 or when one exists', () => {
    const req = request('<sip:100@pbx.test>');
    expect(getTo(buildReply(req, 180, 'Ringing', 'mine'))?.tag).toBe('mine');
    const fresh = getTo(buildReply(req, 404, 'Not Found'))?.tag;
    expect(fresh).toMatch(/^[0-9a-f]{12}$/);
    expect(getTo(buildReply(req, 100, 'Trying'))?.tag).toBeUndefined();
    const tagged = request('<sip:100@pbx.test>;tag=theirs');
    expect(getTo(buildReply(tagged, 200, 'OK', 'mine'))?.tag).toBe('theirs');
  });

  it('echoes Timestamp on a 100 only (§8.2.6.1)', () => {
    const req = request('<sip:100@pbx.test>');
    expect(buildReply(req, 100, 'Trying').headers.get('Timestamp')).toBe('54.2');
    expect(buildReply(req, 180, 'Ringing').headers.has('Timestamp')).toBe(false);
  });
});

describe('createTag (RFC 3261 §19.3)', () => {
  it('gives 48 random bits as hex, different each time', () => {
    const tags = new Set(Array.from({ length: 200 }, () => createTag()));
    expect(tags.size).toBe(200);
    for (const tag of tags) expect(tag).toMatch(/^[0-9a-f]{12}$/);
  });
});
