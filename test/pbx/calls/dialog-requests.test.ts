/**
 * Requests in the call's dialogs (dialog-requests.ts): CANCEL and BYE from either side, relayed
 * re-INVITEs and their ACKs, order checks, and what is refused before the answer.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { getCSeq, getFrom, getMaxForwards, getTo } from '../../../src/sip/message/index.js';
import {
  ANSWER,
  HOLD,
  MOVED,
  MOVED_ANSWER,
  OFFER,
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

describe('dialog requests: CANCEL and BYE', () => {
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

describe('dialog requests: in-dialog requests', () => {
  it('a re-INVITE (a new port) from the caller is relayed with its SDP and answered back', () => {
    const { call } = answeredCall();
    const { tx } = fromCaller(call, 'INVITE', 11, MOVED);
    const reinvite = call.sig.requests('INVITE')[1] as FakeClientTx;
    expect(reinvite.destination).toEqual(device(1).destination);
    expect(reinvite.request.uri).toBe('sip:callee@192.0.2.20:5062');
    // The callee's dialog has its own CSeq: 1 was the INVITE.
    expect(getCSeq(reinvite.request)).toEqual({ seq: 2, method: 'INVITE' });
    expect(getTo(reinvite.request)?.tag).toBe('b1');
    expect(bodyOf(reinvite.request)).toBe(MOVED);
    expect(getMaxForwards(reinvite.request)).toBe(69);
    reinvite.reply(200, { toTag: 'b1', body: MOVED_ANSWER });
    expect(tx?.statuses).toEqual([200]);
    expect(bodyOf(tx?.last ?? reinvite.request)).toBe(MOVED_ANSWER);
    expect(tx?.last.headers.get('Contact')).toBe('<sip:renvoi@192.0.2.1:5060>');
    // Until the caller's ACK, the relayed 2xx is retransmitted; its ACK becomes the callee's.
    call.scheduler.advance(500);
    expect(tx?.statuses).toEqual([200, 200]);
    fromCaller(call, 'ACK', 11);
    const ack = call.sig.acks.at(-1)?.ack;
    expect(ack === undefined ? null : getCSeq(ack)).toEqual({ seq: 2, method: 'ACK' });
    expect(call.scheduler.pending).toBe(0);

    // A retransmission of the callee's 2xx gets the same ACK again.
    reinvite.reply(200, { toTag: 'b1', body: MOVED_ANSWER });
    expect(call.sig.acks.at(-1)?.ack).toBe(ack);

    fromCaller(call, 'BYE', 12);
    acceptByes(call);
    expectReleased(call);
  });

  it('a re-INVITE from the callee goes to the caller in the caller dialog', () => {
    const { call, leg } = answeredCall();
    const { tx } = fromCallee(call, leg, 'b1', 'INVITE', 7, MOVED);
    const reinvite = call.sig.only('INVITE', {
      protocol: 'udp',
      address: '198.51.100.7',
      port: 5060,
    });
    expect(reinvite.request.uri).toBe('sip:bob@198.51.100.7:5060');
    expect(reinvite.request.headers.getAll('Route')).toEqual(['<sip:proxy.test;lr>']);
    expect(getCSeq(reinvite.request)).toEqual({ seq: 1, method: 'INVITE' });
    expect(getTo(reinvite.request)?.tag).toBe('atag');
    expect(bodyOf(reinvite.request)).toBe(MOVED);
    reinvite.reply(200, {
      toTag: 'atag',
      body: MOVED_ANSWER,
      contact: 'sip:bob@198.51.100.7:5070',
    });
    expect(tx?.statuses).toEqual([200]);
    expect(bodyOf(tx?.last ?? reinvite.request)).toBe(MOVED_ANSWER);
    fromCallee(call, leg, 'b1', 'ACK', 7);
    const ack = call.sig.acks.at(-1);
    expect(ack?.ack.uri).toBe('sip:bob@198.51.100.7:5070');
    expect(getCSeq(ack?.ack ?? reinvite.request)).toEqual({ seq: 1, method: 'ACK' });

    // UPDATE (RFC 3311) passes the same way, in the next CSeq of the caller's dialog.
    const update = fromCallee(call, leg, 'b1', 'UPDATE', 8, MOVED);
    const out = call.sig.only('UPDATE');
    expect(getCSeq(out.request)).toEqual({ seq: 2, method: 'UPDATE' });
    out.reply(200, { body: MOVED_ANSWER });
    expect(update.tx?.statuses).toEqual([200]);

    fromCallee(call, leg, 'b1', 'BYE', 9);
    acceptByes(call);
    expectReleased(call);
  });

  it('a re-INVITE while another is in progress gets 491', () => {
    const { call, leg } = answeredCall();
    fromCaller(call, 'INVITE', 11, MOVED);
    const { tx } = fromCallee(call, leg, 'b1', 'INVITE', 7, MOVED);
    expect(tx?.statuses).toEqual([491]);
    (call.sig.requests('INVITE')[1] as FakeClientTx).reply(491);
    const { tx: retry } = fromCallee(call, leg, 'b1', 'INVITE', 8, MOVED);
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

  it("methods not relayed get 501 with Allow; a REFER is the transfer module's (400 without Refer-To)", () => {
    const { call } = answeredCall();
    const { tx } = fromCaller(call, 'SUBSCRIBE', 11);
    expect(tx?.statuses).toEqual([501]);
    expect(tx?.last.headers.get('Allow')).toContain('REFER');
    expect(fromCaller(call, 'REFER', 12).tx?.statuses).toEqual([400]);
    fromCaller(call, 'BYE', 13);
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
