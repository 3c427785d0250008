import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { getCSeq, getFrom, getMaxForwards, getTo } from '../../../src/sip/message/index.js';
import { ANONYMOUS_FROM } from '../../../src/pbx/calls/identity.js';
import type { TrunkRoute } from '../../../src/pbx/calls/ports.js';
import {
  ANSWER,
  HELD,
  HOLD,
  OFFER,
  FakeTrunks,
  bodyOf,
  callerInvite,
  device,
  expectReleased,
  fromCallee,
  fromCaller,
  startCall,
} from './fakes.js';
import type { Call, FakeClientTx } from './fakes.js';
import { FakeServerTx } from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };
const RING_101: Step = { do: 'ring', extensions: ['101'], timeout: 10 };

/** Ring 100 on one device, answer, ACK: the usual start of an answered call. */
function answeredCall(): { call: Call; leg: FakeClientTx } {
  const call = startCall([RING_100], { contacts: { '100': [device(1)] } });
  const leg = call.sig.only('INVITE');
  leg.reply(180, { toTag: 'b1' });
  leg.reply(200, { toTag: 'b1', body: ANSWER });
  fromCaller(call, 'ACK', 10);
  return { call, leg };
}

/** The BYE for whichever dialog: answered with 200 by its far end. */
function acceptByes(call: Call): void {
  for (const bye of call.sig.requests('BYE')) bye.reply(200);
}

