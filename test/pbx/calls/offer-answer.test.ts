/**
 * RFC 3264 on one side whose media ends at the PBX, and the one mapping of unusable SDP to 400 or
 * 488 with a Warning (RFC 3261 §20.43). Real RTP sessions on 127.0.0.1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MediaLayer } from '../../../src/media/media-layer.js';
import { SdpError, parseRemoteSdp } from '../../../src/media/sdp.js';
import { OfferAnswer, refusalOf } from '../../../src/pbx/calls/offer-answer.js';
import type { CallVoice } from '../../../src/pbx/calls/ports.js';
import { EventBus } from '../../../src/pbx/events.js';
import { FakeTrunks, callerInvite, expectReleased, startCall } from './fakes.js';

const media = new MediaLayer({
  bindAddress: '127.0.0.1',
  advertisedAddress: '127.0.0.1',
  portMin: 33710,
  portMax: 33729,
});
afterAll(() => media.close());

function sdp(version: number, port: number, media = 'audio', payloads = '8 0', extra = ''): string {
  return [
    'v=0',
    `o=far 1 ${version} IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${media} ${port} RTP/AVP ${payloads}`,
    ...(extra === '' ? [] : [extra]),
    '',
  ].join('\r\n');
}

const VIDEO_ONLY = sdp(1, 33790, 'video', '96', 'a=rtpmap:96 H264/90000');
const G729_ONLY = sdp(1, 33790, 'audio', '18');

describe('refusalOf', () => {
  it('400 for an SDP that cannot be read, without Warning', () => {
    const r = refusalOf(new SdpError('malformed', 'SDP has no "v=0" line'), 'pbx.test');
    expect(r).toEqual({
      status: 400,
      reason: 'Bad Request',
      headers: [],
      why: 'SDP has no "v=0" line',
    });
  });

  it('488 with Warning 304 without audio, 305 without a common codec, quoted safely', () => {
    const none = refusalOf(new SdpError('no-audio', 'no "audio"\\line\r\n'), 'pbx.test');
    expect(none.status).toBe(488);
    expect(none.reason).toBe('Not Acceptable Here');
    expect(none.headers).toEqual([
      ['Warning', '304 pbx.test "Media type not available: no \\"audio\\"\\\\line  "'],
    ]);
    const codec = refusalOf(new SdpError('no-common-codec', 'G.729 only'), 'pbx.test');
    expect(codec.headers).toEqual([
      ['Warning', '305 pbx.test "Incompatible media format: G.729 only"'],
    ]);
  });
});

describe('OfferAnswer', () => {
  it('answers an offer: stable at once, our answer kept', async () => {
    const session = await media.openSession();
    const oa = new OfferAnswer(session, 'pbx.test');
    expect(oa.state).toBe('idle');
    const answer = oa.respond(Buffer.from(sdp(1, 33780)));
    expect(answer.ok).toBe(true);
    expect(oa.state).toBe('stable');
    expect(answer.ok && parseRemoteSdp(answer.value).port).toBe(session.port);
    expect(oa.local).toBe(answer.ok ? answer.value : null);
    await session.close();
  });

  it('makes an offer when none came, and only an answer completes it', async () => {
    const session = await media.openSession();
    const oa = new OfferAnswer(session, 'pbx.test');
    const offer = oa.respond(undefined);
    expect(offer.ok).toBe(true);
    expect(oa.state).toBe('offered');
    const missing = oa.accept(undefined);
    expect(missing.ok || missing.refusal.status).toBe(488);
    expect(oa.state).toBe('offered');
    expect(oa.accept(Buffer.from(sdp(1, 33780))).ok).toBe(true);
    expect(oa.state).toBe('stable');
    expect(session.negotiated?.remote.port).toBe(33780);
    await session.close();
  });

  it('a refused offer leaves the state and the session as they were (§6)', async () => {
    const session = await media.openSession();
    const oa = new OfferAnswer(session, 'pbx.test');
    expect(oa.respond(Buffer.from(sdp(1, 33780))).ok).toBe(true);
    const refused = oa.respond(Buffer.from(G729_ONLY));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.refusal.headers[0]?.[1]).toMatch(/^305 pbx\.test "/);
    expect(oa.state).toBe('stable');
    expect(session.negotiated?.remote.port).toBe(33780);
    const garbage = oa.respond(Buffer.from('not sdp'));
    expect(!garbage.ok && garbage.refusal.status).toBe(400);
    await session.close();
  });
});

describe('CallSession: an unusable offer from the caller of an anchored call', () => {
  const unused = (what: string) => (): never => {
    throw new Error(`a trunk call does not use ${what}`);
  };
  const voice: CallVoice = {
    media,
    languageOf: unused('languages'),
    say: unused('prompts'),
    pinOf: unused('PINs'),
    mailOf: unused('e-mail addresses'),
    // Never read on a dial step.
    repository: {} as CallVoice['repository'],
    events: new EventBus(),
  };
  const trunks = new FakeTrunks({
    destination: { protocol: 'udp', address: '127.0.0.1', port: 33791 },
    requestUri: 'sip:0442930698@127.0.0.1:33791',
    to: '<sip:0442930698@127.0.0.1:33791>',
    fromHost: '127.0.0.1',
    callerUser: '0612345678',
    trusted: false,
  });

  async function refusedWith(body: string): Promise<{ status: number; warning?: string }> {
    const call = startCall(
      [{ do: 'dial', number: '+33442930698', presentation: 'caller', timeout: 20 }],
      {
        trunks,
        request: callerInvite({ body }),
        voice,
      },
    );
    for (let i = 0; i < 200 && call.released === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expectReleased(call);
    // Nothing went to the trunk: the call ended before ringing.
    expect(call.sig.requests('INVITE')).toEqual([]);
    const last = call.invite.last;
    const warning = last.headers.get('Warning');
    return warning === undefined ? { status: last.status } : { status: last.status, warning };
  }

  it('488 with Warning 304 for video only, 305 for no common codec, 400 for garbage', async () => {
    expect(await refusedWith(VIDEO_ONLY)).toEqual({
      status: 488,
      warning: expect.stringMatching(/^304 pbx\.test "Media type not available: /) as string,
    });
    expect(await refusedWith(G729_ONLY)).toEqual({
      status: 488,
      warning: expect.stringMatching(/^305 pbx\.test "Incompatible media format: /) as string,
    });
    expect(await refusedWith('not sdp at all')).toEqual({ status: 400 });
    expect(media.openSessions).toBe(0);
  });
});
