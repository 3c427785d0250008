/**
 * When two phones may not reach each other's media (ringing.ts `apart`), the PBX carries it as it
 * does a trunk's: a caller whose offer names an address other than its SIP's (behind a NAT), a
 * phone registered with a Contact other than its source. An offer the PBX cannot carry (SRTP)
 * still passes through. Real RTP sessions on 127.0.0.1; signalling faked.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { OFFER, bodyOf, callerInvite, device, expectReleased, startCall, until } from './fakes.js';
import type { Call } from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };
/** The caller's SIP comes from 198.51.100.7 (fakes.ts); its offer names its private address. */
const PRIVATE_OFFER = OFFER.replace(/198\.51\.100\.7/g, '10.0.0.5');
const SRTP_OFFER =
  'v=0\r\no=caller 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n';

/** The callee is busy: the call ends, its media released. */
async function busy(call: Call): Promise<void> {
  call.sig.only('INVITE').reply(486, { toTag: 'b' });
  await until(() => call.released === 1);
  expect(call.invite.statuses.at(-1)).toBe(486);
  expectReleased(call);
}

describe('media anchored for phones apart', () => {
  it('a caller behind a NAT: the callee gets the PBX offer, not the private address', async () => {
    const call = startCall([RING_100], {
      contacts: { '100': [device(1)] },
      request: callerInvite({ body: PRIVATE_OFFER }),
    });
    expect(call.session.sides.legMedia).toBe('anchored');
    await until(() => call.sig.requests('INVITE').length === 1);
    const offer = bodyOf(call.sig.only('INVITE').request);
    expect(offer).not.toContain('10.0.0.5');
    expect(offer).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    await busy(call);
  });

  it('a callee registered from behind a NAT: anchored too', async () => {
    const natted = { ...device(1), uri: 'sip:phone1@10.0.0.9:5062' };
    const call = startCall([RING_100], { contacts: { '100': [natted] } });
    expect(call.session.sides.legMedia).toBe('anchored');
    await until(() => call.sig.requests('INVITE').length === 1);
    expect(bodyOf(call.sig.only('INVITE').request)).not.toBe(OFFER);
    await busy(call);
  });

  it('an offer the PBX cannot carry passes through as before', async () => {
    const call = startCall([RING_100], {
      contacts: { '100': [device(1)] },
      request: callerInvite({ body: SRTP_OFFER }),
    });
    expect(call.session.sides.legMedia).toBe('passthrough');
    expect(bodyOf(call.sig.only('INVITE').request)).toBe(SRTP_OFFER);
    await busy(call);
  });
});