describe('CallSession: ring', () => {
  it('forks to both devices of an extension, the first 2xx wins, the other is CANCELled', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1), device(2)] } });
    expect(call.session.state).toBe('ringing');
    expect(call.session.step).toBe(0);
    const [leg1, leg2] = call.sig.requests('INVITE') as [FakeClientTx, FakeClientTx];
    expect(call.sig.requests('INVITE')).toHaveLength(2);
    expect(leg1.request.uri).toBe(device(1).uri);
    expect(leg2.destination).toEqual(device(2).destination);
    // The caller's identity, offer and a decremented Max-Forwards pass through.
    const from = getFrom(leg1.request);
    expect(from?.displayName).toBe('Bob Caller');
    expect(from?.uri).toBe('sip:+33612345678@pbx.test');
    expect(getMaxForwards(leg1.request)).toBe(69);
    expect(bodyOf(leg1.request)).toBe(OFFER);
    expect(leg1.request.headers.get('Call-ID')).toBe(leg2.request.headers.get('Call-ID'));
    expect(getFrom(leg1.request)?.tag).not.toBe(getFrom(leg2.request)?.tag);

    leg1.reply(180, { toTag: 'd1' });
    expect(call.invite.statuses).toEqual([180]);
    leg2.reply(200, { toTag: 'd2', body: ANSWER });
    expect(call.invite.statuses).toEqual([180, 200]);
    expect(bodyOf(call.invite.last)).toBe(ANSWER);
    expect(call.invite.last.headers.get('Contact')).toBe('<sip:renvoi@192.0.2.1:5060>');
    expect(call.invite.last.headers.get('Record-Route')).toBe('<sip:proxy.test;lr>');
    expect(call.session.state).toBe('answered');
    expect(call.answered).toEqual(['100']);

    const cancel = call.sig.only('CANCEL');
    expect(cancel.destination).toEqual(device(1).destination);
    expect(cancel.request.headers.get('Via')).toBe(leg1.request.headers.get('Via'));
    cancel.reply(200);
    leg1.reply(487);

    // The callee's 2xx is acknowledged when the caller acknowledges ours.
    expect(call.sig.acks).toHaveLength(0);
    fromCaller(call, 'ACK', 10);
    expect(call.sig.acks).toHaveLength(1);
    const ack = call.sig.acks[0]?.ack;
    expect(getCSeq(ack ?? leg2.request)).toEqual({ seq: 1, method: 'ACK' });
    expect(ack?.uri).toBe('sip:callee@192.0.2.20:5062');
    expect(ack?.headers.get('Via')).not.toBe(leg2.request.headers.get('Via'));

    fromCaller(call, 'BYE', 11);
    acceptByes(call);
    expect(call.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '100' }]);
    expectReleased(call);
  });

  it('no answer moves to the next step; when all fail the caller gets 480', () => {
    const call = startCall([RING_100, RING_101], {
      contacts: { '100': [device(1)], '101': [device(2)] },
    });
    const leg1 = call.sig.only('INVITE');
    leg1.reply(180, { toTag: 'd1' });
    call.scheduler.advance(19_999);
    expect(call.sig.requests('CANCEL')).toHaveLength(0);
    call.scheduler.advance(1);
    expect(call.sig.only('CANCEL').destination).toEqual(device(1).destination);
    call.sig.only('CANCEL').reply(200);
    expect(call.session.step).toBe(1);
    const leg2 = call.sig.only('INVITE', device(2).destination);
    leg1.reply(487);
    leg2.reply(180, { toTag: 'd2' });
    call.scheduler.advance(10_000);
    call.sig.requests('CANCEL')[1]?.reply(200);
    leg2.reply(487);
    expect(call.invite.statuses).toEqual([180, 480]);
    expect(call.ends).toEqual([{ outcome: 'no-answer', status: 480, answeredBy: null }]);
    expectReleased(call);
  });

  it('a B-leg that answers neither the INVITE nor the CANCEL is given up after 64*T1', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1)] } });
    const leg = call.sig.only('INVITE');
    call.scheduler.advance(20_000);
    // RFC 3261 §9.1: no CANCEL before a provisional response.
    expect(call.sig.requests('CANCEL')).toHaveLength(0);
    expect(call.invite.statuses).toEqual([480]);
    leg.reply(100);
    expect(call.sig.requests('CANCEL')).toHaveLength(1);
    call.scheduler.advance(32_000);
    expect(leg.terminated).toBe(true);
    call.sig.only('CANCEL').reply(200);
    expectReleased(call);
  });

  it('an unregistered extension is skipped at once', () => {
    const call = startCall([RING_100, RING_101], { contacts: { '101': [device(2)] } });
    expect(call.logs.some((l) => l.includes('extension 100 is not registered'))).toBe(true);
    expect(call.session.step).toBe(1);
    const leg = call.sig.only('INVITE');
    leg.reply(486);
    expect(call.invite.statuses).toEqual([486]);
    expectReleased(call);
  });

  it("a B-leg's 486 moves on to the next step", () => {
    const call = startCall([RING_100, RING_101], {
      contacts: { '100': [device(1)], '101': [device(2)] },
    });
    call.sig.only('INVITE').reply(486);
    expect(call.session.step).toBe(1);
    const leg2 = call.sig.only('INVITE', device(2).destination);
    leg2.reply(404);
    // The last step's failure decides: unreachable gives 480.
    expect(call.invite.statuses).toEqual([480]);
    expect(call.ends[0]?.outcome).toBe('unavailable');
    expectReleased(call);
  });

  it('busy on one of two devices does not stop the other from ringing', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1), device(2)] } });
    const [leg1, leg2] = call.sig.requests('INVITE') as [FakeClientTx, FakeClientTx];
    leg1.reply(486);
    expect(call.session.state).toBe('ringing');
    leg2.reply(480);
    expect(call.invite.statuses).toEqual([486]);
    expect(call.ends[0]).toEqual({ outcome: 'busy', status: 486, answeredBy: null });
    expectReleased(call);
  });

  it('glare: a second answer is acknowledged and BYEd', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1), device(2)] } });
    const [leg1, leg2] = call.sig.requests('INVITE') as [FakeClientTx, FakeClientTx];
    leg1.reply(180, { toTag: 'd1' });
    leg2.reply(200, { toTag: 'd2', body: ANSWER });
    const cancel = call.sig.only('CANCEL');
    // The CANCEL crossed device 1's answer.
    leg1.reply(200, { toTag: 'd1', body: ANSWER });
    cancel.reply(200);
    const late = call.sig.acks.find((a) => a.destination.address === device(1).destination.address);
    expect(late).toBeDefined();
    expect(getCSeq(late?.ack ?? leg1.request)).toEqual({ seq: 1, method: 'ACK' });
    const bye = call.sig.only('BYE', device(1).destination);
    expect(getTo(bye.request)?.tag).toBe('d1');
    bye.reply(200);
    expect(call.session.bLegs.map((l) => l.target)).toEqual(['100']);
    expect(call.invite.statuses).toEqual([180, 200]);
    fromCaller(call, 'ACK', 10);
    fromCaller(call, 'BYE', 11);
    call.sig.only('BYE', device(2).destination).reply(200);
    expectReleased(call);
  });
});

