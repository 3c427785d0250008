import { describe, expect, it } from 'vitest';
import {
  contactExpires,
  contactQ,
  formatAuthHeader,
  formatNameAddr,
  formatVia,
  isValidCallId,
  parseAuthHeader,
  parseCSeq,
  parseContact,
  parseContentLength,
  parseDigestChallenge,
  parseDigestCredentials,
  parseMaxForwards,
  parseNameAddr,
  parseVia,
} from '../../src/sip/message/headers.js';
import { getFrom, getVias } from '../../src/sip/message/headers.js';
import { Headers, createRequest } from '../../src/sip/message/types.js';

describe('Via', () => {
  it('parses transport, sent-by and parameters', () => {
    expect(
      parseVia('SIP/2.0/udp pc33.example.com:5066;branch=z9hG4bK776;rport;received=192.0.2.1'),
    ).toMatchObject({
      protocol: 'SIP',
      version: '2.0',
      transport: 'UDP',
      host: 'pc33.example.com',
      port: 5066,
      branch: 'z9hG4bK776',
      rport: null,
      received: '192.0.2.1',
    });
    expect(parseVia('SIP/2.0/WSS [::1];branch=z9hG4bKx')).toMatchObject({
      host: '[::1]',
      transport: 'WSS',
    });
  });

  it.each([
    'SIP/2.0 host',
    'SIP/2.0/UDP',
    'SIP/2.0/UDPhost',
    'SIP/2.0/UDP host:99999',
    'SIP/2.0/UDP host:0',
    'SIP/2.0/UDP host:5060;rport=0',
    'SIP/2.0/UDP host:5060;rport=65536',
    'SIP/2.0/UDP host;branch',
    'SIP/2.0/UDP host;',
    'SIP/2.0/UDP [::1',
  ])('rejects %s', (v) => expect(parseVia(v)).toBeNull());

  it('formats a parsed Via back', () => {
    const via = parseVia('SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKa;rport=5060');
    expect(via && formatVia(via)).toBe('SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKa;rport=5060');
  });
});

describe('name-addr', () => {
  it('parses display names, URIs and parameters', () => {
    expect(parseNameAddr('"Alice \\"A\\"" <sip:alice@example.com>;tag=88sja8x;expires=60')).toEqual(
      {
        displayName: 'Alice "A"',
        uri: 'sip:alice@example.com',
        params: new Map([
          ['tag', '88sja8x'],
          ['expires', '60'],
        ]),
        tag: '88sja8x',
      },
    );
    expect(parseNameAddr('Bob  Smith <sip:bob@example.com>')?.displayName).toBe('Bob Smith');
    expect(parseNameAddr('sip:carol@example.com;tag=1')).toMatchObject({
      uri: 'sip:carol@example.com',
      tag: '1',
    });
    expect(parseNameAddr('<tel:+33123456789>')?.uri).toBe('tel:+33123456789');
  });

  it.each([
    '',
    '<sip:a@b',
    '"unterminated <sip:a@b>',
    '<sip:a@b>;',
    '<sip:a@b>;tag',
    '<not a uri>',
    'sip:a@b?x=y',
    '<sip:a@b> junk',
  ])('rejects %j', (v) => expect(parseNameAddr(v)).toBeNull());

  it('parses Contact *, expires and q', () => {
    expect(parseContact(' * ')).toBe('*');
    const c = parseNameAddr('<sip:a@b>;expires=3600;q=0.7');
    expect(c && [contactExpires(c), contactQ(c)]).toEqual([3600, 0.7]);
    const bad = parseNameAddr('<sip:a@b>;expires=99999999999;q=1.5');
    expect(bad && [contactExpires(bad), contactQ(bad)]).toEqual([undefined, undefined]);
  });

  it('formats with quoting', () => {
    const na = parseNameAddr('"A \\\\ B" <sip:a@b>;tag=1');
    expect(na && formatNameAddr(na)).toBe('"A \\\\ B" <sip:a@b>;tag=1');
  });
});

describe('scalar headers', () => {
  it('CSeq', () => {
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('2147483648 INVITE')).toBeNull();
    expect(parseCSeq('1INVITE')).toBeNull();
    expect(parseCSeq('1 INVITE x')).toBeNull();
    expect(parseCSeq('-1 INVITE')).toBeNull();
  });

  it('Max-Forwards, Content-Length, Call-ID', () => {
    expect(parseMaxForwards('70')).toBe(70);
    expect(parseMaxForwards('256')).toBeNull();
    expect(parseContentLength('000150')).toBe(150);
    expect(parseContentLength('1e3')).toBeNull();
    expect(parseContentLength('9'.repeat(40))).toBeNull();
    expect(isValidCallId('a84b4c76e66710@pc33.atlanta.com')).toBe(true);
    expect(isValidCallId('has space')).toBe(false);
    expect(isValidCallId('a@b@c')).toBe(false);
  });
});

