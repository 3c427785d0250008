/** The relay of in-dialog requests between the two legs of an answered call. */
import { describe, expect, it } from 'vitest';
import { InDialogRelay } from '../../../src/pbx/calls/in-dialog-relay.js';
import type { Side } from '../../../src/pbx/calls/in-dialog-relay.js';
import { OwnedTimers } from '../../../src/pbx/calls/owned-timers.js';
import type { ServerTx } from '../../../src/pbx/calls/ports.js';
import { SessionDialog, createUacDialog, createUasDialog } from '../../../src/sip/dialog/index.js';
import type { SessionDialogHost } from '../../../src/sip/dialog/index.js';
import { buildReply, getCSeq, getMaxForwards } from '../../../src/sip/message/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { FakeServerTx, FakeSignaling, parseRequest } from './fakes.js';

const CONTACT = 'sip:renvoi@192.0.2.1:5060';
const CALLER = { protocol: 'udp', address: '198.51.100.7', port: 5060 } as const;
const CALLEE = { protocol: 'udp', address: '192.0.2.20', port: 5062 } as const;

function callerInvite(): SipRequest {
  return parseRequest(
    [
      'INVITE sip:100@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKa1',
      'Max-Forwards: 70',
      'From: <sip:bob@carrier.test>;tag=atag',
      'To: <sip:100@pbx.test>',
      'Call-ID: a@test',
      'CSeq: 10 INVITE',
      'Contact: <sip:bob@198.51.100.7:5060>',
    ],
    '',
  );
}

function ourInvite(): SipRequest {
  return parseRequest(
    [
      'INVITE sip:phone@192.0.2.20:5062 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb1',
      'Max-Forwards: 69',
      'From: <sip:bob@pbx.test>;tag=btag',
      'To: <sip:100@pbx.test>',
      'Call-ID: b@test',
      'CSeq: 1 INVITE',
      `Contact: <${CONTACT}>`,
    ],
    '',
  );
}

/** A request from the caller in its dialog with us. */
function fromCaller(method: string, seq: number, extra: string[] = [], body = ''): SipRequest {
  return parseRequest(
    [
      `${method} ${CONTACT} SIP/2.0`,
      `Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKr${method}${seq}`,
      'Max-Forwards: 70',
      'From: <sip:bob@carrier.test>;tag=atag',
      'To: <sip:100@pbx.test>;tag=ours',
      'Call-ID: a@test',
      `CSeq: ${seq} ${method}`,
      ...(body === '' ? [] : ['Content-Type: application/sdp']),
      ...extra,
    ],
    body,
  );
}

function setup() {
  const sig = new FakeSignaling();
  const scheduler = new FakeScheduler();
  const timers = new OwnedTimers(scheduler);
  const held = new Set<ServerTx>();
  let releasable = 0;
  const host: SessionDialogHost<ServerTx> = {
    timers,
    t1: 500,
    t2: 4000,
    respond: (tx, r) => sig.respond(tx, r),
    sendAck: (ack, d) => sig.sendAck(ack, d),
    ackTimedOut: () => undefined,
  };
  const a = createUasDialog(callerInvite(), buildReply(callerInvite(), 200, 'OK', 'ours'), CONTACT);
  const answer = buildReply(ourInvite(), 200, 'OK', 'ctag');
  answer.headers.append('Contact', '<sip:phone@192.0.2.20:5062>');
  const b = createUacDialog(ourInvite(), answer, CONTACT);
  const caller: Side = new SessionDialog('caller', a, CALLER, host);
  const callee: Side = new SessionDialog('callee', b, CALLEE, host);
  const relay = new InDialogRelay({
    signaling: sig,
    send: (request, destination, handlers) => sig.sendRequest(request, destination, handlers),
    hold: (tx) => held.add(tx),
    answered: (tx) => {
      held.delete(tx);
      releasable++;
    },
  });
  return { sig, scheduler, held, relay, caller, callee, releasable: () => releasable };
}

