/**
 * Hold and resume on a leg whose media the PBX terminates (a trunk leg: both sides anchored at the
 * PBX, design §5). RFC 3264 §8.4: a re-INVITE with `a=sendonly` is answered `a=recvonly` by the
 * PBX from that leg's own RTP session, and `a=sendrecv` resumes; neither reaches the other leg,
 * whose media is the PBX's own: while held it hears the music instead of the bridge.
 * Real RTP sessions on 127.0.0.1; signalling faked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { MediaLayer } from '../../../src/media/media-layer.js';
import { parseRemoteSdp } from '../../../src/media/sdp.js';
import type { RtpSession } from '../../../src/media/rtp-session.js';
import type { CallVoice, TrunkRoute } from '../../../src/pbx/calls/ports.js';
import { EventBus } from '../../../src/pbx/events.js';
import {
  FakeTrunks,
  bodyOf,
  callerInvite,
  expectReleased,
  fromCallee,
  fromCaller,
  startCall,
} from './fakes.js';
import type { Call, FakeClientTx, FakeServerTx } from './fakes.js';

const media = new MediaLayer({
  bindAddress: '127.0.0.1',
  advertisedAddress: '127.0.0.1',
  portMin: 33400,
  portMax: 33499,
});
afterAll(() => media.close());

/** Every session the calls open, to look at the one facing the held party. */
const opened: RtpSession[] = [];
const openSession = media.openSession.bind(media);
media.openSession = async () => {
  const session = await openSession();
  opened.push(session);
  return session;
};

function sessionOn(port: number): RtpSession {
  const session = opened.find((s) => s.port === port && !s.closed);
  if (session === undefined) throw new Error(`no open session on port ${port}`);
  return session;
}

const unused = (what: string) => (): never => {
  throw new Error(`a trunk call does not use ${what}`);
};

/** A trunk call uses the media layer only: prompts and voicemail must not be reached. */
const voice: CallVoice = {
  media,
  languageOf: unused('languages'),
  say: unused('prompts'),
  pinOf: unused('PINs'),
  mailOf: unused('e-mail addresses'),
  // Never read on a dial step; a real repository would need a database for nothing.
  repository: {} as CallVoice['repository'],
  events: new EventBus(),
};

const route: TrunkRoute = {
  destination: { protocol: 'udp', address: '127.0.0.1', port: 33590 },
  requestUri: 'sip:0442930698@127.0.0.1:33590',
  to: '<sip:0442930698@127.0.0.1:33590>',
  fromHost: '127.0.0.1',
  callerUser: '0612345678',
  trusted: false,
};
const DIAL: Step = { do: 'dial', number: '+33442930698', presentation: 'caller', timeout: 20 };

/** SDP of a far end on loopback (no socket there: what the PBX sends is simply dropped). */
function sdp(user: string, version: number, port: number, direction?: string): string {
  return [
    'v=0',
    `o=${user} 1 ${version} IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 8 0`,
    ...(direction === undefined ? [] : [`a=${direction}`]),
    '',
  ].join('\r\n');
}

