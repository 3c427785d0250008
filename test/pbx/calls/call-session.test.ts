/**
 * The plan executor (call-session.ts): steps in order, the caller's final response when the plan
 * runs out, a voice step after a ringing one, the trunk's `dial`, malformed INVITEs.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { getFrom } from '../../../src/sip/message/index.js';
import { ANONYMOUS_FROM } from '../../../src/pbx/calls/identity.js';
import type { TrunkRoute } from '../../../src/pbx/calls/ports.js';
import {
  FakeTrunks,
  bodyOf,
  callerInvite,
  device,
  expectReleased,
  fromCaller,
  startCall,
  until,
} from './fakes.js';
import type { Call } from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };

describe('CallSession: other steps', () => {
  it('a busy step answers 486 Busy Here', () => {
    const call = startCall([{ do: 'busy' }]);
    expect(call.invite.statuses).toEqual([486]);
    expect(call.invite.last.reason).toBe('Busy Here');
    expect(call.ends).toEqual([{ outcome: 'busy', status: 486, answeredBy: null }]);
    expectReleased(call);
  });

  it('a ring step without answer passes to the voicemail: the PBX answers the caller itself', async () => {
    const call = startCall([RING_100, { do: 'voicemail', mailbox: '100' }], {
      contacts: { '100': [device(1)] },
    });
    const leg = call.sig.only('INVITE');
    leg.reply(180, { toTag: 'd1' });
    call.scheduler.advance(20_000);
    call.sig.only('CANCEL').reply(200);
    leg.reply(487);
    await until(() => call.invite.statuses.length === 2);
    expect(call.invite.statuses).toEqual([180, 200]);
    // Its answer to the caller's offer, from the PBX's own RTP session.
    expect(bodyOf(call.invite.last)).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    expect(call.session.state).toBe('voicemail');
    fromCaller(call, 'BYE', 11);
    expect(call.ends).toEqual([{ outcome: 'voicemail', status: 200, answeredBy: null }]);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('an empty plan gives 480, or 404 for an unknown destination', () => {
    const call = startCall([]);
    expect(call.invite.statuses).toEqual([480]);
    expectReleased(call);
    const unknown = startCall([], { trace: [{ code: 'unknown-destination', target: '999' }] });
    expect(unknown.invite.statuses).toEqual([404]);
    expectReleased(unknown);
  });

  it('Max-Forwards 0 gives 483 and no B-leg', () => {
    const call = startCall([RING_100], {
      contacts: { '100': [device(1)] },
      request: callerInvite({ maxForwards: 0 }),
    });
    expect(call.invite.statuses).toEqual([483]);
    expect(call.sig.sent).toHaveLength(0);
    expectReleased(call);
  });
});

describe('CallSession: malformed INVITE', () => {
  it('an INVITE without Contact gets 400', () => {
    const request = callerInvite();
    request.headers.delete('Contact');
    const call = startCall([RING_100], { contacts: { '100': [device(1)] }, request });
    expect(call.invite.statuses).toEqual([400]);
    expectReleased(call);
  });
});

describe('CallSession: dial', () => {
  const route = (trusted: boolean): TrunkRoute => ({
    destination: { protocol: 'udp', address: '203.0.113.5', port: 5080 },
    requestUri: 'sip:0442930698@203.0.113.5:5080',
    to: '<sip:0442930698@203.0.113.5:5080>',
    fromHost: '203.0.113.5',
    callerUser: '0612345678',
    trusted,
  });
  const dial = (presentation: 'caller' | 'anonymous', timeout: number | null): Step => ({
    do: 'dial',
    number: '+33442930698',
    presentation,
    timeout,
  });

  /** The trunk leg goes once the PBX's sessions are open (its media is anchored, design §5). */
  async function dialled(plan: Step[], options: Parameters<typeof startCall>[1]): Promise<Call> {
    const call = startCall(plan, options);
    await until(() => call.sig.requests('INVITE').length === 1);
    return call;
  }

  it('anonymous toward a trusted trunk: anonymous From, Privacy: id, P-Asserted-Identity', async () => {
    const trunks = new FakeTrunks(route(true));
    const call = await dialled([dial('anonymous', 20)], { trunks });
    expect(trunks.calls).toEqual([{ number: '+33442930698', presentation: 'anonymous' }]);
    const invite = call.sig.only('INVITE').request;
    expect(invite.uri).toBe('sip:0442930698@203.0.113.5:5080');
    expect(invite.headers.get('From')?.startsWith(`${ANONYMOUS_FROM};tag=`)).toBe(true);
    expect(invite.headers.get('Privacy')).toBe('id');
    expect(invite.headers.get('P-Asserted-Identity')).toBe(
      '"Bob Caller" <sip:0612345678@203.0.113.5>',
    );
    // The PBX's own offer, not the caller's: the media is anchored.
    expect(bodyOf(invite)).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    call.sig.only('INVITE').reply(603);
    expect(call.invite.statuses).toEqual([486]);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('anonymous toward an untrusted trunk: no P-Asserted-Identity', async () => {
    const call = await dialled([dial('anonymous', 20)], { trunks: new FakeTrunks(route(false)) });
    const invite = call.sig.only('INVITE').request;
    expect(getFrom(invite)?.uri).toBe('sip:anonymous@anonymous.invalid');
    expect(invite.headers.get('Privacy')).toBe('id');
    expect(invite.headers.has('P-Asserted-Identity')).toBe(false);
    call.sig.only('INVITE').reply(503);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('presentation caller shows the caller; timeout null arms no timer', async () => {
    const call = await dialled([dial('caller', null)], { trunks: new FakeTrunks(route(false)) });
    const invite = call.sig.only('INVITE').request;
    expect(invite.headers.get('From')).toMatch(
      /^"Bob Caller" <sip:0612345678@203\.0\.113\.5>;tag=/,
    );
    expect(invite.headers.has('Privacy')).toBe(false);
    expect(call.scheduler.pending).toBe(0);
    call.scheduler.advance(3_600_000);
    expect(call.session.state).toBe('ringing');
    call.sig.only('INVITE').reply(480);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('a withheld caller stays withheld even with presentation caller', async () => {
    const call = await dialled([dial('caller', 20)], {
      trunks: new FakeTrunks({ ...route(true), callerUser: null }),
      caller: { kind: 'anonymous' },
      callerName: null,
    });
    const invite = call.sig.only('INVITE').request;
    expect(getFrom(invite)?.uri).toBe('sip:anonymous@anonymous.invalid');
    expect(invite.headers.get('Privacy')).toBe('id');
    expect(invite.headers.has('P-Asserted-Identity')).toBe(false);
    call.session.terminate();
    call.sig.only('INVITE').reply(100);
    call.sig.only('CANCEL').reply(200);
    call.sig.only('INVITE').reply(487);
    expect(call.invite.statuses).toEqual([503]);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('no trunk: the step fails as unreachable', () => {
    const call = startCall([dial('caller', null)]);
    expect(call.invite.statuses).toEqual([480]);
    expectReleased(call);
  });
});
