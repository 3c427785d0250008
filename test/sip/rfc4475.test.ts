/**
 * RFC 4475 "SIP Torture Test Messages", re-typed for this suite. Where the RFC's SDP bodies are
 * not essential they are replaced by generated SDP of the same length (see `sdp()`).
 */
import { describe, expect, it } from 'vitest';
import {
  contactQ,
  getCSeq,
  getCallId,
  getContacts,
  getFrom,
  getMaxForwards,
  getRoutes,
  getTo,
  getVias,
  isRfc3261Branch,
  paramValue,
  parseAuthHeader,
} from '../../src/sip/message/headers.js';
import type { NameAddr } from '../../src/sip/message/headers.js';
import type { SipMessage } from '../../src/sip/message/types.js';
import { parseSipUri, parseUri, uriEquals, uriParam, uriUser } from '../../src/sip/message/uri.js';
import { validateMessage } from '../../src/sip/message/validate.js';
import { parseOk, refusal, sdp, validRequest, validResponse, wire } from './helpers.js';

function contact(m: SipMessage, i = 0): NameAddr {
  const c = getContacts(m)?.[i];
  if (c === undefined || c === '*') throw new Error('no contact');
  return c;
}

describe('RFC 4475 §3.1.1 valid messages', () => {
  it('3.1.1.1 wsinv: folded, oddly spaced and compact headers', () => {
    const m = validRequest(
      wire(
        [
          'INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0',
          'TO :',
          ' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n',
          'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
          '  ;',
          '  tag = 98asjd8',
          'MaX-fOrWaRdS: 0068',
          'Call-ID: wsinv.ndaksdj@192.0.2.1',
          'Content-Length   : 150',
          'cseq: 0009',
          '  INVITE',
          'Via  : SIP  /   2.0',
          ' /UDP',
          '    192.0.2.2;branch=390skdjuw',
          's :',
          'NewFangledHeader:   newfangled value',
          ' continued newfangled value',
          'UnknownHeaderWithUnusualValue: ;;,,;;,;',
          'Content-Type: application/sdp',
          'Route:',
          ' <sip:services.example.com;lr;unknownwith=value;unknown-no-value>',
          'v:  SIP  / 2.0  / TCP     spindle.example.com   ;',
          '  branch  =   z9hG4bK9ikj8  ,',
          ' SIP  /    2.0   / UDP  192.168.255.111   ; branch=',
          ' z9hG4bK30239',
          'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
          '      newvalue ;',
          '  secondparam ; q = 0.33',
        ],
        sdp(150),
      ),
    );
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:vivekg@chair-dnrc.example.com;unknownparam');
    expect(getTo(m)).toMatchObject({
      uri: 'sip:vivekg@chair-dnrc.example.com',
      tag: '1918181833n',
    });
    expect(getFrom(m)).toMatchObject({
      displayName: 'J Rosenberg \\"',
      uri: 'sip:jdrosen@example.com',
      tag: '98asjd8',
    });
    expect(getMaxForwards(m)).toBe(68);
    expect(getCSeq(m)).toEqual({ seq: 9, method: 'INVITE' });
    expect(getCallId(m)).toBe('wsinv.ndaksdj@192.0.2.1');
    const vias = getVias(m) ?? [];
    expect(vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.headers.get('Subject')).toBe('');
    expect(m.headers.get('newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(m.headers.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(getRoutes(m)?.map((r) => r.uri)).toEqual([
      'sip:services.example.com;lr;unknownwith=value;unknown-no-value',
    ]);
    const c = contact(m);
    expect(c.displayName).toBe('Quoted string ""');
    expect(c.params.get('newparam')).toBe('newvalue');
    expect(c.params.get('secondparam')).toBeNull();
    expect(contactQ(c)).toBe(0.33);
    expect(m.body.length).toBe(150);
  });

  it('3.1.1.2 intmeth: unknown method and a wide range of valid characters', () => {
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    const ruri =
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
    const m = validRequest(
      wire([
        `${method} ${ruri} SIP/2.0`,
        "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
        'To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F" ' +
          "<sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>",
        "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>" +
          ";fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
        'Call-ID: intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{',
        `CSeq: 139122385 ${method}`,
        'Max-Forwards: 255',
        "extensionHeader-!.%*+_`'~:\uFEFF大停電",
        'Content-Length: 0',
      ]),
    );
    expect(m.method).toBe(method);
    const uri = parseSipUri(m.uri);
    expect(uri?.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri?.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(getTo(m)?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7F');
    const from = getFrom(m);
    expect(from?.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(from?.tag).toBe("_token~1'+`*%!-.");
    expect(paramValue(from?.params ?? new Map(), "fromParam''~+*_!.-%")).toBe('работающий');
    expect(getCallId(m)).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(getCSeq(m)?.method).toBe(method);
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe('\uFEFF大停電');
  });

  it('3.1.1.3 esc01: escaped characters compare equal to their unescaped form', () => {
    const m = validRequest(
      wire(
        [
          'INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0',
          'To: sip:%75se%72@example.com',
          'From: <sip:I%20have%20spaces@example.net>;tag=938',
          'Max-Forwards: 87',
          'i: esc01.239409asdfakjkn23onasd0-3234',
          'CSeq: 234234 INVITE',
          'Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw',
          'C: application/sdp',
          'Contact:',
          '  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>',
          'Content-Length: 150',
        ],
        sdp(150),
      ),
    );
    const ruri = parseSipUri(m.uri);
    if (!ruri) throw new Error('bad Request-URI');
    expect(uriUser(ruri)).toBe('sips:user@example.com');
    expect(ruri.host).toBe('example.net');
    const to = parseUri(getTo(m)?.uri ?? '');
    const plain = parseUri('sip:user@example.com');
    if (!to || !plain) throw new Error('bad To');
    expect(uriEquals(to, plain)).toBe(true);
    expect(uriUser(parseSipUri(getFrom(m)?.uri ?? '') ?? ruri)).toBe('I have spaces');
    const c = parseSipUri(contact(m).uri);
    if (!c) throw new Error('bad Contact');
    expect(uriUser(c)).toBe('caller');
    expect(c.params.has('lr')).toBe(true);
    expect(uriParam(c, 'name')).toBe('value%41');
    expect(m.headers.get('Content-Type')).toBe('application/sdp');
  });

  it('3.1.1.4 escnull: escaped NULs in URIs', () => {
    const m = validRequest(
      wire([
        'REGISTER sip:example.com SIP/2.0',
        'To: sip:null-%00-null@example.com',
        'From: sip:null-%00-null@example.com;tag=839923423',
        'Max-Forwards: 70',
        'Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd',
        'CSeq: 14398234 REGISTER',
        'Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw',
        'Contact: <sip:%00@host5.example.com>',
        'Contact: <sip:%00%00@host5.example.com>',
        'L:0',
      ]),
    );
    const to = parseSipUri(getTo(m)?.uri ?? '');
    expect(to && uriUser(to)).toBe('null-\x00-null');
    const users = (getContacts(m) ?? []).map((c) => {
      const u = c === '*' ? null : parseSipUri(c.uri);
      return u && uriUser(u);
    });
    expect(users).toEqual(['\x00', '\x00\x00']);
  });

  it('3.1.1.5 esc02: % that is not an escape, escaped method and header name', () => {
    const m = validRequest(
      wire([
        'RE%47IST%45R sip:registrar.example.com SIP/2.0',
        'To: "%Z%45" <sip:resource@example.com>',
        'From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23',
        'Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf',
        'Via: SIP/2.0/TCP host.example.com;rport;branch=z9hG4bK209asdjf',
        'CSeq: 29344 RE%47IST%45R',
        'Max-Forwards: 70',
        'Contact: <sip:alias1@host1.example.com>',
        'C%6Fntact: <sip:alias2@host2.example.com>',
        'Contact: <sip:alias3@host3.example.com>',
        'l: 0',
      ]),
    );
    // Escapes are not decoded in methods or header names: this is an unknown method.
    expect(m.method).toBe('RE%47IST%45R');
    expect(getTo(m)?.displayName).toBe('%Z%45');
    expect(getVias(m)?.[0]?.rport).toBeNull();
    expect(getContacts(m)).toHaveLength(2);
    expect(m.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('3.1.1.6 lwsdisp: no LWS between display name and <', () => {
    const m = validRequest(
      wire([
        'OPTIONS sip:user@example.com SIP/2.0',
        'To: sip:user@example.com',
        'From: caller<sip:caller@example.com>;tag=323',
        'Max-Forwards: 70',
        'Call-ID: lwsdisp.1234abcd@funky.example.com',
        'CSeq: 60 OPTIONS',
        'Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw',
        'l: 0',
      ]),
    );
    expect(getFrom(m)).toMatchObject({
      displayName: 'caller',
      uri: 'sip:caller@example.com',
      tag: '323',
    });
  });

  it('3.1.1.7 longreq: long values in header fields', () => {
    const vias: string[] = [];
    const spellings = ['Via', 'v', 'V', 'Via', 'ViA', 'VIa', 'VIA', 'via', 'viA', 'vIa', 'vIA'];
    const spaced = ['V : ', 'v : ', 'V  :', 'v  :', 'Via :', 'Via  :'];
    let n = 33;
    for (const s of spellings) vias.push(`${s}: SIP/2.0/TCP sip${n--}.example.com`);
    for (const s of spaced) vias.push(`${s} SIP/2.0/TCP sip${n--}.example.com`);
    while (n > 0) vias.push(`Via: SIP/2.0/TCP sip${n--}.example.com`);
    const longBranch = `very${'long'.repeat(50)}branchvalue`;
    const callId = `longreq.one${'really'.repeat(20)}longcallid`;
    const tag = `12${'982'.repeat(50)}424`;
    const m = validRequest(
      wire(
        [
          'INVITE sip:user@example.com SIP/2.0',
          `To: "I have a user name of ${'extreme'.repeat(10)} proportion"` +
            `<sip:user@example.com:6000;unknownparam1=very${'long'.repeat(20)}value;` +
            `longparam${'name'.repeat(25)}=shortvalue;very${'long'.repeat(25)}ParameterNameWithNoValue>`,
          `F: sip:${'amazinglylongcallername'.repeat(5)}@example.net;tag=${tag}` +
            `;unknownheaderparam${'name'.repeat(20)}=unknowheaderparam${'value'.repeat(15)}` +
            `;unknownValueless${'paramname'.repeat(10)}`,
          `Call-ID: ${callId}`,
          'CSeq: 3882340 INVITE',
          `Unknown-${'Long'.repeat(20)}-Name: unknown-${'long'.repeat(20)}-value; ` +
            `unknown-${'long'.repeat(20)}-parameter-name = unknown-${'long'.repeat(20)}-parameter-value`,
          ...vias,
          `Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=${longBranch}`,
          'Max-Forwards: 70',
          `Contact: <sip:${'amazinglylongcallername'.repeat(5)}@host5.example.net>`,
          'Content-Type: application/sdp',
          'l: 150',
        ],
        sdp(150),
      ),
    );
    const parsed = getVias(m) ?? [];
    expect(parsed).toHaveLength(34);
    expect(parsed[0]?.host).toBe('sip33.example.com');
    expect(parsed[33]).toMatchObject({ received: '192.0.2.5', branch: longBranch });
    expect(getCallId(m)).toBe(callId);
    expect(getFrom(m)?.tag).toBe(tag);
    const to = parseSipUri(getTo(m)?.uri ?? '');
    expect(to?.port).toBe(6000);
    expect(to?.params.get(`longparam${'name'.repeat(25)}`)).toBe('shortvalue');
    expect(m.headers.get(`Unknown-${'Long'.repeat(20)}-Name`)).toContain('parameter-value');
  });

  it('3.1.1.8 dblreq: bytes after Content-Length in a datagram are ignored', () => {
    const second = wire(
      [
        'INVITE sip:joe@example.com SIP/2.0',
        't: sip:joe@example.com',
        'From: sip:caller@example.net;tag=141334',
        'Max-Forwards: 8',
        'Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15',
        'CSeq: 8 INVITE',
        'Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234',
        'Content-Type: application/sdp',
        'Content-Length: 150',
      ],
      sdp(150),
    );
    const first = wire([
      'REGISTER sip:example.com SIP/2.0',
      'To: sip:j.user@example.com',
      'From: sip:j.user@example.com;tag=43251j3j324',
      'Max-Forwards: 8',
      'I: dblreq.0ha0isndaksdj99sdfafnl3lk233412',
      'Contact: sip:j.user@host.example.com',
      'CSeq: 8 REGISTER',
      'Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492',
      'Content-Length: 0',
    ]);
    const m = validRequest(Buffer.concat([first, second]));
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
    expect(getCallId(m)).toBe('dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  });

  it('3.1.1.9 semiuri: semicolon-separated parameters in the URI user part', () => {
    const m = validRequest(
      wire([
        'OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0',
        'To: sip:j_user@example.com',
        'From: sip:caller@example.org;tag=33242',
        'Max-Forwards: 3',
        'Call-ID: semiuri.0ha0isndaksdj',
        'CSeq: 8 OPTIONS',
        'Accept: application/sdp, application/pkcs7-mime,',
        '        multipart/mixed, multipart/signed,',
        '        message/sip, message/sipfrag',
        'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw',
        'l: 0',
      ]),
    );
    const uri = parseSipUri(m.uri);
    expect(uri?.user).toBe('user;par=u%40example.net');
    expect(uri?.host).toBe('example.com');
    expect(uri?.params.size).toBe(0);
    expect(m.headers.getAll('Accept')).toEqual([
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
  });

  it('3.1.1.10 transports: varied and unknown transport types', () => {
    const m = validRequest(
      wire([
        'OPTIONS sip:user@example.com SIP/2.0',
        'To: sip:user@example.com',
        'From: <sip:caller@example.com>;tag=323',
        'Max-Forwards: 70',
        'Call-ID:  transports.kijh4akdnaqjkwendsasfdj',
        'Accept: application/sdp',
        'CSeq: 60 OPTIONS',
        'Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw',
        'Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf',
        'Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj',
        'Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en',
        'Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee',
        'l: 0',
      ]),
    );
    expect(getVias(m)?.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('3.1.1.11 mpart01: multipart body with binary content kept byte for byte', () => {
    const binary = Buffer.from([0x30, 0x82, 0x01, 0x90, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x00]);
    const body = Buffer.concat([
      Buffer.from(
        '--7a9cbec02ceef655\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\n' +
          'Hello\r\n--7a9cbec02ceef655\r\nContent-Type: application/octet-stream\r\n' +
          'Content-Transfer-Encoding: binary\r\n\r\n',
      ),
      binary,
      Buffer.from('\r\n--7a9cbec02ceef655--\r\n'),
    ]);
    const m = validRequest(
      wire(
        [
          'MESSAGE sip:kumiko@example.org SIP/2.0',
          'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport',
          'Max-Forwards: 70',
          'Route: <sip:127.0.0.1:5080>',
          'Identity: r5mwreLuyDRYBi/0TiPwEsY3Uf2vk2LcAhyH1E/yRsQ8Oh0Yx6sBtkTm7GQXnAuaxdn8W4U9g8cXr4gW1Q+EjUF5',
          'Identity-Info: <https://example.com/cert>;alg=rsa-sha1',
          'To: <sip:kumiko@example.org>',
          'From: <sip:bob@example.com>;tag=2fb0dcc9',
          'Call-ID: 3d9485ad0c49859b@Zmo0ODIwOTJlMWE2ZjAwOTQyZDQ4NzAxNjc3Y2M2NTU',
          'CSeq: 1 MESSAGE',
          'Content-Transfer-Encoding: binary',
          'Content-Type: multipart/mixed;boundary=7a9cbec02ceef655',
          'MIME-Version: 1.0',
          `Content-Length: ${body.length}`,
        ],
        body,
      ),
    );
    expect(m.body.equals(body)).toBe(true);
    expect(getVias(m)?.[0]).toMatchObject({ host: '127.0.0.1', port: 5070, rport: null });
  });

  it('3.1.1.12 unreason: unusual reason phrase', () => {
    const reason = '= 2**3 * 5**2 но сто девяносто девять - простое';
    const m = validResponse(
      wire(
        [
          `SIP/2.0 200 ${reason}`,
          'Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923',
          'Call-ID: unreason.1234ksdfak3j2erwedfsASdf',
          'CSeq: 35 INVITE',
          'From: sip:user@example.com;tag=11141343',
          'To: sip:user@example.edu;tag=2229',
          'Content-Length: 154',
          'Content-Type: application/sdp',
          'Contact: <sip:user@host198.example.com>',
        ],
        sdp(154),
      ),
    );
    expect(m.status).toBe(200);
    expect(m.reason).toBe(reason);
  });

  it('3.1.1.13 noreason: empty reason phrase', () => {
    const m = validResponse(
      wire([
        'SIP/2.0 100 ',
        'Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe',
        'Call-ID: noreason.asndj203insdf99223ndf',
        'CSeq: 35 INVITE',
        'From: <sip:user@example.com>;tag=39ansfi3',
        'To: <sip:user@example.edu>;tag=902jndnke3',
        'Content-Length: 0',
        'Contact: <sip:user@host105.example.com>',
      ]),
    );
    expect(m.status).toBe(100);
    expect(m.reason).toBe('');
  });
});

const INVITE_TAIL = ['Content-Type: application/sdp'];

describe('RFC 4475 §3.1.2 invalid messages', () => {
  it('3.1.2.1 badinv01: extraneous header field separators → 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@example.com SIP/2.0',
          'To: sip:j.user@example.com',
          'From: sip:caller@example.net;tag=134161461246',
          'Max-Forwards: 7',
          'Call-ID: badinv01.0ha0isndaksdjasdf3234nas',
          'CSeq: 8 INVITE',
          'Via: SIP/2.0/UDP 192.0.2.15;;,;,,',
          'Contact: "Joe" <sip:joe@example.org>;;;;',
          'Content-Length: 152',
          ...INVITE_TAIL,
        ],
        sdp(152),
      ),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Malformed Via Header' });
  });

  it('3.1.2.2 clerr: Content-Length larger than the datagram → error that allows a 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@example.com SIP/2.0',
          'Max-Forwards: 80',
          'To: sip:j.user@example.com',
          'From: sip:caller@example.net;tag=93942939o2',
          'Contact: <sip:caller@hungry.example.net>',
          'Call-ID: clerr.0ha0isndaksdjweiafasdk3',
          'CSeq: 8 INVITE',
          'Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523',
          'Content-Type: application/sdp',
          'Content-Length: 9999',
        ],
        sdp(150),
      ),
    );
    expect(r).toEqual({ stage: 'parse', reason: 'Content-Length exceeds body', canReply: true });
  });

  it('3.1.2.3 ncl: negative Content-Length → parse error', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@example.com SIP/2.0',
          'Max-Forwards: 254',
          'To: sip:j.user@example.com',
          'From: sip:caller@example.net;tag=32394234',
          'Call-ID: ncl.0ha0isndaksdj2193423r542w35',
          'CSeq: 0 INVITE',
          'Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw',
          'Contact: <sip:caller@example53.example.net>',
          'Content-Type: application/sdp',
          'Content-Length: -999',
        ],
        sdp(150),
      ),
    );
    expect(r).toEqual({ stage: 'parse', reason: 'invalid Content-Length', canReply: true });
  });

  it('3.1.2.4 scalar02: request scalar fields with overlarge values → 400', () => {
    const lines = [
      'REGISTER sip:example.com SIP/2.0',
      'Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3',
      'To: <sip:user@example.com>',
      'From: <sip:user@example.com>;tag=239232jh3',
      'CSeq: 36893488147419103232 REGISTER',
      'Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32',
      'Max-Forwards: 300',
      `Expires: 1${'0'.repeat(100)}`,
      'Contact: <sip:user@host129.example.com>;expires=280297596632815',
      'Content-Length: 0',
    ];
    expect(refusal(wire(lines))).toMatchObject({ status: 400, reason: 'Malformed CSeq Header' });
    // Each overlarge field is refused on its own too.
    const fixed = lines.map((l) => (l.startsWith('CSeq') ? 'CSeq: 1 REGISTER' : l));
    expect(refusal(wire(fixed))).toMatchObject({ status: 400 });
    const onlyExpires = fixed.filter((l) => !l.startsWith('Max-Forwards'));
    expect(refusal(wire([...onlyExpires, 'Max-Forwards: 70']))).toMatchObject({
      reason: 'Malformed Contact expires',
    });
  });

  it('3.1.2.5 scalarlg: response scalar fields with overlarge values → discarded', () => {
    const r = refusal(
      wire([
        'SIP/2.0 503 Service Unavailable',
        'Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129',
        'To: <sip:user@example.com>',
        'From: <sip:other@example.net>;tag=2easdjfejw',
        'CSeq: 9292394834772304023312 OPTIONS',
        'Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r',
        'Retry-After: 949302838503028349304023988',
        'Warning: 1812 overture "In Progress"',
        'Content-Length: 0',
      ]),
    );
    expect(r).toMatchObject({ stage: 'validate', reason: 'Malformed CSeq Header' });
  });

  it('3.1.2.6 quotbal: unterminated quoted string in display name → 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@example.com SIP/2.0',
          'To: "Mr. J. User <sip:j.user@example.com>',
          'From: sip:caller@example.net;tag=93334',
          'Max-Forwards: 10',
          'Call-ID: quotbal.aksdj',
          'Contact: <sip:caller@host59.example.net>',
          'CSeq: 8 INVITE',
          'Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234',
          'Content-Type: application/sdp',
          'Content-Length: 152',
        ],
        sdp(152),
      ),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Malformed To Header' });
  });

  it('3.1.2.7 ltgtruri: <> enclosing the Request-URI → 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE <sip:user@example.com> SIP/2.0',
          'To: sip:user@example.com',
          'From: sip:caller@example.net;tag=39291',
          'Max-Forwards: 23',
          'Call-ID: ltgtruri.1@192.0.2.5',
          'CSeq: 1 INVITE',
          'Via: SIP/2.0/UDP 192.0.2.5',
          'Contact: <sip:caller@host5.example.net>',
          'Content-Type: application/sdp',
          'Content-Length: 159',
        ],
        sdp(159),
      ),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Malformed Request-URI' });
  });

  const lwsLines = (startLine: string): string[] => [
    startLine,
    'Max-Forwards: 8',
    'To: sip:user@example.com',
    'From: sip:caller@example.net;tag=8814',
    'Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com',
    'CSeq: 1893884 INVITE',
    'Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923',
    'Contact: <sip:caller@host1.example.net>',
    'Content-Type: application/sdp',
    'Content-Length: 150',
  ];

  it('3.1.2.8 lwsruri: LWS inside the Request-URI → error that allows a 400', () => {
    const r = refusal(wire(lwsLines('INVITE sip:user@example.com; lr SIP/2.0'), sdp(150)));
    expect(r).toEqual({ stage: 'parse', reason: 'malformed Request-Line', canReply: true });
  });

  it('3.1.2.9 lwsstart: several SP between Request-Line elements → 400', () => {
    const r = refusal(wire(lwsLines('INVITE  sip:user@example.com  SIP/2.0'), sdp(150)));
    expect(r).toEqual({ stage: 'parse', reason: 'malformed Request-Line', canReply: true });
  });

  it('3.1.2.10 trws: SP at the end of the Request-Line → 400', () => {
    const r = refusal(
      wire([
        'OPTIONS sip:remote-target@example.com SIP/2.0  ',
        'Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK299342093',
        'To: <sip:remote-target@example.com>',
        'From: <sip:local-resource@example.com>;tag=329429089',
        'Call-ID: trws.oicu34958239neffasdhr2345r',
        'Accept: application/sdp',
        'CSeq: 238923 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
      ]),
    );
    expect(r).toEqual({ stage: 'parse', reason: 'malformed Request-Line', canReply: true });
  });

  it('3.1.2.11 escruri: escaped headers in the Request-URI → 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0',
          'To: sip:user@example.com',
          'From: sip:caller@example.net;tag=341518',
          'Max-Forwards: 7',
          'Contact: <sip:caller@host39923.example.net>',
          'Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5',
          'CSeq: 149209342 INVITE',
          'Via: SIP/2.0/UDP host-of-the-hour.example.com;branch=z9hG4bKkdjuw',
          'Content-Type: application/sdp',
          'Content-Length: 151',
        ],
        sdp(151),
      ),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Headers in Request-URI' });
  });

  it('3.1.2.12 baddate: time zone other than GMT → 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@example.com SIP/2.0',
          'To: sip:user@example.com',
          'From: sip:caller@example.net;tag=2234923',
          'Max-Forwards: 70',
          'Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234',
          'CSeq: 1392934 INVITE',
          'Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw',
          'Date: Fri, 01 Jan 2010 16:00:00 EST',
          'Contact: <sip:caller@host5.example.net>',
          'Content-Type: application/sdp',
          'Content-Length: 150',
        ],
        sdp(150),
      ),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Malformed Date Header' });
  });

  it('3.1.2.13 regbadct: URI with ? not enclosed in <> → 400', () => {
    const r = refusal(
      wire([
        'REGISTER sip:example.com SIP/2.0',
        'To: sip:user@example.com',
        'From: sip:user@example.com;tag=998332',
        'Max-Forwards: 70',
        'Call-ID: regbadct.k345asrl3fdbv@10.0.0.1',
        'CSeq: 1 REGISTER',
        'Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw',
        'Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E',
        'l: 0',
      ]),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Malformed Contact Header' });
  });

  it('3.1.2.14 badaspec: spaces within addr-spec → 400', () => {
    const r = refusal(
      wire([
        'OPTIONS sip:user@example.org SIP/2.0',
        'Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234',
        'Max-Forwards: 70',
        'From: "Bell, Alexander" <sip:a.g.bell@example.com>;tag=433423',
        'To: "Watson, Thomas" < sip:t.watson@example.org >',
        'Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3',
        'Accept: application/sdp',
        'CSeq: 3923239 OPTIONS',
        'l: 0',
      ]),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Malformed To Header' });
  });

  it('3.1.2.15 baddn: non-token characters in an unquoted display name → 400', () => {
    const r = refusal(
      wire([
        'OPTIONS sip:t.watson@example.org SIP/2.0',
        'Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw',
        'Max-Forwards:      70',
        'From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43',
        'To:      Watson, Thomas <sip:t.watson@example.org>',
        'Call-ID: baddn.31415@c.example.com',
        'Accept: application/sdp',
        'CSeq:    3923239 OPTIONS',
        'l: 0',
      ]),
    );
    expect(r).toMatchObject({ stage: 'validate', status: 400, reason: 'Malformed From Header' });
  });

  it('3.1.2.16 badvers: unknown protocol version → 505', () => {
    const r = refusal(
      wire([
        'OPTIONS sip:t.watson@example.org SIP/7.0',
        'Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw',
        'Max-Forwards:     70',
        'From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe',
        'To:      T. Watson <sip:t.watson@example.org>',
        'Call-ID: badvers.31417@c.example.com',
        'CSeq:    1 OPTIONS',
        'l: 0',
      ]),
    );
    expect(r).toEqual({ stage: 'validate', status: 505, reason: 'Version Not Supported' });
  });

  it('3.1.2.17 mismatch01: start line and CSeq method mismatch → 400', () => {
    const r = refusal(
      wire([
        'OPTIONS sip:user@example.com SIP/2.0',
        'To: sip:j.user@example.com',
        'From: sip:caller@example.net;tag=34525',
        'Max-Forwards: 6',
        'Call-ID: mismatch01.dj0234sxdfl3',
        'CSeq: 8 INVITE',
        'Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw',
        'l: 0',
      ]),
    );
    expect(r).toEqual({ stage: 'validate', status: 400, reason: 'CSeq Method Mismatch' });
  });

  it('3.1.2.18 mismatch02: unknown method with CSeq method mismatch → 400', () => {
    const r = refusal(
      wire(
        [
          'NEWMETHOD sip:user@example.com SIP/2.0',
          'To: sip:j.user@example.com',
          'From: sip:caller@example.net;tag=34525',
          'Max-Forwards: 6',
          'Call-ID: mismatch02.dj0234sxdfl3',
          'CSeq: 8 INVITE',
          'Contact: <sip:caller@host.example.net>',
          'Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw',
          'Content-Type: application/sdp',
          'l: 138',
        ],
        sdp(138),
      ),
    );
    expect(r).toEqual({ stage: 'validate', status: 400, reason: 'CSeq Method Mismatch' });
  });

  it('3.1.2.19 bigcode: overlarge response code → dropped', () => {
    const r = refusal(
      wire([
        'SIP/2.0 4294967301 better not break the receiver',
        'Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe',
        'Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i',
        'CSeq: 353494 INVITE',
        'From: <sip:user@example.com>;tag=39ansfi3',
        'To: <sip:user@example.edu>;tag=902jndnke3',
        'Content-Length: 0',
        'Contact: <sip:user@host105.example.com>',
      ]),
    );
    expect(r).toEqual({ stage: 'parse', reason: 'malformed Status-Code', canReply: false });
  });
});