describe('CallSession: other steps', () => {
  it('a busy step answers 486 Busy Here', () => {
    const call = startCall([{ do: 'busy' }]);
    expect(call.invite.statuses).toEqual([486]);
    expect(call.invite.last.reason).toBe('Busy Here');
    expect(call.ends).toEqual([{ outcome: 'busy', status: 486, answeredBy: null }]);
    expectReleased(call);
  });

  it('without a media layer a voicemail step ends the call with 480 and says why', () => {
    const call = startCall([RING_100, { do: 'voicemail', mailbox: '100' }], {
      contacts: { '100': [device(1)] },
    });
    const leg = call.sig.only('INVITE');
    leg.reply(180, { toTag: 'd1' });
    call.scheduler.advance(20_000);
    expect(call.invite.statuses).toEqual([180, 480]);
    expect(call.logs.some((l) => l.includes('voicemail 100: no media layer'))).toBe(true);
    expect(call.ends[0]?.outcome).toBe('unavailable');
    expect(call.session.state).toBe('releasing');
    call.sig.only('CANCEL').reply(200);
    leg.reply(487);
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

  it('anonymous toward a trusted trunk: anonymous From, Privacy: id, P-Asserted-Identity', () => {
    const trunks = new FakeTrunks(route(true));
    const call = startCall([dial('anonymous', 20)], { trunks });
    expect(trunks.calls).toEqual([{ number: '+33442930698', presentation: 'anonymous' }]);
    const invite = call.sig.only('INVITE').request;
    expect(invite.uri).toBe('sip:0442930698@203.0.113.5:5080');
    expect(invite.headers.get('From')?.startsWith(`${ANONYMOUS_FROM};tag=`)).toBe(true);
    expect(invite.headers.get('Privacy')).toBe('id');
    expect(invite.headers.get('P-Asserted-Identity')).toBe(
      '"Bob Caller" <sip:0612345678@203.0.113.5>',
    );
    call.sig.only('INVITE').reply(603);
    expect(call.invite.statuses).toEqual([486]);
    expectReleased(call);
  });

  it('anonymous toward an untrusted trunk: no P-Asserted-Identity', () => {
    const call = startCall([dial('anonymous', 20)], { trunks: new FakeTrunks(route(false)) });
    const invite = call.sig.only('INVITE').request;
    expect(getFrom(invite)?.uri).toBe('sip:anonymous@anonymous.invalid');
    expect(invite.headers.get('Privacy')).toBe('id');
    expect(invite.headers.has('P-Asserted-Identity')).toBe(false);
    call.sig.only('INVITE').reply(503);
    expectReleased(call);
  });

  it('presentation caller shows the caller; timeout null arms no timer', () => {
    const call = startCall([dial('caller', null)], { trunks: new FakeTrunks(route(false)) });
    const invite = call.sig.only('INVITE').request;
    expect(invite.headers.get('From')).toMatch(
      /^"Bob Caller" <sip:0612345678@203\.0\.113\.5>;tag=/,
    );
    expect(invite.headers.has('Privacy')).toBe(false);
    expect(call.scheduler.pending).toBe(0);
    call.scheduler.advance(3_600_000);
    expect(call.session.state).toBe('ringing');
    call.sig.only('INVITE').reply(480);
    expectReleased(call);
  });

  it('a withheld caller stays withheld even with presentation caller', () => {
    const call = startCall([dial('caller', 20)], {
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
    expectReleased(call);
  });

  it('no trunk: the step fails as unreachable', () => {
    const call = startCall([dial('caller', null)]);
    expect(call.invite.statuses).toEqual([480]);
    expectReleased(call);
  });
});

describe('CallSession: CANCEL and BYE', () => {
  it('the caller CANCELs while ringing: 200, 487, CANCEL to every B-leg', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1), device(2)] } });
    const [leg1, leg2] = call.sig.requests('INVITE') as [FakeClientTx, FakeClientTx];
    leg1.reply(180, { toTag: 'd1' });
    leg2.reply(183, { toTag: 'd2', body: ANSWER });
    // The first provisional gave 180; early media from the second is relayed with its SDP.
    expect(call.invite.statuses).toEqual([180, 183]);
    const cancelTx = fromCancel(call);
    expect(cancelTx.statuses).toEqual([200]);
    expect(call.invite.statuses).toEqual([180, 183, 487]);
    expect(call.sig.requests('CANCEL')).toHaveLength(2);
    for (const c of call.sig.requests('CANCEL')) c.reply(200);
    leg1.reply(487);
    expect(call.session.state).toBe('releasing');
    leg2.reply(487);
    expect(call.ends).toEqual([{ outcome: 'cancelled', status: 487, answeredBy: null }]);
    expectReleased(call);
  });

  it('BYE from the caller is answered and passed to the callee', () => {
    const { call, leg } = answeredCall();
    const { tx } = fromCaller(call, 'BYE', 11);
    expect(tx?.statuses).toEqual([200]);
    const bye = call.sig.only('BYE');
    expect(bye.destination).toEqual(device(1).destination);
    expect(bye.request.uri).toBe('sip:callee@192.0.2.20:5062');
    expect(getCSeq(bye.request)).toEqual({ seq: 2, method: 'BYE' });
    expect(getTo(bye.request)?.tag).toBe('b1');
    expect(getFrom(bye.request)?.tag).toBe(getFrom(leg.request)?.tag);
    bye.reply(200);
    expectReleased(call);
  });

  it('BYE from the callee is answered and passed to the caller', () => {
    const { call, leg } = answeredCall();
    const { tx } = fromCallee(call, leg, 'b1', 'BYE', 1);
    expect(tx?.statuses).toEqual([200]);
    const bye = call.sig.only('BYE');
    expect(bye.destination).toEqual({ protocol: 'udp', address: '198.51.100.7', port: 5060 });
    // RFC 3261 §12.2.1.1: remote target as Request-URI, the caller's Record-Route as Route.
    expect(bye.request.uri).toBe('sip:bob@198.51.100.7:5060');
    expect(bye.request.headers.getAll('Route')).toEqual(['<sip:proxy.test;lr>']);
    expect(getTo(bye.request)?.tag).toBe('atag');
    expect(getCSeq(bye.request)).toEqual({ seq: 1, method: 'BYE' });
    expect(call.session.state).toBe('releasing');
    bye.reply(200);
    expectReleased(call);
  });

  it('a BYE crossing ours gets 200', () => {
    const { call, leg } = answeredCall();
    fromCaller(call, 'BYE', 11);
    const { tx } = fromCallee(call, leg, 'b1', 'BYE', 1);
    expect(tx?.statuses).toEqual([200]);
    acceptByes(call);
    expectReleased(call);
  });

  it('the caller hanging up an early dialog with BYE ends it like a CANCEL', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1)] } });
    const leg = call.sig.only('INVITE');
    leg.reply(180, { toTag: 'd1' });
    const { tx } = fromCaller(call, 'BYE', 11);
    expect(tx?.statuses).toEqual([200]);
    expect(call.invite.statuses).toEqual([180, 487]);
    call.sig.only('CANCEL').reply(200);
    leg.reply(487);
    expectReleased(call);
  });
});

