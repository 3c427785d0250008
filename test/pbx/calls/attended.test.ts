/**
 * Attended transfer through the B2BUA (transfer/attended.ts): the secretary (100) answered a
 * caller (call 1) and consulted Alice (101, call 2); her REFER on call 1 names call 2 by
 * Replaces. Both remaining parties are re-INVITEd to the PBX, the secretary's two dialogs are hung
 * up, and RTP from the caller reaches Alice (and back) through the PBX's bridge. Either party
 * hanging up ends both calls, and both release everything. A consultation still ringing is
 * cancelled and its target rung for the caller instead. Real RTP sessions and sockets on
 * 127.0.0.1; signalling faked.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRtp, encodeRtp } from '../../../src/media/rtp-packet.js';
import { route } from '../../../src/domain/route.js';
import type { Step } from '../../../src/domain/types.js';
import { routeTransfer } from '../../../src/pbx/calls/transfer/transfer-routing.js';
import { directoryOf } from '../../store/helpers.js';
import type { TransferRouting } from '../../../src/pbx/calls/call-core.js';
import type { CallSession } from '../../../src/pbx/calls/call-session.js';
import {
  CALLER_SOURCE,
  OFFER,
  bodyOf,
  callerInvite,
  callerTag,
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
    { number: '100', name: 'Secrétariat', password: 'change-me-100' },
    { number: '101', name: 'Alice Martin', password: 'change-me-101' },
  ],
});
const NOW = new Date('2025-03-04T10:00:00Z');
const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };
const RING_101: Step = { do: 'ring', extensions: ['101'], timeout: 20 };
const CONTACTS = { '100': [device(1)], '101': [device(2)] };
const SECRETARY_SDP =
  'v=0\r\no=sec 3 3 IN IP4 192.0.2.30\r\ns=-\r\nc=IN IP4 192.0.2.30\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';

function sdp(port: number): string {
  return `v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;
}

/** Where an SDP body says to send RTP. */
function mediaOf(body: string): { address: string; port: number } {
  const address = /^c=IN IP4 (\S+)$/m.exec(body)?.[1];
  const port = /^m=audio (\d+) /m.exec(body)?.[1];
  if (address === undefined || port === undefined) throw new Error(`no media in ${body}`);
  return { address, port: Number(port) };
}

async function udp(): Promise<{ socket: Socket; port: number; heard: Buffer[] }> {
  const socket = createSocket('udp4');
  const heard: Buffer[] = [];
  socket.on('message', (data) => heard.push(data));
  const port = await new Promise<number>((resolve) =>
    socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)),
  );
  return { socket, port, heard };
}

