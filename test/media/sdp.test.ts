import { describe, expect, it } from 'vitest';
import {
  SdpError,
  isNamedAddress,
  answerDirection,
  buildAnswer,
  buildOffer,
  parseRemoteSdp,
  readAnswer,
} from '../../src/media/sdp.js';

const local = { address: '192.0.2.10', port: 20000, sessionId: '123', sessionVersion: 0 };

const offer = (lines: string[]) =>
  [
    'v=0',
    'o=- 1 1 IN IP4 198.51.100.7',
    's=-',
    'c=IN IP4 198.51.100.7',
    't=0 0',
    ...lines,
    '',
  ].join('\r\n');

describe('SDP offer (RFC 3264 §5)', () => {
  it('offers PCMU, PCMA and telephone-event/101 with ptime 20', () => {
    const sdp = buildOffer(local);
    expect(sdp).toContain('m=audio 20000 RTP/AVP 0 8 101');
    expect(sdp).toContain('c=IN IP4 192.0.2.10');
    expect(sdp).toContain('a=rtpmap:0 PCMU/8000');
    expect(sdp).toContain('a=rtpmap:8 PCMA/8000');
    expect(sdp).toContain('a=rtpmap:101 telephone-event/8000');
    expect(sdp).toContain('a=fmtp:101 0-16');
    expect(sdp).toContain('a=ptime:20');
    expect(sdp).toContain('a=sendrecv');
    expect(sdp).toContain('o=renvoi 123 0 IN IP4 192.0.2.10');
  });

  it('reads the answer to it: first common codec, remote address and port', () => {
    const answer = offer(['m=audio 4000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000']);
    const n = readAnswer(answer, local);
    expect(n.codec).toBe('PCMA');
    expect(n.payloadType).toBe(8);
    expect(n.telephoneEventPt).toBe(101);
    expect(n.remote).toMatchObject({ address: '198.51.100.7', port: 4000, rtcpPort: 4001 });
  });
});