describe('digest', () => {
  it('parses a challenge with quoted-string escapes and qop options', () => {
    const c = parseDigestChallenge(
      'Digest realm="pbx \\"main\\"", nonce="abc,def", qop="auth,auth-int", algorithm=SHA-256, stale=TRUE, opaque="o"',
    );
    expect(c).toMatchObject({
      realm: 'pbx "main"',
      nonce: 'abc,def',
      qop: ['auth', 'auth-int'],
      algorithm: 'SHA-256',
      stale: true,
      opaque: 'o',
    });
    expect(parseDigestChallenge('Digest nonce="x"')).toBeNull();
    expect(parseDigestChallenge('Basic realm="x"')).toBeNull();
  });

  it('parses credentials', () => {
    const c = parseDigestCredentials(
      'Digest username="101", realm="pbx", nonce="n", uri="sip:pbx", response="0123", cnonce="c", qop=auth, nc=00000001',
    );
    expect(c).toMatchObject({
      username: '101',
      uri: 'sip:pbx',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'c',
    });
    expect(parseDigestCredentials('Digest username="101"')).toBeNull();
    expect(parseAuthHeader('Digest realm="unterminated')).toBeNull();
  });

  it('formats what it parses', () => {
    const text = formatAuthHeader(
      'Digest',
      [
        ['realm', 'a"b'],
        ['nonce', 'n'],
        ['algorithm', 'MD5'],
      ],
      new Set(['realm', 'nonce']),
    );
    expect(parseDigestChallenge(text)).toMatchObject({
      realm: 'a"b',
      nonce: 'n',
      algorithm: 'MD5',
    });
  });
});

describe('lazy accessors', () => {
  it('cache per header and refresh when the header changes', () => {
    const m = createRequest('INVITE', 'sip:a@b');
    m.headers.append('Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2');
    m.headers.append('From', '<sip:x@y>;tag=1');
    const vias = getVias(m);
    expect(vias?.map((v) => v.host)).toEqual(['a', 'b']);
    expect(getVias(m)).toBe(vias);
    m.headers.prepend('v', 'SIP/2.0/TCP c;branch=z9hG4bK3');
    expect(getVias(m)?.map((v) => v.host)).toEqual(['c', 'a', 'b']);
    expect(getFrom(m)?.tag).toBe('1');
    m.headers.removeFirst('Via');
    expect(getVias(m)?.[0]?.host).toBe('a');
    expect(() => m.headers.append('X', 'a\r\nInjected: 1')).toThrow(TypeError);
  });
});

describe('Headers names and cached views', () => {
  it('stores every spelling of a known header under one key and writes its canonical name', () => {
    const h = new Headers()
      .append('i', 'a@b')
      .append('CALL-ID', 'c@d')
      .append('V', 'SIP/2.0/UDP h1;branch=z9hG4bK1')
      .append('via', 'SIP/2.0/UDP h2;branch=z9hG4bK2')
      .append('x-Custom', '1')
      .append('X-CUSTOM', '2');
    expect(h.getAll('Call-ID')).toEqual(['a@b', 'c@d']);
    expect(h.count('v')).toBe(2);
    expect([...h].map((f) => f.name)).toEqual([
      'Call-ID',
      'Call-ID',
      'Via',
      'Via',
      'x-Custom',
      'X-CUSTOM',
    ]);
    expect(h.getAll('x-custom')).toEqual(['1', '2']);
  });

  it('recomputes a cached view once its header changes, and only then', () => {
    const m = createRequest('OPTIONS', 'sip:a@b');
    m.headers.append('Via', 'SIP/2.0/UDP h1;branch=z9hG4bK1');
    const first = getVias(m);
    expect(getVias(m)).toBe(first);
    m.headers.append('From', '<sip:a@b>;tag=1');
    expect(getVias(m)).toBe(first);
    m.headers.prepend('v', 'SIP/2.0/TCP h0;branch=z9hG4bK0');
    expect(getVias(m)?.map((v) => v.host)).toEqual(['h0', 'h1']);
    m.headers.removeFirst('VIA');
    expect(getVias(m)?.map((v) => v.host)).toEqual(['h1']);
    expect(getFrom(m)?.tag).toBe('1');
  });
});
