import { describe, expect, it } from 'vitest';
import { offerProblem, refuseUnusableOffer } from '../../../src/pbx/calls/offer-check.js';
import { FakeServerTx, callerInvite } from './fakes.js';

const sdp = (connection: string, media: string[]) =>
  ['v=0', 'o=- 1 1 IN IP4 198.51.100.7', 's=-', connection, 't=0 0', ...media, ''].join('\r\n');

describe('the offer check at the edge', () => {
  it('lets an INVITE without an offer, or with a usable one, through', () => {
    expect(offerProblem(callerInvite({ body: '' }), false)).toBeNull();
    expect(offerProblem(callerInvite(), false)).toBeNull();
  });

  it('lets through an offer the PBX could not answer itself but two phones may use (SRTP, video)', () => {
    const srtp = sdp('c=IN IP4 198.51.100.7', ['m=audio 70000 RTP/SAVP 0']);
    expect(offerProblem(callerInvite({ body: srtp }), false)).toBeNull();
    const video = sdp('c=IN IP4 198.51.100.7', ['m=video 5000 RTP/AVP 31']);
    expect(offerProblem(callerInvite({ body: video }), false)).toBeNull();
  });

  it('refuses a host name from an untrusted peer only', () => {
    const named = callerInvite({ body: sdp('c=IN IP4 media.example', ['m=audio 4000 RTP/AVP 0']) });
    expect(offerProblem(named, false)).toMatchObject({ code: 'address' });
    expect(offerProblem(named, true)).toBeNull();
  });

  it('answers 488 with a Warning naming the problem, 400 for an offer it cannot read', () => {
    const bad = new FakeServerTx(
      callerInvite({ body: sdp('c=IN IP4 198.51.100.7', ['m=audio 70000 RTP/AVP 0']) }),
    );
    expect(refuseUnusableOffer(bad, false, 'pbx.test', () => undefined)).toBe(true);
    expect(bad.statuses).toEqual([488]);
    expect(bad.responses[0]?.headers.get('Warning')).toBe(
      '305 pbx.test "Incompatible media format: RTP port 70000 is not a port (1-65535)"',
    );
    const garbage = new FakeServerTx(callerInvite({ body: 'hello' }));
    expect(refuseUnusableOffer(garbage, false, 'pbx.test', () => undefined)).toBe(true);
    expect(garbage.statuses).toEqual([400]);
    expect(garbage.responses[0]?.headers.get('Warning')).toBeUndefined();
  });
});