function directionOf(body: string): string {
  return parseRemoteSdp(body).direction;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

/** The caller dials out, the trunk answers, the caller ACKs: a call anchored on both sides. */
async function trunkCall(): Promise<{ call: Call; leg: FakeClientTx }> {
  const call = startCall([DIAL], {
    trunks: new FakeTrunks(route),
    request: callerInvite({ body: sdp('caller', 1, 33580) }),
    voice,
  });
  await until(() => call.sig.requests('INVITE').length === 1);
  const leg = call.sig.only('INVITE');
  leg.reply(200, { toTag: 't1', body: sdp('trunk', 1, 33582) });
  expect(call.invite.statuses).toEqual([200]);
  fromCaller(call, 'ACK', 10);
  return { call, leg };
}

/** Statuses the PBX gave, and the SDP direction of its 200. */
function answerOf(tx: FakeServerTx | null): { status: number; direction: string } {
  const response = tx?.last;
  if (response === undefined) throw new Error('no answer');
  return { status: response.status, direction: directionOf(bodyOf(response)) };
}

describe('CallSession: hold and resume on an anchored leg', () => {
  it('the trunk holds and resumes: answered by the PBX from its session, not relayed', async () => {
    const { call, leg } = await trunkCall();
    const sentBefore = call.sig.sent.length;

    const hold = fromCallee(call, leg, 't1', 'INVITE', 1, sdp('trunk', 2, 33582, 'sendonly'));
    expect(answerOf(hold.tx)).toEqual({ status: 200, direction: 'recvonly' });
    // Our answer comes from the PBX's session facing the trunk (its own address and port).
    const held = parseRemoteSdp(bodyOf(hold.tx?.last ?? leg.request));
    const offered = parseRemoteSdp(bodyOf(leg.request));
    expect(held.port).toBe(offered.port);
    const facingTrunk = sessionOn(held.port);
    expect(facingTrunk.canSend).toBe(false);
    // The caller hears the music instead of the trunk: bridge stopped, a playback running.
    // The music starts once the list of tracks is read (none here: the melody).
    await until(() => call.session.media.holdings().playbacks === 1);
    expect(call.session.media.holdings()).toMatchObject({ playbacks: 1, bridges: 0 });
    expect(call.session.holdings().pendingAcks).toBe(1);
    fromCallee(call, leg, 't1', 'ACK', 1);
    expect(call.session.holdings().pendingAcks).toBe(0);

    const resume = fromCallee(call, leg, 't1', 'INVITE', 2, sdp('trunk', 3, 33582, 'sendrecv'));
    expect(answerOf(resume.tx)).toEqual({ status: 200, direction: 'sendrecv' });
    expect(facingTrunk.canSend).toBe(true);
    expect(call.session.media.holdings()).toMatchObject({ playbacks: 0, bridges: 1 });
    fromCallee(call, leg, 't1', 'ACK', 2);

    // Nothing went to the caller, and the caller's media is unchanged.
    expect(call.sig.sent.length).toBe(sentBefore);
    expect(call.invite.statuses).toEqual([200]);

    fromCallee(call, leg, 't1', 'BYE', 3);
    call.sig.only('BYE').reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
    expect(media.openSessions).toBe(0);
  });

  it('the caller holds and resumes: answered by the PBX, the trunk sees nothing', async () => {
    const { call, leg } = await trunkCall();
    const sentBefore = call.sig.sent.length;
    const callerAnswer = parseRemoteSdp(bodyOf(call.invite.last));

    const hold = fromCaller(call, 'INVITE', 11, sdp('caller', 2, 33580, 'sendonly'));
    expect(answerOf(hold.tx)).toEqual({ status: 200, direction: 'recvonly' });
    expect(parseRemoteSdp(bodyOf(hold.tx?.last ?? leg.request)).port).toBe(callerAnswer.port);
    const facingCaller = sessionOn(callerAnswer.port);
    expect(facingCaller.canSend).toBe(false);
    // The music starts once the list of tracks is read (none here: the melody).
    await until(() => call.session.media.holdings().playbacks === 1);
    expect(call.session.media.holdings()).toMatchObject({ playbacks: 1, bridges: 0 });
    fromCaller(call, 'ACK', 11);

    const resume = fromCaller(call, 'INVITE', 12, sdp('caller', 3, 33580, 'sendrecv'));
    expect(answerOf(resume.tx)).toEqual({ status: 200, direction: 'sendrecv' });
    expect(facingCaller.canSend).toBe(true);
    expect(call.session.media.holdings()).toMatchObject({ playbacks: 0, bridges: 1 });
    fromCaller(call, 'ACK', 12);
    expect(call.sig.sent.length).toBe(sentBefore);

    fromCaller(call, 'BYE', 13);
    call.sig.only('BYE').reply(200);
    await until(() => call.released === 1);
    expectReleased(call);
    expect(media.openSessions).toBe(0);
  });
});
