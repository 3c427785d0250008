/**
 * Hold between two phones (music-on-hold.ts) with real RTP sessions on 127.0.0.1 and faked
 * signalling: the holder's re-INVITE is answered by the PBX, the held phone is re-INVITEd to the
 * PBX's sendonly session and hears the melody, the resume is relayed back with the phones' own
 * SDP and the PBX's sessions close; a held phone refusing our re-INVITE, or a hang-up while the
 * PBX's ports are being bound, leaves the call whole or released, with nothing leaked.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { parseRemoteSdp } from '../../../src/media/sdp.js';
import { getCSeq } from '../../../src/sip/message/index.js';
import {
  ANSWER,
  OFFER,
  bodyOf,
  device,
  expectReleased,
  fromCallee,
  fromCaller,
  startCall,
  until,
} from './fakes.js';
import type { Call, FakeClientTx } from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };

/** The caller's offer for a hold (RFC 3264 §8.4), and the one that resumes. */
const HOLD = OFFER.replace(' 1 1 IN', ' 1 2 IN') + 'a=sendonly\r\n';
const RESUME = OFFER.replace(' 1 1 IN', ' 1 3 IN') + 'a=sendrecv\r\n';
/** The callee's answer to the PBX's sendonly offer. */
const CALLEE_HELD = ANSWER.replace(' 2 2 IN', ' 2 3 IN') + 'a=recvonly\r\n';

function answeredCall(): { call: Call; leg: FakeClientTx } {
  const call = startCall([RING_100], { contacts: { '100': [device(1)] } });
  const leg = call.sig.only('INVITE');
  leg.reply(200, { toTag: 'b1', body: ANSWER });
  fromCaller(call, 'ACK', 10);
  return { call, leg };
}

const media = (call: Call) => call.session.media.holdings();

