/** In-dialog requests the PBX answers itself. Real RTP sessions on 127.0.0.1, signalling faked. */
import { afterAll, describe, expect, it } from 'vitest';
import { MediaLayer } from '../../../src/media/media-layer.js';
import { parseRemoteSdp } from '../../../src/media/sdp.js';
import type { Side } from '../../../src/pbx/calls/in-dialog-relay.js';
import { answerAlone, answerOffer, notYet } from '../../../src/pbx/calls/local-answers.js';
import { OfferAnswer } from '../../../src/pbx/calls/offer-answer.js';
import { OwnedTimers } from '../../../src/pbx/calls/owned-timers.js';
import { SessionDialog, createUasDialog } from '../../../src/sip/dialog/index.js';
import { buildReply } from '../../../src/sip/message/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { CALLER_SOURCE, FakeServerTx, FakeSignaling, parseRequest } from './fakes.js';

const media = new MediaLayer({
  bindAddress: '127.0.0.1',
  advertisedAddress: '127.0.0.1',
  portMin: 33730,
  portMax: 33739,
});
afterAll(() => media.close());

const CONTACT = 'sip:renvoi@192.0.2.1:5060';

function request(method: string, seq: number, body = ''): SipRequest {
  return parseRequest(
    [
      `${method} ${CONTACT} SIP/2.0`,
      `Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKl${method}${seq}`,
      'Max-Forwards: 70',
      'From: <sip:bob@carrier.test>;tag=atag',
      `To: <sip:100@pbx.test>${seq === 0 ? '' : ';tag=ours'}`,
      'Call-ID: local@test',
      `CSeq: ${seq} ${method}`,
      'Contact: <sip:bob@198.51.100.7:5060>',
      ...(body === '' ? [] : ['Content-Type: application/sdp']),
    ],
    body,
  );
}

