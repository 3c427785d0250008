/**
 * A ringing step's legs (ringing.ts): forking, the first 2xx winning, glare, step timeouts and
 * failures deciding the next step, early media passed to the caller.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { getCSeq, getFrom, getMaxForwards, getTo } from '../../../src/sip/message/index.js';
import { ANSWER, OFFER, bodyOf, device, expectReleased, fromCaller, startCall } from './fakes.js';
import type { Call, FakeClientTx } from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };
const RING_101: Step = { do: 'ring', extensions: ['101'], timeout: 10 };

/** The BYE for whichever dialog: answered with 200 by its far end. */
function acceptByes(call: Call): void {
  for (const bye of call.sig.requests('BYE')) bye.reply(200);
}

describe('ringing: the legs of a ring step', () => {
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