describe('SDP answer (RFC 3264 §6)', () => {
  it("picks the first common codec in the offer's order and its telephone-event type", () => {
    const { sdp, negotiated } = buildAnswer(
      offer([
        'm=audio 5004 RTP/AVP 9 8 0 96',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:96 telephone-event/8000',
        'a=fmtp:96 0-15',
      ]),
      local,
    );
    expect(negotiated.codec).toBe('PCMA');
    expect(negotiated.telephoneEventPt).toBe(96);
    expect(sdp).toContain('m=audio 20000 RTP/AVP 8 96');
    expect(sdp).toContain('a=rtpmap:96 telephone-event/8000');
    expect(sdp).not.toContain('PCMU');
  });

  it('keeps a dynamic payload type the offer gave G.711', () => {
    const { negotiated, sdp } = buildAnswer(
      offer(['m=audio 5004 RTP/AVP 112', 'a=rtpmap:112 pcmu/8000']),
      local,
    );
    expect(negotiated).toMatchObject({
      codec: 'PCMU',
      payloadType: 112,
      telephoneEventPt: undefined,
    });
    expect(sdp).toContain('m=audio 20000 RTP/AVP 112');
    expect(sdp).not.toContain('telephone-event');
  });

  it('rejects other streams with port 0 and keeps their place', () => {
    const { sdp } = buildAnswer(
      offer(['m=video 5006 RTP/AVP 31', 'm=audio 5004 RTP/AVP 0']),
      local,
    );
    const mLines = sdp.split('\r\n').filter((l) => l.startsWith('m='));
    expect(mLines).toEqual(['m=video 0 RTP/AVP 31', 'm=audio 20000 RTP/AVP 0']);
  });

  it('answers hold with the mirrored direction (RFC 3264 §8.4)', () => {
    const { sdp, negotiated } = buildAnswer(offer(['m=audio 5004 RTP/AVP 0', 'a=sendonly']), local);
    expect(negotiated.remote.onHold).toBe(true);
    expect(negotiated.direction).toBe('recvonly');
    expect(sdp).toContain('a=recvonly');
  });

  it('throws no-common-codec for an offer without G.711 (the INVITE gets 488)', () => {
    const err = (() => {
      try {
        buildAnswer(offer(['m=audio 5004 RTP/AVP 9 18', 'a=rtpmap:9 G722/8000']), local);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SdpError);
    expect(err).toMatchObject({
      code: 'no-common-codec',
      message: expect.stringMatching(/PCMU, PCMA/),
    });
  });

  it('throws no-audio for SRTP-only or video-only offers, malformed for garbage', () => {
    expect(() => buildAnswer(offer(['m=audio 5004 RTP/SAVP 0']), local)).toThrow(
      expect.objectContaining({ code: 'no-audio' }),
    );
    expect(() => buildAnswer(offer(['m=video 5004 RTP/AVP 31']), local)).toThrow(/no audio stream/);
    expect(() => buildAnswer('hello', local)).toThrow(
      expect.objectContaining({ code: 'malformed' }),
    );
    expect(() =>
      parseRemoteSdp(
        ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 't=0 0', 'm=audio 5 RTP/AVP 0', ''].join('\r\n'),
      ),
    ).toThrow(/connection address/);
  });
});

describe('remote media', () => {
  it('detects hold by sendonly, inactive and 0.0.0.0', () => {
    expect(parseRemoteSdp(offer(['m=audio 5004 RTP/AVP 0', 'a=inactive'])).onHold).toBe(true);
    expect(parseRemoteSdp(offer(['m=audio 5004 RTP/AVP 0'])).onHold).toBe(false);
    const legacy = offer(['m=audio 5004 RTP/AVP 0']).replace(
      'c=IN IP4 198.51.100.7',
      'c=IN IP4 0.0.0.0',
    );
    expect(parseRemoteSdp(legacy)).toMatchObject({ onHold: true, address: '0.0.0.0' });
  });

  it('prefers the media-level connection and an explicit a=rtcp (RFC 3605)', () => {
    const remote = parseRemoteSdp(
      offer(['m=audio 5004 RTP/AVP 0', 'c=IN IP4 203.0.113.5', 'a=rtcp:6000 IN IP4 203.0.113.6']),
    );
    expect(remote).toMatchObject({
      address: '203.0.113.5',
      port: 5004,
      rtcpPort: 6000,
      rtcpAddress: '203.0.113.6',
    });
  });

  it('narrows directions as RFC 3264 §6.1 says', () => {
    expect(answerDirection('sendrecv', 'sendrecv')).toBe('sendrecv');
    expect(answerDirection('sendonly', 'sendrecv')).toBe('recvonly');
    expect(answerDirection('recvonly', 'sendrecv')).toBe('sendonly');
    expect(answerDirection('inactive', 'sendrecv')).toBe('inactive');
    expect(answerDirection('sendrecv', 'sendonly')).toBe('sendonly');
    expect(answerDirection('sendonly', 'sendonly')).toBe('inactive');
  });
});

describe('numbers and addresses of a remote SDP, checked where they are read', () => {
  const refusal = (text: string): unknown => {
    try {
      parseRemoteSdp(text);
    } catch (e) {
      return e;
    }
    return undefined;
  };
  const withConnection = (connection: string, lines: string[]) =>
    offer(lines).replace('c=IN IP4 198.51.100.7', connection);

  it.each([
    ['an RTP port above 65535', ['m=audio 70000 RTP/AVP 0'], /RTP port 70000/],
    ['an RTP port written with a leading zero past 65535', ['m=audio 0070000 RTP/AVP 0'], /RTP/],
    ['an RTP port of 65535 without a=rtcp', ['m=audio 65535 RTP/AVP 0'], /no port for RTCP/],
    ['an RTCP port above 65535', ['m=audio 5004 RTP/AVP 0', 'a=rtcp:65536'], /RTCP port 65536/],
    ['an RTCP port of 0', ['m=audio 5004 RTP/AVP 0', 'a=rtcp:0'], /RTCP port 0/],
    ['an empty RTCP port', ['m=audio 5004 RTP/AVP 0', 'a=rtcp:'], /RTCP port/],
    ['a payload type of 128 in the m-line', ['m=audio 5004 RTP/AVP 0 128'], /payload type 128/],
    ['a non-numeric format on an RTP m-line', ['m=audio 5004 RTP/AVP 0 x'], /payload type x/],
    [
      'a payload type of 300 in an rtpmap',
      ['m=audio 5004 RTP/AVP 0', 'a=rtpmap:300 telephone-event/8000'],
      /payload type 300/,
    ],
    ['a ptime of 0', ['m=audio 5004 RTP/AVP 0', 'a=ptime:0'], /ptime 0/],
    ['a ptime of a day', ['m=audio 5004 RTP/AVP 0', 'a=ptime:86400000'], /ptime/],
  ])('refuses %s: out-of-range, Warning 305', (_what, lines, message) => {
    const err = refusal(offer(lines));
    expect(err).toBeInstanceOf(SdpError);
    expect(err).toMatchObject({ code: 'out-of-range', warnCode: 305, message });
  });

  it('accepts the edges of the ranges: port 1, port 65535 with its a=rtcp, payload type 127', () => {
    expect(parseRemoteSdp(offer(['m=audio 1 RTP/AVP 0'])).rtcpPort).toBe(2);
    const high = parseRemoteSdp(offer(['m=audio 65535 RTP/AVP 0 127', 'a=rtcp:65534']));
    expect(high).toMatchObject({ port: 65535, rtcpPort: 65534 });
    expect(parseRemoteSdp(offer(['m=audio 5004 RTP/AVP 0', 'a=ptime:30'])).ptime).toBe(30);
  });

  it('refuses an address that is neither an IP literal of its family nor a host name (301)', () => {
    for (const c of [
      'c=IN IP4 2001:db8::1',
      'c=IN IP6 192.0.2.1',
      'c=IN IP4 a_b..c',
      'c=IN IP4 224.2.1.1/127',
    ]) {
      expect(refusal(withConnection(c, ['m=audio 5004 RTP/AVP 0'])), c).toMatchObject({
        code: 'address',
        warnCode: 301,
      });
    }
    expect(
      refusal(offer(['m=audio 5004 RTP/AVP 0', 'a=rtcp:5005 IN IP4 not/a/host'])),
    ).toMatchObject({ code: 'address' });
  });

  it('reads a codec name of digits as a name (a fuzzing crasher: sdp-transform made it a number)', () => {
    const remote = parseRemoteSdp(offer(['m=audio 5004 RTP/AVP 9 0', 'a=rtpmap:9 22/8000']));
    expect(remote.codecs).toEqual([{ codec: 'PCMU', payloadType: 0 }]);
  });

  it('reads a host name as such: the caller decides whether to resolve it', () => {
    const named = parseRemoteSdp(
      withConnection('c=IN IP4 media.example.invalid', ['m=audio 5004 RTP/AVP 0']),
    );
    expect(named.address).toBe('media.example.invalid');
    expect(isNamedAddress(named)).toBe(true);
    expect(isNamedAddress(parseRemoteSdp(offer(['m=audio 5004 RTP/AVP 0'])))).toBe(false);
    const rtcpNamed = parseRemoteSdp(
      offer(['m=audio 5004 RTP/AVP 0', 'a=rtcp:5005 IN IP4 rtcp.example.invalid']),
    );
    expect(isNamedAddress(rtcpNamed)).toBe(true);
  });
});
