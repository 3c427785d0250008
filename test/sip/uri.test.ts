import { describe, expect, it } from 'vitest';
import { formatUri, parseSipUri, parseUri, uriEquals, uriUser } from '../../src/sip/message/uri.js';

function eq(a: string, b: string): boolean {
  const ua = parseUri(a);
  const ub = parseUri(b);
  if (!ua || !ub) throw new Error(`unparsable: ${a} / ${b}`);
  return uriEquals(ua, ub);
}

describe('parseUri', () => {
  it('parses every SIP URI component', () => {
    expect(
      parseSipUri('sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x='),
    ).toEqual({
      kind: 'sip',
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: '[2001:db8::1]',
      port: 5061,
      params: new Map([
        ['transport', 'tcp'],
        ['lr', null],
      ]),
      headers: new Map([
        ['subject', 'hi'],
        ['x', ''],
      ]),
    });
    expect(parseSipUri('SIP:pbx.example.com')).toMatchObject({
      scheme: 'sip',
      host: 'pbx.example.com',
    });
  });

  it('keeps tel: and other schemes opaque', () => {
    expect(parseUri('tel:+33-1-23-45-67-89;phone-context=example.com')).toEqual({
      kind: 'absolute',
      scheme: 'tel',
      value: '+33-1-23-45-67-89;phone-context=example.com',
    });
  });

  it.each([
    'sip:',
    'sip:@host',
    'sip:user@',
    'sip:user@host:99999',
    'sip:user@host:abc',
    'sip:us er@host',
    'sip:user@ho st',
    'sip:user@host;lr;lr',
    'sip:user@host?noequals',
    'sip:user@[::1',
    'sip:a%zz@host',
    'nocolon',
    '1abc:x',
    'tel:',
    'sip:user@host>',
    'sip:user@host:0',
    'sip:user@host:65536',
  ])('rejects %s', (text) => {
    expect(parseUri(text)).toBeNull();
  });

  it('formats back to the same text', () => {
    for (const text of [
      'sip:alice@example.com',
      'sips:a:b@[::1]:5061;transport=tls;lr?h=v&i=w',
      'sip:%61lice@example.com;maddr=192.0.2.1',
      'tel:+33123456789',
    ]) {
      const uri = parseUri(text);
      expect(uri && formatUri(uri)).toBe(text);
    }
  });

  it('decodes the user part for lookups', () => {
    const uri = parseSipUri('sip:%31%30%31@pbx');
    expect(uri && uriUser(uri)).toBe('101');
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
  ])('%s equals %s', (a, b) => {
    expect(eq(a, b)).toBe(true);
    expect(eq(b, a)).toBe(true);
  });

  it.each([
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:a%3Bb@x', 'sip:a;b@x'],
    ['sip:a@x', 'sips:a@x'],
    ['sip:a@x', 'tel:+1'],
  ])('%s differs from %s', (a, b) => {
    expect(eq(a, b)).toBe(false);
  });
});