/** The caller's CANCEL of its INVITE (RFC 3261 §9.1: same Call-ID, From, To, CSeq number). */
function fromCancel(call: Call): FakeServerTx {
  const request = callerInvite({ body: '' });
  request.method = 'CANCEL';
  request.headers.set('CSeq', '10 CANCEL');
  const tx = new FakeServerTx(request);
  call.session.cancel(tx);
  return tx;
}

describe('CallSession: in-dialog requests', () => {
  it('a re-INVITE (hold) from the caller is relayed with its SDP and answered back', () => {
    const { call } = answeredCall();
    const { tx } = fromCaller(call, 'INVITE', 11, HOLD);
    const reinvite = call.sig.requests('INVITE')[1] as FakeClientTx;
    expect(reinvite.destination).toEqual(device(1).destination);
    expect(reinvite.request.uri).toBe('sip:callee@192.0.2.20:5062');
    // The callee's dialog has its own CSeq: 1 was the INVITE.
    expect(getCSeq(reinvite.request)).toEqual({ seq: 2, method: 'INVITE' });
    expect(getTo(reinvite.request)?.tag).toBe('b1');
    expect(bodyOf(reinvite.request)).toBe(HOLD);
    expect(getMaxForwards(reinvite.request)).toBe(69);
    reinvite.reply(200, { toTag: 'b1', body: HELD });
    expect(tx?.statuses).toEqual([200]);
    expect(bodyOf(tx?.last ?? reinvite.request)).toBe(HELD);
    expect(tx?.last.headers.get('Contact')).toBe('<sip:renvoi@192.0.2.1:5060>');
    // Until the caller's ACK, the relayed 2xx is retransmitted; its ACK becomes the callee's.
    call.scheduler.advance(500);
    expect(tx?.statuses).toEqual([200, 200]);
    fromCaller(call, 'ACK', 11);
    const ack = call.sig.acks.at(-1)?.ack;
    expect(ack === undefined ? null : getCSeq(ack)).toEqual({ seq: 2, method: 'ACK' });
    expect(call.scheduler.pending).toBe(0);

    // A retransmission of the callee's 2xx gets the same ACK again.
    reinvite.reply(200, { toTag: 'b1', body: HELD });
    expect(call.sig.acks.at(-1)?.ack).toBe(ack);

    fromCaller(call, 'BYE', 12);
    acceptByes(call);
    expectReleased(call);
  });

  it('a re-INVITE from the callee goes to the caller in the caller dialog', () => {
    const { call, leg } = answeredCall();
    const { tx } = fromCallee(call, leg, 'b1', 'INVITE', 7, HOLD);
    const reinvite = call.sig.only('INVITE', {
      protocol: 'udp',
      address: '198.51.100.7',
      port: 5060,
    });
    expect(reinvite.request.uri).toBe('sip:bob@198.51.100.7:5060');
    expect(reinvite.request.headers.getAll('Route')).toEqual(['<sip:proxy.test;lr>']);
    expect(getCSeq(reinvite.request)).toEqual({ seq: 1, method: 'INVITE' });
    expect(getTo(reinvite.request)?.tag).toBe('atag');
    expect(bodyOf(reinvite.request)).toBe(HOLD);
    reinvite.reply(200, { toTag: 'atag', body: HELD, contact: 'sip:bob@198.51.100.7:5070' });
    expect(tx?.statuses).toEqual([200]);
    expect(bodyOf(tx?.last ?? reinvite.request)).toBe(HELD);
    fromCallee(call, leg, 'b1', 'ACK', 7);
    const ack = call.sig.acks.at(-1);
    expect(ack?.ack.uri).toBe('sip:bob@198.51.100.7:5070');
    expect(getCSeq(ack?.ack ?? reinvite.request)).toEqual({ seq: 1, method: 'ACK' });

    // UPDATE (RFC 3311) passes the same way, in the next CSeq of the caller's dialog.
    const update = fromCallee(call, leg, 'b1', 'UPDATE', 8, HOLD);
    const out = call.sig.only('UPDATE');
    expect(getCSeq(out.request)).toEqual({ seq: 2, method: 'UPDATE' });
    out.reply(200, { body: HELD });
    expect(update.tx?.statuses).toEqual([200]);

    fromCallee(call, leg, 'b1', 'BYE', 9);
    acceptByes(call);
    expectReleased(call);
  });

  it('a re-INVITE while another is in progress gets 491', () => {
    const { call, leg } = answeredCall();
    fromCaller(call, 'INVITE', 11, HOLD);
    const { tx } = fromCallee(call, leg, 'b1', 'INVITE', 7, HOLD);
    expect(tx?.statuses).toEqual([491]);
    (call.sig.requests('INVITE')[1] as FakeClientTx).reply(491);
    const { tx: retry } = fromCallee(call, leg, 'b1', 'INVITE', 8, HOLD);
    expect(retry?.statuses).toEqual([]);
    fromCaller(call, 'BYE', 12);
    // The re-INVITE still pending toward the caller gets 487 (RFC 3261 §15.1.2).
    expect(retry?.statuses).toEqual([487]);
    const toCaller = call.sig.only('INVITE', {
      protocol: 'udp',
      address: '198.51.100.7',
      port: 5060,
    });
    toCaller.reply(481);
    acceptByes(call);
    expectReleased(call);
  });

  it('an out-of-order CSeq gets 500', () => {
    const { call } = answeredCall();
    const { tx } = fromCaller(call, 'INVITE', 9, HOLD);
    expect(tx?.statuses).toEqual([500]);
    fromCaller(call, 'BYE', 11);
    acceptByes(call);
    expectReleased(call);
  });

  it('methods not relayed get 501', () => {
    const { call } = answeredCall();
    const { tx } = fromCaller(call, 'REFER', 11);
    expect(tx?.statuses).toEqual([501]);
    fromCaller(call, 'BYE', 12);
    acceptByes(call);
    expectReleased(call);
  });

  it('our 2xx is retransmitted until the ACK, and the call ends after 64*T1 without one', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1)] } });
    const leg = call.sig.only('INVITE');
    leg.reply(200, { toTag: 'b1', body: ANSWER });
    call.scheduler.advance(500 + 1000 + 2000 + 4000);
    expect(call.invite.statuses).toEqual([200, 200, 200, 200, 200]);
    call.scheduler.advance(32_000);
    // Both legs get a BYE; the callee's 2xx is acknowledged first.
    expect(call.sig.acks).toHaveLength(1);
    expect(call.sig.requests('BYE')).toHaveLength(2);
    acceptByes(call);
    expectReleased(call);
  });

  it('late offer: the caller ACK answer reaches the callee ACK', () => {
    const call = startCall([RING_100], {
      contacts: { '100': [device(1)] },
      request: callerInvite({ body: '' }),
    });
    const leg = call.sig.only('INVITE');
    expect(leg.request.body.length).toBe(0);
    leg.reply(200, { toTag: 'b1', body: ANSWER });
    fromCaller(call, 'ACK', 10, OFFER);
    expect(bodyOf(call.sig.acks[0]?.ack ?? leg.request)).toBe(OFFER);
    fromCaller(call, 'BYE', 11);
    acceptByes(call);
    expectReleased(call);
  });

  it('requests before the answer get 500 with Retry-After', () => {
    const call = startCall([RING_100], { contacts: { '100': [device(1)] } });
    const leg = call.sig.only('INVITE');
    leg.reply(180, { toTag: 'd1' });
    const { tx } = fromCaller(call, 'UPDATE', 11, HOLD);
    expect(tx?.statuses).toEqual([500]);
    expect(tx?.last.headers.has('Retry-After')).toBe(true);
    call.session.terminate();
    call.sig.only('CANCEL').reply(200);
    leg.reply(487);
    expectReleased(call);
  });
});
