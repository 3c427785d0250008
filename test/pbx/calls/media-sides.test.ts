/**
 * Where each side's media ends and the PBX's SDP with it (media-sides.ts): the media mode of a
 * ringing step, the caller's offer answered from the PBX's session on an anchored call (183 and
 * 200 carry the same answer), and a late offer whose answer in the ACK is unusable. Real RTP
 * sessions on 127.0.0.1; signalling faked.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import type { TrunkRoute } from '../../../src/pbx/calls/ports.js';
import {
  ANSWER,
  FakeTrunks,
  bodyOf,
  callerInvite,
  device,
  expectReleased,
  fromCaller,
  startCall,
  until,
} from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };
const DIAL: Step = { do: 'dial', number: '+33442930698', presentation: 'caller', timeout: 20 };
const route: TrunkRoute = {
  destination: { protocol: 'udp', address: '127.0.0.1', port: 33990 },
  requestUri: 'sip:0442930698@127.0.0.1:33990',
  to: '<sip:0442930698@127.0.0.1:33990>',
  fromHost: '127.0.0.1',
  callerUser: '0612345678',
  trusted: false,
};
const TRUNK_SDP =
  'v=0\r\no=trunk 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 33992 RTP/AVP 8 0\r\n';

describe('media sides', () => {
  it("phones pass SDP through; a dial step anchors; a caller already answered is the PBX's", () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1)] } });
    const { sides } = call.session;
    expect(sides.legMedia).toBe('passthrough');
    expect(sides.chooseFor(DIAL)).toBe('anchored');
    expect(sides.chooseFor(RING_100)).toBe('passthrough');
    const leg = call.sig.only('INVITE');
    leg.reply(200, { toTag: 'b1', body: ANSWER });
    fromCaller(call, 'ACK', 10);
    expect(sides.chooseFor(RING_100)).toBe('pbx-answered');
    fromCaller(call, 'BYE', 11);
    call.sig.only('BYE').reply(200);
    expectReleased(call);
  });

  it("a trunk's early media: the caller's 183 and 200 carry the same answer from the PBX", async () => {
    const call = startCall([DIAL], { trunks: new FakeTrunks(route) });
    await until(() => call.sig.requests('INVITE').length === 1);
    const leg = call.sig.only('INVITE');
    leg.reply(183, { toTag: 't1', body: TRUNK_SDP });
    expect(call.invite.statuses).toEqual([183]);
    const early = bodyOf(call.invite.last);
    expect(early).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    expect(call.session.media.isBridged).toBe(true);
    // The 2xx without SDP: the answer of the 183 stands (RFC 3264: one exchange).
    leg.reply(200, { toTag: 't1' });
    expect(call.invite.statuses).toEqual([183, 200]);
    expect(bodyOf(call.invite.last)).toBe(early);
    fromCaller(call, 'ACK', 10);
    fromCaller(call, 'BYE', 11);
    call.sig.only('BYE').reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('a late offer answered with garbage in the ACK ends the call on both sides', async () => {
    const call = startCall([DIAL], {
      trunks: new FakeTrunks(route),
      request: callerInvite({ body: '' }),
    });
    await until(() => call.sig.requests('INVITE').length === 1);
    call.sig.only('INVITE').reply(200, { toTag: 't1', body: TRUNK_SDP });
    // The caller made no offer: our 200 carries the PBX's.
    expect(call.invite.statuses).toEqual([200]);
    expect(bodyOf(call.invite.last)).toMatch(/^m=audio \d+ RTP\/AVP/m);
    fromCaller(call, 'ACK', 10, 'not sdp at all');
    expect(call.logs.some((l) => l.includes("caller's answer refused"))).toBe(true);
    expect(call.sig.requests('BYE')).toHaveLength(2);
    for (const bye of call.sig.requests('BYE')) bye.reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
  });
});
