/**
 * Blind transfer (transfer/refer.ts, transfer/transfer-routing.ts, domain/transfer.ts): a REFER
 * from the party that answered, routed with the real `route()` as if the original caller had
 * called the target, NOTIFY sipfrag progress, the caller re-anchored at the PBX, the ring-back of
 * the transferor when the target is busy, and the refusals. Real RTP sessions on 127.0.0.1;
 * signalling faked.
 */
import { describe, expect, it } from 'vitest';
import { route } from '../../../src/domain/route.js';
import type { Step } from '../../../src/domain/types.js';
import type { TransferRouting } from '../../../src/pbx/calls/call-core.js';
import { routeTransfer } from '../../../src/pbx/calls/transfer/transfer-routing.js';
import { directoryOf } from '../../store/helpers.js';
import {
  ANSWER,
  CALLER_SOURCE,
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

const DIRECTORY = directoryOf({
  country: 'FR',
  timezone: 'Europe/Paris',
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'change-me-100', ringTimeout: 15 },
    {
      number: '101',
      name: 'Alice Martin',
      password: 'change-me-101',
      exceptions: [
        { callerId: '06*', action: { type: 'extension', target: '102', voicemail: false } },
      ],
    },
    { number: '102', name: 'Bruno', password: 'change-me-102' },
  ],
});

const NOW = new Date('2025-03-04T10:00:00Z');
const transfers: TransferRouting = {
  route: (caller, target, by) =>
    routeTransfer(DIRECTORY, target, by, (to) => route({ to, from: caller }, DIRECTORY, NOW)),
};
const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };
const CONTACTS = { '100': [device(1)], '101': [device(2)], '102': [device(3)] };

/** A 06… caller answered by the secretary (100), phone to phone. */
function answered(): { call: Call; leg: FakeClientTx } {
  const call = startCall([RING_100], { contacts: CONTACTS, transfers });
  const leg = call.sig.only('INVITE');
  leg.reply(200, { toTag: 'b1', body: ANSWER });
  fromCaller(call, 'ACK', 10);
  return { call, leg };
}

function refer(call: Call, leg: FakeClientTx, seq: number, referTo: string[]) {
  return fromCallee(
    call,
    leg,
    'b1',
    'REFER',
    seq,
    '',
    referTo.map((t) => `Refer-To: ${t}`),
  ).tx;
}

function notifies(call: Call): { body: string; state: string | undefined }[] {
  return call.sig.requests('NOTIFY', device(1).destination).map((n) => ({
    body: bodyOf(n.request),
    state: n.request.headers.get('Subscription-State'),
  }));
}

/** The PBX re-anchors the caller's media (its media went phone to phone): the caller accepts. */
async function callerReanchored(call: Call): Promise<void> {
  await until(() => call.sig.requests('INVITE', CALLER_SOURCE).length === 1);
  const reinvite = call.sig.only('INVITE', CALLER_SOURCE);
  expect(bodyOf(reinvite.request)).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
  reinvite.reply(200, { toTag: 'atag', body: OFFER });
  expect(call.sig.acks.some((a) => a.destination.address === CALLER_SOURCE.address)).toBe(true);
}

/** A request from the caller (its own dialog) with extra header lines. */
function fromCallerWith(call: Call, method: string, seq: number, extra: string[]) {
  return fromCaller(call, method, seq, '', extra).tx;
}