describe('music on hold between two phones', () => {
  it('the caller holds: PBX answers, callee hears the melody; resume goes phone to phone', async () => {
    const { call, leg } = answeredCall();
    expect(media(call).sessions).toBe(0);

    const hold = fromCaller(call, 'INVITE', 11, HOLD);
    // While the PBX binds its ports, another INVITE from either side is one too many.
    expect(fromCallee(call, leg, 'b1', 'INVITE', 6, ANSWER).tx?.statuses).toEqual([491]);
    await until(() => hold.tx?.statuses.length === 1);
    expect(hold.tx?.statuses).toEqual([200]);
    const ours = parseRemoteSdp(bodyOf(hold.tx?.last ?? leg.request));
    expect(ours.direction).toBe('recvonly');
    expect(ours.address).toBe('127.0.0.1');
    fromCaller(call, 'ACK', 11);

    // The callee gets the PBX's own sendonly offer in its dialog.
    const toCallee = call.sig.requests('INVITE')[1] as FakeClientTx;
    expect(toCallee.destination).toEqual(device(1).destination);
    expect(getCSeq(toCallee.request)).toEqual({ seq: 2, method: 'INVITE' });
    const offered = parseRemoteSdp(bodyOf(toCallee.request));
    expect(offered.direction).toBe('sendonly');
    expect(offered.port).not.toBe(ours.port);
    toCallee.reply(200, { toTag: 'b1', body: CALLEE_HELD });
    expect(call.sig.acks.at(-1)?.destination).toEqual(device(1).destination);
    await until(() => media(call).playbacks === 1);
    expect(media(call)).toMatchObject({ sessions: 2, bridges: 0 });
    // The callee's own re-INVITE while held (a session refresh) is answered by the PBX.
    const refresh = fromCallee(call, leg, 'b1', 'INVITE', 7, CALLEE_HELD);
    expect(refresh.tx?.statuses).toEqual([200]);
    fromCallee(call, leg, 'b1', 'ACK', 7);
    expect(call.sig.requests('INVITE')).toHaveLength(2);

    // Resume: the caller's offer reaches the callee as it is, the callee's answer comes back.
    const resume = fromCaller(call, 'INVITE', 12, RESUME);
    const relayed = call.sig.requests('INVITE')[2] as FakeClientTx;
    expect(bodyOf(relayed.request)).toBe(RESUME);
    expect(media(call).playbacks).toBe(1);
    relayed.reply(200, { toTag: 'b1', body: ANSWER });
    expect(resume.tx?.statuses).toEqual([200]);
    expect(bodyOf(resume.tx?.last ?? leg.request)).toBe(ANSWER);
    await until(() => media(call).sessions === 0);
    expect(media(call)).toEqual({ sessions: 0, playbacks: 0, bridges: 0, drivers: 0 });
    fromCaller(call, 'ACK', 12);
    expect(call.session.state).toBe('answered');

    // Held again and resumed again: the same way, new sessions.
    const again = fromCaller(call, 'INVITE', 13, HOLD.replace(' 1 2 IN', ' 1 4 IN'));
    await until(() => again.tx?.statuses.length === 1);
    expect(again.tx?.statuses).toEqual([200]);
    fromCaller(call, 'ACK', 13);

    fromCaller(call, 'BYE', 14);
    for (const r of call.sig.requests('INVITE').slice(3)) r.reply(487);
    for (const bye of call.sig.requests('BYE')) bye.reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
    expect(call.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '100' }]);
  });

  it('the callee holds and resumes with UPDATE (RFC 3311): same music, same way back', async () => {
    const { call, leg } = answeredCall();
    const hold = fromCallee(call, leg, 'b1', 'UPDATE', 7, CALLEE_HELD.replace('recv', 'send'));
    await until(() => hold.tx?.statuses.length === 1);
    expect(hold.tx?.statuses).toEqual([200]);
    expect(parseRemoteSdp(bodyOf(hold.tx?.last ?? leg.request)).direction).toBe('recvonly');
    // No ACK for an UPDATE: the caller is re-INVITEd to the music at once.
    const toCaller = call.sig.requests('INVITE')[1] as FakeClientTx;
    expect(parseRemoteSdp(bodyOf(toCaller.request)).direction).toBe('sendonly');
    toCaller.reply(200, { toTag: 'atag', body: OFFER + 'a=recvonly\r\n' });
    await until(() => media(call).playbacks === 1);

    const resume = fromCallee(call, leg, 'b1', 'UPDATE', 8, ANSWER.replace(' 2 2 IN', ' 2 4 IN'));
    const relayed = call.sig.only('UPDATE');
    relayed.reply(200, { body: RESUME });
    expect(resume.tx?.statuses).toEqual([200]);
    expect(bodyOf(resume.tx?.last ?? leg.request)).toBe(RESUME);
    await until(() => media(call).sessions === 0);
    expect(media(call).playbacks).toBe(0);

    fromCallee(call, leg, 'b1', 'BYE', 9);
    for (const bye of call.sig.requests('BYE')) bye.reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('a held phone refusing our re-INVITE: no music, the call goes on', async () => {
    const { call, leg } = answeredCall();
    const hold = fromCallee(call, leg, 'b1', 'INVITE', 7, CALLEE_HELD.replace('recv', 'send'));
    await until(() => hold.tx?.statuses.length === 1);
    expect(hold.tx?.statuses).toEqual([200]);
    fromCallee(call, leg, 'b1', 'ACK', 7);
    const toCaller = call.sig.requests('INVITE')[1] as FakeClientTx;
    expect(parseRemoteSdp(bodyOf(toCaller.request)).direction).toBe('sendonly');
    toCaller.reply(488);
    expect(call.session.state).toBe('answered');
    expect(media(call).playbacks).toBe(0);

    fromCallee(call, leg, 'b1', 'BYE', 8);
    for (const bye of call.sig.requests('BYE')) bye.reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('a hang-up while the PBX binds its ports: the hold gets 487, nothing is left', async () => {
    const { call, leg } = answeredCall();
    const hold = fromCaller(call, 'INVITE', 11, HOLD);
    expect(call.session.holdings().serverTransactions).toBe(1);
    fromCallee(call, leg, 'b1', 'BYE', 7);
    for (const bye of call.sig.requests('BYE')) bye.reply(200);
    await until(() => call.released === 1);
    expect(hold.tx?.statuses).toEqual([487]);
    expect(call.sig.requests('INVITE')).toHaveLength(1);
    expectReleased(call);
  });
});