function rtp(sequenceNumber: number): Buffer {
  return Buffer.from(
    encodeRtp({
      marker: false,
      payloadType: 0,
      sequenceNumber,
      timestamp: sequenceNumber * 160,
      ssrc: 0x1234,
      csrcs: [],
      payload: new Uint8Array(160).fill(0x55),
    }),
  );
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

describe('attended transfer', () => {
  it("joins the caller to the consulted colleague, media through the PBX's bridge", async () => {
    const caller = await udp();
    const alice = await udp();
    sockets.push(caller.socket, alice.socket);
    let calls: CallSession[] = [];
    const transfers: TransferRouting = {
      route: () => null,
      dialog: (replaces) => {
        for (const session of calls) {
          const named = session.namedDialog(replaces);
          if (named !== null) return named;
        }
        return null;
      },
    };
    // Call 1: the caller, answered by the secretary, phone to phone.
    const first = startCall([RING_100], {
      contacts: CONTACTS,
      transfers,
      request: callerInvite({ body: sdp(caller.port) }),
    });
    // The caller's offer names another address than its SIP's (as behind a NAT): its media is
    // anchored at the PBX, and the secretary rung once the PBX's ports are bound.
    await until(() => first.sig.requests('INVITE').length === 1);
    const secretaryLeg = first.sig.only('INVITE');
    secretaryLeg.reply(200, { toTag: 'b1', body: SECRETARY_SDP });
    fromCaller(first, 'ACK', 10);
    // Call 2: the secretary consults Alice.
    const second = startCall([RING_101], {
      contacts: CONTACTS,
      transfers,
      caller: { kind: 'internal', extension: '100' },
      request: callerInvite({ body: OFFER }),
    });
    await until(() => second.sig.requests('INVITE').length === 1);
    const aliceLeg = second.sig.only('INVITE');
    aliceLeg.reply(200, { toTag: 'b2', body: sdp(alice.port) });
    fromCaller(second, 'ACK', 10);
    calls = [first.session, second.session];

    const replaces = encodeURIComponent(
      `call-a@198.51.100.7;to-tag=${callerTag(second)};from-tag=atag`,
    );
    const refer = fromCallee(first, secretaryLeg, 'b1', 'REFER', 2, '', [
      `Refer-To: <sip:101@pbx.test?Replaces=${replaces}>`,
    ]).tx;
    expect(refer?.statuses).toEqual([202]);
    // Call 2: the secretary is hung up at once; Alice's media is brought to the PBX.
    second.sig.only('BYE', CALLER_SOURCE).reply(200);
    await until(() => second.sig.requests('INVITE', device(2).destination).length === 2);
    const aliceReinvite = second.sig.requests('INVITE', device(2).destination)[1] as FakeClientTx;
    aliceReinvite.reply(200, { toTag: 'b2', body: sdp(alice.port) });
    // Call 1's caller had its media at the PBX from the start (its offer names another address
    // than its SIP's, as behind a NAT): no re-INVITE for it, its session is bridged as it is.
    expect(first.sig.requests('INVITE', CALLER_SOURCE)).toEqual([]);
    const callerAnswer = first.sig.responded.find((r) => r.response.status === 200);
    if (callerAnswer === undefined) throw new Error('the caller was never answered');
    // Joined: the secretary hears 200 OK on its REFER's subscription and is hung up.
    await until(() => first.sig.requests('NOTIFY').length === 2);
    expect(first.sig.requests('NOTIFY').map((n) => bodyOf(n.request))).toEqual([
      'SIP/2.0 100 Trying\r\n',
      'SIP/2.0 200 OK\r\n',
    ]);
    for (const n of first.sig.requests('NOTIFY')) n.reply(200);
    first.sig.only('BYE', device(1).destination).reply(200);

    // RTP from the caller to the PBX reaches Alice, and back.
    const towardCaller = mediaOf(bodyOf(callerAnswer.response));
    const towardAlice = mediaOf(bodyOf(aliceReinvite.request));
    for (let i = 1; i <= 50 && alice.heard.length === 0; i++) {
      caller.socket.send(rtp(i), towardCaller.port, towardCaller.address);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(alice.heard.length).toBeGreaterThan(0);
    expect(decodeRtp(alice.heard[0] as Buffer).payloadType).toBe(0);
    for (let i = 1; i <= 50 && caller.heard.length === 0; i++) {
      alice.socket.send(rtp(i), towardAlice.port, towardAlice.address);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(caller.heard.length).toBeGreaterThan(0);

    // The caller hangs up: Alice gets the BYE; both calls release everything.
    fromCaller(first, 'BYE', 11);
    second.sig.only('BYE', device(2).destination).reply(200);
    expect(first.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '101' }]);
    expect(second.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '101' }]);
    await until(() => first.released === 1 && second.released === 1);
    expectReleased(first);
    expectReleased(second);
  });

  it('a REFER naming a dialog of somebody else is refused 403', () => {
    let other: CallSession | null = null;
    const transfers: TransferRouting = {
      route: () => null,
      dialog: (replaces) => other?.namedDialog(replaces) ?? null,
    };
    const first = startCall([RING_100], { contacts: CONTACTS, transfers });
    const leg = first.sig.only('INVITE');
    leg.reply(200, { toTag: 'b1', body: SECRETARY_SDP });
    fromCaller(first, 'ACK', 10);
    // Another caller's call to Alice: not the secretary's to hand over.
    const second: Call = startCall([RING_101], { contacts: CONTACTS, transfers });
    second.sig.only('INVITE').reply(200, { toTag: 'b2', body: SECRETARY_SDP });
    fromCaller(second, 'ACK', 10);
    other = second.session;
    const replaces = encodeURIComponent(
      `call-a@198.51.100.7;to-tag=${callerTag(second)};from-tag=atag`,
    );
    const refer = fromCallee(first, leg, 'b1', 'REFER', 2, '', [
      `Refer-To: <sip:101@pbx.test?Replaces=${replaces}>`,
    ]).tx;
    expect(refer?.statuses).toEqual([403]);
    for (const call of [first, second]) {
      fromCaller(call, 'BYE', 11);
      call.sig.only('BYE').reply(200);
      expectReleased(call);
    }
  });

  it('transferred while the consultation still rings: that call is cancelled, Alice rung for the caller', async () => {
    let other: CallSession | null = null;
    const transfers: TransferRouting = {
      route: (caller, target, by) =>
        routeTransfer(DIRECTORY, target, by, (to) => route({ to, from: caller }, DIRECTORY, NOW)),
      dialog: (replaces) => other?.namedDialog(replaces) ?? null,
    };
    const first = startCall([RING_100], { contacts: CONTACTS, transfers });
    const leg = first.sig.only('INVITE');
    leg.reply(200, { toTag: 'b1', body: SECRETARY_SDP });
    fromCaller(first, 'ACK', 10);
    const second = startCall([RING_101], {
      contacts: CONTACTS,
      transfers,
      caller: { kind: 'internal', extension: '100' },
      to: '101',
    });
    const ringing = second.sig.only('INVITE');
    ringing.reply(180, { toTag: 'b2' });
    other = second.session;
    const replaces = encodeURIComponent(
      `call-a@198.51.100.7;to-tag=${callerTag(second)};from-tag=atag`,
    );
    const refer = fromCallee(first, leg, 'b1', 'REFER', 2, '', [
      `Refer-To: <sip:101@pbx.test?Replaces=${replaces}>`,
    ]).tx;
    expect(refer?.statuses).toEqual([202]);
    // The consultation: 487 to the secretary, CANCEL to Alice's ringing phone.
    expect(second.invite.statuses.at(-1)).toBe(487);
    second.sig.only('CANCEL').reply(200);
    ringing.reply(487);
    // The caller is re-anchored and Alice rung for it, as in a blind transfer.
    await until(() => first.sig.requests('INVITE', CALLER_SOURCE).length === 1);
    first.sig.only('INVITE', CALLER_SOURCE).reply(200, { toTag: 'atag', body: OFFER });
    await until(() => first.sig.requests('INVITE', device(2).destination).length === 1);
    const alice = first.sig.only('INVITE', device(2).destination);
    expect(alice.request.headers.get('From')).toMatch(/<sip:\+33612345678@pbx\.test>/);
    alice.reply(200, { toTag: 'b3', body: SECRETARY_SDP });
    expect(first.sig.requests('NOTIFY').map((n) => bodyOf(n.request))).toEqual([
      'SIP/2.0 100 Trying\r\n',
      'SIP/2.0 200 OK\r\n',
    ]);
    for (const n of first.sig.requests('NOTIFY')) n.reply(200);
    first.sig.only('BYE', device(1).destination).reply(200);
    fromCaller(first, 'BYE', 11);
    first.sig.only('BYE', device(2).destination).reply(200);
    expect(second.ends).toEqual([{ outcome: 'cancelled', status: 487, answeredBy: null }]);
    await until(() => first.released === 1 && second.released === 1);
    expectReleased(first);
    expectReleased(second);
  });
});