describe('blind transfer', () => {
  it("the secretary passes a 06 caller to Alice: Alice's 06* rule rings Bruno, NOTIFY 100 then 200", async () => {
    const { call, leg } = answered();
    const tx = refer(call, leg, 2, ['<sip:101@pbx.test>']);
    expect(tx?.statuses).toEqual([202]);
    expect(notifies(call)).toEqual([
      { body: 'SIP/2.0 100 Trying\r\n', state: 'active;expires=60' },
    ]);
    const first = call.sig.only('NOTIFY');
    expect(first.request.headers.get('Event')).toBe('refer');
    expect(first.request.headers.get('Content-Type')).toBe('message/sipfrag;version=2.0');
    first.reply(200);
    // The plan the transfer follows: Alice's exception for the original caller's number.
    expect(call.session.decision.exception).toBe(0);
    expect(call.session.decision.trace[0]).toEqual({
      code: 'transferred',
      extension: '100',
      target: '101',
    });
    await callerReanchored(call);
    await until(() => call.sig.requests('INVITE', device(3).destination).length === 1);
    expect(call.sig.requests('INVITE', device(2).destination)).toEqual([]);
    const bruno = call.sig.only('INVITE', device(3).destination);
    // The original caller is who Bruno sees.
    expect(bruno.request.headers.get('From')).toMatch(/^"Bob Caller" <sip:\+33612345678@/);
    bruno.reply(200, { toTag: 'b3', body: ANSWER });
    expect(call.answered).toEqual(['100', '102']);
    expect(notifies(call)[1]).toEqual({
      body: 'SIP/2.0 200 OK\r\n',
      state: 'terminated;reason=noresource',
    });
    call.sig.requests('NOTIFY')[1]?.reply(200);
    // The transferor is hung up once told.
    call.sig.only('BYE', device(1).destination).reply(200);
    fromCaller(call, 'BYE', 11);
    call.sig.only('BYE', device(3).destination).reply(200);
    expect(call.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '102' }]);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('the secretary holds the caller, then transfers it: the hold ends with the transfer', async () => {
    const { call, leg } = answered();
    const hold = fromCallee(call, leg, 'b1', 'INVITE', 2, ANSWER + 'a=sendonly\r\n');
    await until(() => hold.tx?.statuses.length === 1);
    fromCallee(call, leg, 'b1', 'ACK', 2);
    // The caller is re-INVITEd to the PBX's music (sendonly), and hears it.
    const toCaller = call.sig.only('INVITE', CALLER_SOURCE);
    expect(bodyOf(toCaller.request)).toMatch(/^a=sendonly$/m);
    toCaller.reply(200, { toTag: 'atag', body: OFFER + 'a=recvonly\r\n' });
    await until(() => call.session.media.holdings().playbacks === 1);

    expect(refer(call, leg, 3, ['<sip:102@pbx.test>'])?.statuses).toEqual([202]);
    call.sig.only('NOTIFY').reply(200);
    // Already at the PBX: the caller is not re-INVITEd again; Bruno rings with our offer.
    await until(() => call.sig.requests('INVITE', device(3).destination).length === 1);
    const bruno = call.sig.only('INVITE', device(3).destination);
    bruno.reply(200, { toTag: 'b3', body: ANSWER });
    expect(call.session.media.holdings()).toMatchObject({ playbacks: 0, bridges: 1 });
    // Bruno's re-INVITE is no resume of the secretary's hold: answered here, not relayed.
    const moved = fromCallee(call, bruno, 'b3', 'INVITE', 2, ANSWER.replace('5000', '5010'));
    expect(moved.tx?.statuses).toEqual([200]);
    fromCallee(call, bruno, 'b3', 'ACK', 2);
    expect(call.sig.requests('INVITE', CALLER_SOURCE)).toHaveLength(1);
    expect(call.session.media.holdings()).toMatchObject({ playbacks: 0, bridges: 1 });

    call.sig.requests('NOTIFY')[1]?.reply(200);
    call.sig.only('BYE', device(1).destination).reply(200);
    fromCaller(call, 'BYE', 11);
    call.sig.only('BYE', device(3).destination).reply(200);
    expect(call.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '102' }]);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('a busy target returns the call to the transferor: NOTIFY 486, then the secretary rings', async () => {
    const { call, leg } = answered();
    expect(refer(call, leg, 2, ['<sip:102@pbx.test>'])?.statuses).toEqual([202]);
    // The transferor hangs up at once, as blind transferors do.
    fromCallee(call, leg, 'b1', 'BYE', 3);
    await callerReanchored(call);
    await until(() => call.sig.requests('INVITE', device(3).destination).length === 1);
    call.sig.only('INVITE', device(3).destination).reply(486);
    // Its dialog is gone: the outcome is not NOTIFYed; the secretary's phone rings again.
    expect(notifies(call).map((n) => n.body)).toEqual(['SIP/2.0 100 Trying\r\n']);
    await until(() => call.sig.requests('INVITE', device(1).destination).length === 2);
    const back = call.sig.requests('INVITE', device(1).destination)[1] as FakeClientTx;
    back.reply(200, { toTag: 'b4', body: ANSWER });
    expect(call.answered).toEqual(['100', '100']);
    for (const n of call.sig.requests('NOTIFY')) n.reply(200);
    fromCaller(call, 'BYE', 11);
    call.sig.only('BYE', device(1).destination).reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('refusals: no Refer-To 400, premium number 403, unknown 404, Replaces naming no call 481; the call goes on', async () => {
    const { call, leg } = answered();
    expect(refer(call, leg, 2, [])?.statuses).toEqual([400]);
    expect(refer(call, leg, 3, ['<sip:101@pbx.test>', '<sip:102@pbx.test>'])?.statuses).toEqual([
      400,
    ]);
    expect(refer(call, leg, 4, ['<sip:0899123456@pbx.test>'])?.statuses).toEqual([403]);
    expect(refer(call, leg, 5, ['<sip:*999@pbx.test>'])?.statuses).toEqual([404]);
    // Attended transfer (RFC 3891): a Replaces without its tags is malformed; one naming no
    // call is accepted and fails as the transferee's INVITE with Replaces would (RFC 5589 §7).
    expect(refer(call, leg, 6, ['<sip:101@pbx.test?Replaces=abc%3Bto-tag%3Dx>'])?.statuses).toEqual(
      [400],
    );
    expect(
      refer(call, leg, 7, ['<sip:101@pbx.test?Replaces=abc%3Bto-tag%3Dx%3Bfrom-tag%3Dy>'])
        ?.statuses,
    ).toEqual([202]);
    expect(call.session.state).toBe('answered');
    expect(notifies(call).map((n) => n.body)).toEqual([
      'SIP/2.0 100 Trying\r\n',
      'SIP/2.0 481 Call/Transaction Does Not Exist\r\n',
    ]);
    for (const n of call.sig.requests('NOTIFY')) n.reply(200);
    fromCaller(call, 'BYE', 11);
    call.sig.only('BYE').reply(200);
    expectReleased(call);
  });

  it('the caller transfers the secretary to Bruno: the secretary takes its place, re-anchored', async () => {
    const { call, leg } = answered();
    const tx = fromCallerWith(call, 'REFER', 11, ['Refer-To: <sip:102@pbx.test>']);
    expect(tx?.statuses).toEqual([202]);
    const trying = call.sig.only('NOTIFY', CALLER_SOURCE);
    expect(bodyOf(trying.request)).toBe('SIP/2.0 100 Trying\r\n');
    trying.reply(200);
    // The secretary's media went phone to phone: the PBX re-INVITEs it with its own offer.
    await until(() => call.sig.requests('INVITE', device(1).destination).length === 2);
    const reinvite = call.sig.requests('INVITE', device(1).destination)[1] as FakeClientTx;
    expect(reinvite.request.headers.get('Call-ID')).toBe(leg.request.headers.get('Call-ID'));
    expect(bodyOf(reinvite.request)).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    reinvite.reply(200, { toTag: 'b1', body: ANSWER });
    await until(() => call.sig.requests('INVITE', device(3).destination).length === 1);
    const bruno = call.sig.only('INVITE', device(3).destination);
    // Bruno sees who is now calling: the secretary's extension.
    expect(bruno.request.headers.get('From')).toMatch(/<sip:100@pbx\.test>/);
    expect(call.session.decision.trace[0]).toEqual({
      code: 'transferred',
      extension: '+33612345678',
      target: '102',
    });
    bruno.reply(200, { toTag: 'b3', body: ANSWER });
    const final = call.sig.requests('NOTIFY', CALLER_SOURCE)[1] as FakeClientTx;
    expect(bodyOf(final.request)).toBe('SIP/2.0 200 OK\r\n');
    final.reply(200);
    call.sig.only('BYE', CALLER_SOURCE).reply(200);
    // The secretary hangs up: Bruno gets the BYE.
    fromCallee(call, leg, 'b1', 'BYE', 3);
    call.sig.only('BYE', device(3).destination).reply(200);
    expect(call.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '102' }]);
    await until(() => call.released === 1);
    expectReleased(call);
  });
});
