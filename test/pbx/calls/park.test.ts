/**
 * Call park (park/park.ts): a REFER to `*0` from the party that answered parks the caller in the
 * lot's lowest free slot, re-anchors it at the PBX with the music on hold, tells the parker the
 * slot on the REFER's subscription and hangs up on it; past the timeout the parker is rung back.
 * A full lot fails the transfer with 503, the call going on. Real RTP sessions on 127.0.0.1;
 * signalling faked.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import type { TransferRouting } from '../../../src/pbx/calls/call-core.js';
import { parkingOf } from '../../../src/pbx/calls/park/parking.js';
import { retrievable } from '../../../src/pbx/calls/park/park.js';
import type { ParkableCall, ParkedCall } from '../../../src/pbx/calls/park/park.js';
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

const DIRECTORY = directoryOf({
  country: 'FR',
  timezone: 'Europe/Paris',
  extensions: [{ number: '100', name: 'Secrétariat', password: 'change-me-100', ringTimeout: 15 }],
});
/** A call parked earlier: the lot only holds it here (a full lot never reads its entries). */
const earlier: ParkedCall = { call: {} as ParkableCall, by: '100', slot: 1, waiting: true };
const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };
const TIMEOUT_MS = 30_000;

/** A call answered by 100, who REFERs it to `*0`; `occupied` slots taken by earlier calls. */
function parkedCall(slots: number, occupied = 0) {
  const parking = parkingOf(() => DIRECTORY, TIMEOUT_MS, slots);
  for (let i = 0; i < occupied; i++) parking.lot.park(earlier);
  const transfers: TransferRouting = { route: () => null, parking };
  const call = startCall([RING_100], { contacts: { '100': [device(1)] }, transfers });
  const leg = call.sig.only('INVITE');
  leg.reply(200, { toTag: 'b1', body: ANSWER });
  fromCaller(call, 'ACK', 10);
  const refer = fromCallee(call, leg, 'b1', 'REFER', 2, '', ['Refer-To: <sip:*0@pbx.test>']).tx;
  return { call, leg, parking, refer };
}

const notifies = (call: ReturnType<typeof parkedCall>['call']) =>
  call.sig.requests('NOTIFY', device(1).destination).map((n) => bodyOf(n.request));

describe('call park', () => {
  it('parks in slot 1 with music, tells *11, hangs up the parker; rings it back after the timeout', async () => {
    const { call, parking, refer } = parkedCall(9);
    expect(refer?.statuses).toEqual([202]);
    // The caller's media went phone to phone: it is brought to the PBX.
    await until(() => call.sig.requests('INVITE', CALLER_SOURCE).length === 1);
    call.sig.only('INVITE', CALLER_SOURCE).reply(200, { toTag: 'atag', body: OFFER });
    await until(() => notifies(call).length === 2);
    expect(notifies(call)).toEqual(['SIP/2.0 100 Trying\r\n', 'SIP/2.0 200 Parked *11\r\n']);
    for (const n of call.sig.requests('NOTIFY')) n.reply(200);
    call.sig.only('BYE', device(1).destination).reply(200);
    await until(() => call.session.media.holdings().playbacks === 1);
    expect(retrievable(parking, 1)?.by).toBe('100');
    expect(call.session.decision.to).toBe('100');

    // Not retrieved: the parker's phone rings again, the PBX's offer, the music stopped.
    call.scheduler.advance(TIMEOUT_MS);
    expect(retrievable(parking, 1)).toBeUndefined();
    expect(parking.lot.taken).toBe(0);
    await until(() => call.sig.requests('INVITE', device(1).destination).length === 2);
    expect(call.session.decision.trace[0]).toEqual({
      code: 'parked',
      extension: '100',
      target: '1',
    });
    const back = call.sig.requests('INVITE', device(1).destination)[1];
    back?.reply(200, { toTag: 'b2', body: ANSWER });
    expect(call.answered.at(-1)).toBe('100');
    expect(call.session.media.holdings()).toMatchObject({ playbacks: 0, bridges: 1 });
    fromCaller(call, 'BYE', 11);
    call.sig.requests('BYE', device(1).destination)[1]?.reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('a parker hanging up at once after the 202 still parks the caller', async () => {
    const { call, leg, parking, refer } = parkedCall(9);
    expect(refer?.statuses).toEqual([202]);
    fromCallee(call, leg, 'b1', 'BYE', 3);
    await until(() => call.sig.requests('INVITE', CALLER_SOURCE).length === 1);
    call.sig.only('INVITE', CALLER_SOURCE).reply(200, { toTag: 'atag', body: OFFER });
    await until(() => call.session.media.holdings().playbacks === 1);
    expect(retrievable(parking, 1)?.call).toBe(call.session);
    // Its dialog is gone: only the 100 Trying was NOTIFYed, and no BYE is sent to it.
    expect(notifies(call)).toEqual(['SIP/2.0 100 Trying\r\n']);
    for (const n of call.sig.requests('NOTIFY')) n.reply(200);
    expect(call.sig.requests('BYE', device(1).destination)).toEqual([]);
    fromCaller(call, 'BYE', 11);
    await until(() => call.released === 1);
    expectReleased(call);
  });

  it('a full lot: NOTIFY 503, the parker stays in its call', async () => {
    const { call, leg, parking, refer } = parkedCall(1, 1);
    expect(refer?.statuses).toEqual([202]);
    expect(notifies(call)).toEqual([
      'SIP/2.0 100 Trying\r\n',
      'SIP/2.0 503 Service Unavailable\r\n',
    ]);
    expect(call.sig.requests('NOTIFY')[1]?.request.headers.get('Subscription-State')).toBe(
      'terminated;reason=noresource',
    );
    for (const n of call.sig.requests('NOTIFY')) n.reply(200);
    expect(parking.lot.peek(1)).toBe(earlier);
    // Nothing changed for the call: no re-INVITE, no BYE; the parker hangs up later.
    expect(call.session.state).toBe('answered');
    expect(call.sig.requests('INVITE', CALLER_SOURCE)).toEqual([]);
    expect(call.sig.requests('BYE')).toEqual([]);
    fromCallee(call, leg, 'b1', 'BYE', 3);
    call.sig.only('BYE', CALLER_SOURCE).reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
  });
});