function offer(version: number, direction: string): string {
  return [
    'v=0',
    `o=bob 1 ${version} IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    'm=audio 33790 RTP/AVP 0',
    `a=${direction}`,
    '',
  ].join('\r\n');
}

function setup() {
  const sig = new FakeSignaling();
  const scheduler = new FakeScheduler();
  const hungUp: string[] = [];
  const logs: string[] = [];
  const first = request('INVITE', 0);
  const dialog = createUasDialog(first, buildReply(first, 200, 'OK', 'ours'), CONTACT);
  const side: Side = new SessionDialog('caller', dialog, CALLER_SOURCE, {
    timers: new OwnedTimers(scheduler),
    t1: 500,
    t2: 4000,
    respond: (tx, r) => sig.respond(tx, r),
    sendAck: (ack, d) => sig.sendAck(ack, d),
    ackTimedOut: () => undefined,
  });
  const host = {
    signaling: sig,
    log: (m: string) => logs.push(m),
    hangUp: () => hungUp.push('pbx'),
  };
  return { sig, scheduler, side, host, hungUp, logs };
}

describe('answerAlone and notYet', () => {
  it('INFO and OPTIONS get 200 (OPTIONS with Allow), anything else 501 with Allow', () => {
    const sig = new FakeSignaling();
    const digits: string[] = [];
    const digit = (d: string) => digits.push(d);
    const info = new FakeServerTx(request('INFO', 2));
    answerAlone(sig, info.request, info, digit);
    expect(info.statuses).toEqual([200]);
    expect(digits).toEqual([]);
    const options = new FakeServerTx(request('OPTIONS', 3));
    answerAlone(sig, options.request, options, digit);
    expect(options.last.headers.get('Allow')).toContain('INVITE');
    const refer = new FakeServerTx(request('REFER', 4));
    answerAlone(sig, refer.request, refer, digit);
    expect(refer.statuses).toEqual([501]);
    expect(refer.last.headers.get('Allow')).toContain('OPTIONS');
  });

  it("INFO's DTMF (dtmf-relay, dtmf) is told as a digit; an unreadable one gets 400", () => {
    const sig = new FakeSignaling();
    const digits: string[] = [];
    const info = (seq: number, type: string, body: string) => {
      const tx = new FakeServerTx(request('INFO', seq, body));
      tx.request.headers.set('Content-Type', type);
      answerAlone(sig, tx.request, tx, (d) => digits.push(d));
      return tx.statuses;
    };
    expect(info(2, 'application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n')).toEqual([200]);
    expect(info(3, 'application/dtmf-relay', 'Signal= #\r\nDuration=100\r\n')).toEqual([200]);
    // Cisco's event numbers for * and # (RFC 4733's too).
    expect(info(4, 'application/dtmf-relay', 'Signal=10\r\n')).toEqual([200]);
    expect(info(5, 'application/dtmf', '7')).toEqual([200]);
    expect(digits).toEqual(['5', '#', '*', '7']);
    expect(info(6, 'application/dtmf-relay', 'Duration=160\r\n')).toEqual([400]);
    expect(info(7, 'application/dtmf', 'x')).toEqual([400]);
    expect(digits).toHaveLength(4);
  });

  it('before the answer: 500 with a Retry-After of 1 to 10 s (RFC 3261 §14.2)', () => {
    const sig = new FakeSignaling();
    for (let i = 0; i < 20; i++) {
      const tx = new FakeServerTx(request('INFO', 2));
      notYet(sig, tx);
      expect(tx.statuses).toEqual([500]);
      const retry = Number(tx.last.headers.get('Retry-After'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(10);
    }
  });
});

describe('answerOffer', () => {
  it('a hold re-INVITE gets our answer from the session, and the 2xx waits for its ACK', async () => {
    const { side, host, scheduler } = setup();
    const session = await media.openSession();
    const offers = new OfferAnswer(session, 'pbx.test');
    const tx = new FakeServerTx(request('INVITE', 2, offer(2, 'sendonly')));
    answerOffer(host, side, offers, null, tx.request, tx);
    expect(tx.statuses).toEqual([200]);
    expect(tx.last.headers.get('Contact')).toBe(`<${CONTACT}>`);
    expect(parseRemoteSdp(tx.last.body.toString()).direction).toBe('recvonly');
    expect(side.awaitingAck).toBe(true);
    const glare = new FakeServerTx(request('INVITE', 3, offer(3, 'sendrecv')));
    answerOffer(host, side, offers, null, glare.request, glare);
    expect(glare.statuses).toEqual([491]);
    side.receiveAck(request('ACK', 2));
    expect(side.inviteInProgress).toBe(false);
    expect(scheduler.pending).toBe(0);
    await session.close();
  });

  it('a re-INVITE without SDP gets our offer; an unusable answer in the ACK ends the call', async () => {
    const { side, host, hungUp, logs } = setup();
    const session = await media.openSession();
    const offers = new OfferAnswer(session, 'pbx.test');
    const tx = new FakeServerTx(request('INVITE', 2));
    answerOffer(host, side, offers, null, tx.request, tx);
    expect(offers.state).toBe('offered');
    side.receiveAck(request('ACK', 2));
    expect(hungUp).toEqual(['pbx']);
    expect(logs[0]).toMatch(/^caller's answer in the ACK refused/);
    await session.close();
  });

  it('an UPDATE without SDP only refreshes; an unusable offer gets 488 with Warning', async () => {
    const { side, host } = setup();
    const session = await media.openSession();
    const offers = new OfferAnswer(session, 'pbx.test');
    const update = new FakeServerTx(request('UPDATE', 2));
    answerOffer(host, side, offers, null, update.request, update);
    expect(update.statuses).toEqual([200]);
    expect(update.last.body.length).toBe(0);
    expect(side.awaitingAck).toBe(false);
    const video = offer(2, 'sendrecv').replace(
      'm=audio 33790 RTP/AVP 0',
      'm=video 33790 RTP/AVP 96',
    );
    const bad = new FakeServerTx(request('UPDATE', 3, video));
    answerOffer(host, side, offers, null, bad.request, bad);
    expect(bad.statuses).toEqual([488]);
    expect(bad.last.headers.get('Warning')).toMatch(/^304 pbx\.test "/);
    await session.close();
  });

  it('without a session: 500 with Retry-After', () => {
    const { side, host } = setup();
    const tx = new FakeServerTx(request('INVITE', 2, offer(2, 'sendonly')));
    answerOffer(host, side, null, null, tx.request, tx);
    expect(tx.statuses).toEqual([500]);
    expect(tx.last.headers.get('Retry-After')).toBe('1');
  });
});