describe('RFC 4475 §3.2 transaction layer', () => {
  it('3.2.1 badbranch: branch that is only the magic cookie is accepted, not RFC 3261 style', () => {
    const m = validRequest(
      wire([
        'OPTIONS sip:user@example.com SIP/2.0',
        'To: sip:user@example.com',
        'From: sip:caller@example.org;tag=33242',
        'Max-Forwards: 3',
        'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK',
        'Accept: application/sdp',
        'Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n',
        'CSeq: 8 OPTIONS',
        'l: 0',
      ]),
    );
    const branch = getVias(m)?.[0]?.branch;
    expect(branch).toBe('z9hG4bK');
    expect(isRfc3261Branch(branch)).toBe(false);
    expect(isRfc3261Branch('z9hG4bK74bf9')).toBe(true);
  });
});

describe('RFC 4475 §3.3 application layer', () => {
  it('3.3.1 insuf: missing required header fields → 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@example.com SIP/2.0',
          'CSeq: 193942 INVITE',
          'Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf',
          'Content-Type: application/sdp',
          'l: 152',
        ],
        sdp(152),
      ),
    );
    expect(r).toEqual({ stage: 'validate', status: 400, reason: 'Missing To Header' });
  });

  const schemeLines = (ruri: string): string[] => [
    `OPTIONS ${ruri} SIP/2.0`,
    'To: sip:user@example.com',
    'From: sip:caller@example.net;tag=384',
    'Max-Forwards: 3',
    'Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34',
    'CSeq: 3923423 OPTIONS',
    'Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234',
    'Content-Length: 0',
  ];

  it('3.3.2 unkscm: unknown Request-URI scheme → 416', () => {
    const r = refusal(wire(schemeLines('nobodyKnowsThisScheme:totallyopaquecontent')));
    expect(r).toEqual({ stage: 'validate', status: 416, reason: 'Unsupported URI Scheme' });
  });

  it('3.3.3 novelsc: known but atypical scheme this PBX does not serve → 416', () => {
    const r = refusal(wire(schemeLines('soap.beep://192.0.2.103:3002')));
    expect(r).toEqual({ stage: 'validate', status: 416, reason: 'Unsupported URI Scheme' });
  });

  it('3.3.4 unksm2: unknown schemes in header fields parse as absolute URIs', () => {
    const m = validRequest(
      wire([
        'REGISTER sip:example.com SIP/2.0',
        'To: isbn:2983792873',
        'From: <http://www.example.com>;tag=3234233',
        'Call-ID: unksm2.daksdj@hyphenated-host.example.com',
        'CSeq: 234902 REGISTER',
        'Max-Forwards: 70',
        'Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw',
        'Contact: <name:John_Smith>',
        'l: 0',
      ]),
    );
    expect(parseUri(getTo(m)?.uri ?? '')).toEqual({
      kind: 'absolute',
      scheme: 'isbn',
      value: '2983792873',
    });
    expect(parseUri(getFrom(m)?.uri ?? '')?.scheme).toBe('http');
    expect(parseUri(contact(m).uri)?.scheme).toBe('name');
  });

  const bext = wire([
    'OPTIONS sip:user@example.com SIP/2.0',
    'To: sip:j_user@example.com',
    'From: sip:caller@example.net;tag=242etr',
    'Max-Forwards: 6',
    'Call-ID: bext01.0ha0isndaksdj',
    'Require: nothingSupportsThis, nothingSupportsThisEither',
    'Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis',
    'CSeq: 8 OPTIONS',
    'Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw',
    'Content-Length: 0',
  ]);

  it('3.3.5 bext01: unknown Require / Proxy-Require option tags → 420 listing them', () => {
    const m = parseOk(bext);
    expect(validateMessage(m, { supported: ['replaces'] })).toEqual({
      ok: false,
      status: 420,
      reason: 'Bad Extension',
      unsupported: ['nothingSupportsThis', 'nothingSupportsThisEither'],
    });
    expect(validateMessage(m, { role: 'proxy' })).toMatchObject({
      status: 420,
      unsupported: ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis'],
    });
  });

  it('3.3.6 invut: unknown Content-Type → 415 when the element restricts types', () => {
    const data = wire(
      [
        'INVITE sip:user@example.com SIP/2.0',
        'Contact: <sip:caller@host5.example.net>',
        'To: sip:j.user@example.com',
        'From: sip:caller@example.net;tag=8392034',
        'Max-Forwards: 70',
        'Call-ID: invut.0ha0isndaksdjadsfij34n23d',
        'CSeq: 235448 INVITE',
        'Via: SIP/2.0/UDP somehost.example.com;branch=z9hG4bKkdjuw',
        'Content-Type: application/unknownformat',
        'Content-Length: 40',
      ],
      '<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n',
    );
    expect(refusal(data, { acceptedContentTypes: ['application/sdp'] })).toEqual({
      stage: 'validate',
      status: 415,
      reason: 'Unsupported Media Type',
    });
  });

  it('3.3.7 regaut01: unknown authorization scheme parses as an opaque scheme', () => {
    const m = validRequest(
      wire([
        'REGISTER sip:example.com SIP/2.0',
        'To: sip:j.user@example.com',
        'From: sip:j.user@example.com;tag=87321hj23128',
        'Max-Forwards: 8',
        'Call-ID: regaut01.0ha0isndaksdj',
        'CSeq: 9338 REGISTER',
        'Via: SIP/2.0/TCP 192.0.2.253;branch=z9hG4bKkdjuw',
        'Authorization: NoOneKnowsThisScheme opaque-data=here',
        'Content-Length:0',
      ]),
    );
    const auth = parseAuthHeader(m.headers.get('Authorization') ?? '');
    expect(auth?.scheme).toBe('NoOneKnowsThisScheme');
    expect(auth?.params.get('opaque-data')).toBe('here');
  });

  it('3.3.8 multi01: multiple values in single-value fields → 400', () => {
    const r = refusal(
      wire(
        [
          'INVITE sip:user@company.com SIP/2.0',
          'Contact: <sip:caller@host25.example.net>',
          'Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw',
          'Max-Forwards: 70',
          'CSeq: 5 INVITE',
          'Call-ID: multi01.98asdh@192.0.2.1',
          'CSeq: 59 INVITE',
          'Call-ID: multi01.98asdh@192.0.2.2',
          'From: sip:caller@example.com;tag=3413415',
          'To: sip:user@example.com',
          'To: sip:other@example.net',
          'From: sip:caller@example.net;tag=2923420123',
          'Content-Type: application/sdp',
          'l: 154',
          'Call-ID: multi01.98asdh@192.0.2.3',
          'From: sip:caller@example.org;tag=2923420123',
        ],
        sdp(154),
      ),
    );
    expect(r).toEqual({ stage: 'validate', status: 400, reason: 'Multiple To Headers' });
  });

  it('3.3.9 mcl01: multiple Content-Length values → error that allows a 400', () => {
    const r = refusal(
      wire(
        [
          'OPTIONS sip:user@example.com SIP/2.0',
          'Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423',
          'To: sip:user@example.com',
          'From: sip:other@example.net;tag=3923942',
          'Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf',
          'CSeq: 15932 OPTIONS',
          'Content-Length: 13',
          'Max-Forwards: 60',
          'Content-Length: 5',
          'Content-Type: text/plain',
        ],
        "There's no way to know how many octets are supposed to be here.\r\n",
      ),
    );
    expect(r).toEqual({ stage: 'parse', reason: 'invalid Content-Length', canReply: true });
  });

  it('3.3.10 bcast: response with a broadcast Via is well formed', () => {
    const m = validResponse(
      wire(
        [
          'SIP/2.0 200 OK',
          'Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923',
          'Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23',
          'Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf',
          'CSeq: 35 INVITE',
          'From: sip:user@example.com;tag=11141343',
          'To: sip:user@example.edu;tag=2229',
          'Content-Length: 155',
          'Content-Type: application/sdp',
          'Contact: <sip:user@host28.example.com>',
        ],
        sdp(155),
      ),
    );
    expect(getVias(m)?.[1]?.host).toBe('255.255.255.255');
  });

  const zeromf = wire([
    'OPTIONS sip:user@example.com SIP/2.0',
    'To: sip:user@example.com',
    'From: sip:caller@example.net;tag=3ghsd41',
    'Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas',
    'CSeq: 39234321 OPTIONS',
    'Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i',
    'Max-Forwards: 0',
    'Content-Length: 0',
  ]);

  it('3.3.11 zeromf: Max-Forwards 0 is valid; a proxy answers 483 except to OPTIONS', () => {
    const m = validRequest(zeromf, { role: 'proxy' });
    expect(getMaxForwards(m)).toBe(0);
    const asInvite = parseOk(Buffer.from(zeromf.toString().replace(/OPTIONS/g, 'INVITE'), 'utf8'));
    expect(validateMessage(asInvite, { role: 'proxy' })).toEqual({
      ok: false,
      status: 483,
      reason: 'Too Many Hops',
    });
    expect(validateMessage(asInvite)).toEqual({ ok: true });
  });

  const regLines = (contactLine: string, callId: string): string[] => [
    'REGISTER sip:example.com SIP/2.0',
    'Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw',
    'Max-Forwards: 70',
    'From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe',
    'To: sip:watson@example.com',
    `Call-ID: ${callId}`,
    'CSeq: 2 REGISTER',
    contactLine,
    'l: 0',
  ];

  it('3.3.12 cparam01: unbracketed Contact parameter is a header parameter', () => {
    const m = validRequest(
      wire(
        regLines('Contact: sip:+19725552222@gw1.example.net;unknownparam', 'cparam01.70710@saturn'),
      ),
    );
    const c = contact(m);
    expect(c.uri).toBe('sip:+19725552222@gw1.example.net');
    expect(c.params.has('unknownparam')).toBe(true);
  });

  it('3.3.13 cparam02: bracketed Contact parameter is a URI parameter', () => {
    const m = validRequest(
      wire(
        regLines(
          'Contact: <sip:+19725552222@gw1.example.net;unknownparam>',
          'cparam02.70710@saturn',
        ),
      ),
    );
    const c = contact(m);
    expect(c.params.size).toBe(0);
    expect(parseSipUri(c.uri)?.params.get('unknownparam')).toBeNull();
  });

  it('3.3.14 regescrt: REGISTER with an escaped header in the Contact URI', () => {
    const m = validRequest(
      wire([
        'REGISTER sip:example.com SIP/2.0',
        'To: sip:user@example.com',
        'From: sip:user@example.com;tag=8',
        'Max-Forwards: 70',
        'Call-ID: regescrt.k345asrl3fdbv@192.0.2.1',
        'CSeq: 14398234 REGISTER',
        'Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw',
        'M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>',
        'L:0',
      ]),
    );
    expect(parseSipUri(contact(m).uri)?.headers.get('Route')).toBe('%3Csip:sip.example.com%3E');
  });

  it('3.3.15 sdp01: Accept excluding SDP → 406 for an element that can only answer with SDP', () => {
    const data = wire(
      [
        'INVITE sip:user@example.com SIP/2.0',
        'To: sip:j_user@example.com',
        'Contact: <sip:caller@host15.example.net>',
        'From: sip:caller@example.net;tag=234',
        'Max-Forwards: 5',
        'Call-ID: sdp01.ndaksdj9342dasdd',
        'Accept: text/nobodyKnowsThis',
        'CSeq: 8 INVITE',
        'Via: SIP/2.0/UDP 60.3.4.5;branch=z9hG4bKkdjuw',
        'Content-Length: 150',
        'Content-Type: application/sdp',
      ],
      sdp(150),
    );
    expect(refusal(data, { responseContentTypes: ['application/sdp'] })).toEqual({
      stage: 'validate',
      status: 406,
      reason: 'Not Acceptable',
    });
    expect(validateMessage(parseOk(data))).toEqual({ ok: true });
  });
});

describe('RFC 4475 §3.4 backward compatibility', () => {
  it('3.4.1 inv2543: RFC 2543 INVITE without Max-Forwards, branch or tag', () => {
    const data = wire(
      [
        'INVITE sip:UserB@example.com SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.15',
        'From: <sip:UserA@example.com>',
        'To: <sip:UserB@example.com>',
        'Call-ID: 090459243588173445',
        'CSeq: 29 INVITE',
        'Contact: <sip:UserA@192.0.2.15>',
        'Content-Type: application/sdp',
        'Content-Length: 148',
      ],
      sdp(148),
    );
    expect(refusal(data)).toEqual({
      stage: 'validate',
      status: 400,
      reason: 'Missing Max-Forwards Header',
    });
    const m = validRequest(data, { requireMaxForwards: false });
    expect(getVias(m)?.[0]?.branch).toBeUndefined();
    expect(getFrom(m)?.tag).toBeUndefined();
  });
});
