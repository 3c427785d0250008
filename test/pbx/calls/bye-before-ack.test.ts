/**
 * The caller's BYE overtaking its ACK (a datagram late): RFC 3261 §15 lets a UA send BYE on a
 * confirmed dialog, and §13.2.2.4 wants the callee's 2xx acknowledged before the dialog ends.
 * The callee must see ACK then BYE, and the PBX stop waiting for the caller's ACK.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { getCSeq } from '../../../src/sip/message/index.js';
import {
  ANSWER,
  bodyOf,
  callerInvite,
  device,
  expectReleased,
  fromCaller,
  startCall,
} from './fakes.js';
import type { Call, FakeClientTx, FakeSignaling } from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };

/** What the PBX sent toward the callee, in order, as "METHOD" strings. */
function recordTowardCallee(sig: FakeSignaling, callee: string): string[] {
  const seen: string[] = [];
  const sendAck = sig.sendAck.bind(sig);
  const sendRequest = sig.sendRequest.bind(sig);
  sig.sendAck = (ack, destination) => {
    if (destination.address === callee) seen.push('ACK');
    sendAck(ack, destination);
  };
  sig.sendRequest = (request, destination, handlers) => {
    if (destination.address === callee) seen.push(request.method);
    return sendRequest(request, destination, handlers);
  };
  return seen;
}

function answered(body?: string): { call: Call; leg: FakeClientTx; towardCallee: string[] } {
  const request = body === undefined ? undefined : callerInvite({ body });
  const call = startCall([RING_100], {
    contacts: { '100': [device(1)] },
    ...(request === undefined ? {} : { request }),
  });
  const towardCallee = recordTowardCallee(call.sig, device(1).destination.address);
  const leg = call.sig.only('INVITE');
  leg.reply(180, { toTag: 'b1' });
  leg.reply(200, { toTag: 'b1', body: ANSWER });
  return { call, leg, towardCallee };
}

describe('CallSession: the caller BYE before its ACK', () => {
  it('the callee gets ACK then BYE, our 2xx stops, nothing is left', () => {
    const { call, towardCallee } = answered();
    expect(call.sig.acks).toHaveLength(0);
    const { tx } = fromCaller(call, 'BYE', 11);
    expect(tx?.statuses).toEqual([200]);
    expect(towardCallee).toEqual(['ACK', 'BYE']);
    const ack = call.sig.acks[0]?.ack;
    expect(ack === undefined ? null : getCSeq(ack)).toEqual({ seq: 1, method: 'ACK' });
    // The callee's 2xx carried the answer to the caller's offer: the ACK carries no body.
    expect(ack === undefined ? null : bodyOf(ack)).toBe('');
    expect(call.session.holdings().pendingAcks).toBe(0);
    // No more 2xx retransmissions toward the caller.
    const okCount = call.invite.statuses.filter((s) => s === 200).length;
    call.scheduler.advance(40_000);
    expect(call.invite.statuses.filter((s) => s === 200).length).toBe(okCount);
    // The late ACK changes nothing.
    fromCaller(call, 'ACK', 10);
    expect(towardCallee).toEqual(['ACK', 'BYE']);
    call.sig.only('BYE').reply(200);
    expect(call.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '100' }]);
    expectReleased(call);
  });

  it('late offer: with no answer from the caller, an empty ACK then the BYE (RFC 3261 §13.2.2.4)', () => {
    const { call, towardCallee } = answered('');
    // The callee's 2xx carries the offer, passed to the caller; its answer would be in its ACK.
    expect(bodyOf(call.invite.last)).toBe(ANSWER);
    fromCaller(call, 'BYE', 11);
    expect(towardCallee).toEqual(['ACK', 'BYE']);
    expect(bodyOf(call.sig.acks[0]?.ack ?? call.invite.last)).toBe('');
    call.sig.only('BYE').reply(200);
    expectReleased(call);
  });
});