describe('InDialogRelay', () => {
  it("relays an INFO through the other leg's dialog and its answer back", () => {
    const { sig, held, relay, caller, callee, releasable } = setup();
    const request = fromCaller('INFO', 11, ['Info-Package: dtmf', 'X-Private: no']);
    const tx = new FakeServerTx(request);
    relay.relay(caller, callee, request, tx);
    const out = sig.only('INFO', CALLEE);
    expect(out.request.uri).toBe('sip:phone@192.0.2.20:5062');
    expect(getCSeq(out.request)).toEqual({ seq: 2, method: 'INFO' });
    expect(getMaxForwards(out.request)).toBe(69);
    expect(out.request.headers.get('Info-Package')).toBe('dtmf');
    expect(out.request.headers.has('X-Private')).toBe(false);
    expect(held.has(tx)).toBe(true);
    expect(relay.size).toBe(1);
    out.reply(180);
    expect(tx.responses).toEqual([]);
    out.reply(415, { reason: 'Unsupported Media Type' });
    expect(tx.statuses).toEqual([415]);
    expect(getCSeq(tx.last)).toEqual({ seq: 11, method: 'INFO' });
    expect(held.size).toBe(0);
    expect(relay.size).toBe(0);
    expect(releasable()).toBe(1);
  });

  it('refuses what it does not relay: 501 with Allow, 483 at Max-Forwards 0', () => {
    const { sig, relay, caller, callee } = setup();
    const refer = new FakeServerTx(fromCaller('REFER', 11));
    relay.relay(caller, callee, refer.request, refer);
    expect(refer.statuses).toEqual([501]);
    expect(refer.last.headers.get('Allow')).toContain('INVITE');
    const loop = new FakeServerTx(
      parseRequest(
        [
          `OPTIONS ${CONTACT} SIP/2.0`,
          'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKmf',
          'Max-Forwards: 0',
          'From: <sip:bob@carrier.test>;tag=atag',
          'To: <sip:100@pbx.test>;tag=ours',
          'Call-ID: a@test',
          'CSeq: 12 OPTIONS',
        ],
        '',
      ),
    );
    relay.relay(caller, callee, loop.request, loop);
    expect(loop.statuses).toEqual([483]);
    expect(sig.sent).toEqual([]);
  });

  it('a relayed re-INVITE: 491 to a second, the 2xx back, the ACK with the late answer', () => {
    const { sig, scheduler, relay, caller, callee } = setup();
    const reinvite = new FakeServerTx(fromCaller('INVITE', 11));
    relay.relay(caller, callee, reinvite.request, reinvite);
    const out = sig.only('INVITE', CALLEE);
    const glare = new FakeServerTx(fromCaller('INVITE', 12));
    relay.relay(caller, callee, glare.request, glare);
    expect(glare.statuses).toEqual([491]);
    out.reply(200, { toTag: 'ctag', body: 'v=0\r\n' });
    expect(reinvite.statuses).toEqual([200]);
    expect(reinvite.last.headers.get('Contact')).toBe(`<${CONTACT}>`);
    expect(caller.awaitingAck).toBe(true);
    scheduler.advance(500);
    expect(reinvite.statuses).toEqual([200, 200]);
    caller.receiveAck(fromCaller('ACK', 11, [], 'v=0\r\no=answer\r\n'));
    expect(sig.acks).toHaveLength(1);
    const ack = sig.acks[0]?.ack;
    expect(getCSeq(ack ?? out.request)).toEqual({ seq: 2, method: 'ACK' });
    expect(ack?.body.toString()).toBe('v=0\r\no=answer\r\n');
    expect(caller.inviteInProgress || callee.inviteInProgress).toBe(false);
    expect(scheduler.pending).toBe(0);
  });

  it('ends pending requests with 487, and after release only acknowledges late 2xx', () => {
    const { sig, relay, caller, callee } = setup();
    const reinvite = new FakeServerTx(fromCaller('INVITE', 11));
    relay.relay(caller, callee, reinvite.request, reinvite);
    relay.terminate();
    expect(reinvite.statuses).toEqual([487]);
    relay.release();
    sig.only('INVITE', CALLEE).reply(200, { toTag: 'ctag' });
    expect(reinvite.statuses).toEqual([487]);
    expect(sig.acks.map((a) => getCSeq(a.ack))).toEqual([{ seq: 2, method: 'ACK' }]);
  });

  it('no final answer from the far end (Timer F): 408', () => {
    const { sig, relay, caller, callee } = setup();
    const info = new FakeServerTx(fromCaller('INFO', 11));
    relay.relay(caller, callee, info.request, info);
    sig.only('INFO', CALLEE).timeout();
    expect(info.statuses).toEqual([408]);
  });
});
