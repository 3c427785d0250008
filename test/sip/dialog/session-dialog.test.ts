import { describe, expect, it } from 'vitest';
import {
  SessionDialog,
  checkInDialog,
  createUasDialog,
  formDialog,
} from '../../../src/sip/dialog/index.js';
import type { DialogTimers, SessionDialogHost } from '../../../src/sip/dialog/index.js';
import { buildReply, getCSeq } from '../../../src/sip/message/index.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import type { TimerHandle } from '../../../src/sip/timers.js';
import type { Destination } from '../../../src/sip/transport/types.js';
import { parseRequest } from '../../pbx/calls/fakes.js';

const CONTACT = 'sip:renvoi@192.0.2.1:5060';
const PEER: Destination = { protocol: 'udp', address: '198.51.100.7', port: 5060 };

function invite(): SipRequest {
  return parseRequest(
    [
      'INVITE sip:100@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKs1',
      'Max-Forwards: 70',
      'From: <sip:bob@example.test>;tag=remote',
      'To: <sip:100@pbx.test>',
      'Call-ID: session@example.test',
      'CSeq: 7 INVITE',
      'Contact: <sip:bob@198.51.100.7:5060>',
      'Record-Route: <sip:p1.test;lr>',
    ],
    '',
  );
}

function inDialog(method: string, seq: number): SipRequest {
  return parseRequest(
    [
      `${method} sip:renvoi@192.0.2.1:5060 SIP/2.0`,
      `Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK${method}${seq}`,
      'Max-Forwards: 70',
      'From: <sip:bob@example.test>;tag=remote',
      'To: <sip:100@pbx.test>;tag=local',
      'Call-ID: session@example.test',
      `CSeq: ${seq} ${method}`,
    ],
    '',
  );
}

class NamedTimers implements DialogTimers {
  readonly handles = new Map<string, TimerHandle>();
  constructor(private readonly scheduler: FakeScheduler) {}
  set(name: string, ms: number, fn: () => void): void {
    this.clear(name);
    this.handles.set(
      name,
      this.scheduler.setTimer(ms, () => {
        this.handles.delete(name);
        fn();
      }),
    );
  }
  clear(name: string): void {
    this.scheduler.clear(this.handles.get(name));
    this.handles.delete(name);
  }
}

function setup() {
  const scheduler = new FakeScheduler();
  const sent: SipResponse[] = [];
  const acks: SipRequest[] = [];
  const timedOut: string[] = [];
  const host: SessionDialogHost<string> = {
    timers: new NamedTimers(scheduler),
    t1: 500,
    t2: 4000,
    respond: (_tx, r) => sent.push(r),
    sendAck: (ack) => acks.push(ack),
    ackTimedOut: (d) => timedOut.push(d.name),
  };
  const ok = buildReply(invite(), 200, 'OK', 'local');
  const dialog = formDialog(invite(), ok, CONTACT, null);
  if (dialog === null) throw new Error('a 2xx forms a dialog');
  const session = new SessionDialog('caller', dialog, PEER, host);
  return { scheduler, sent, acks, timedOut, ok, session };
}

describe('formDialog (RFC 3261 §12.1.1)', () => {
  it('a 1xx with a tag forms the dialog with our Contact and the Record-Route; the 2xx confirms', () => {
    const ringing = buildReply(invite(), 180, 'Ringing', 'local');
    const early = formDialog(invite(), ringing, CONTACT, null);
    expect(early?.state).toBe('early');
    expect(ringing.headers.get('Contact')).toBe(`<${CONTACT}>`);
    expect(ringing.headers.getAll('Record-Route')).toEqual(['<sip:p1.test;lr>']);
    const ok = buildReply(invite(), 200, 'OK', 'local');
    expect(formDialog(invite(), ok, CONTACT, early ?? null)).toBe(early);
    expect(early?.state).toBe('confirmed');
  });

  it('a 100 or a failure forms nothing and gets no Contact', () => {
    const busy = buildReply(invite(), 486, 'Busy Here', 'local');
    expect(formDialog(invite(), busy, CONTACT, null)).toBeNull();
    expect(busy.headers.has('Contact')).toBe(false);
    expect(formDialog(invite(), buildReply(invite(), 100, 'Trying'), CONTACT, null)).toBeNull();
  });
});

describe('SessionDialog', () => {
  it('retransmits our 2xx from T1 doubling to T2 until the ACK of its CSeq (§13.3.1.4)', () => {
    const { scheduler, sent, ok, session } = setup();
    const acked: SipRequest[] = [];
    session.awaitAck(7, 'tx', ok, (ack) => acked.push(ack));
    expect(session.awaitingAck).toBe(true);
    expect(session.inviteInProgress).toBe(true);
    scheduler.advance(500);
    scheduler.advance(1000);
    scheduler.advance(2000);
    scheduler.advance(4000);
    scheduler.advance(4000);
    expect(sent).toHaveLength(5);
    expect(sent.every((r) => r === ok)).toBe(true);
    session.receiveAck(inDialog('ACK', 6));
    expect(acked).toEqual([]);
    session.receiveAck(inDialog('ACK', 7));
    expect(acked).toHaveLength(1);
    expect(session.awaitingAck).toBe(false);
    expect(scheduler.pending).toBe(0);
  });

  it('tells its owner at the first retransmission time at or past 64*T1 without ACK', () => {
    const { scheduler, sent, ok, session, timedOut } = setup();
    session.awaitAck(7, 'tx', ok, () => undefined);
    // Retransmissions at 0.5, 1.5, 3.5, 7.5 s, then every 4 s: 31.5 s is the last before 32 s.
    scheduler.advance(35_499);
    expect(timedOut).toEqual([]);
    expect(sent).toHaveLength(10);
    scheduler.advance(1);
    expect(timedOut).toEqual(['caller']);
    expect(sent).toHaveLength(10);
    expect(session.awaitingAck).toBe(false);
    expect(scheduler.pending).toBe(0);
  });

  it('stops retransmitting when the session ends', () => {
    const { scheduler, ok, session } = setup();
    session.awaitAck(7, 'tx', ok, () => undefined);
    session.stopAwaitingAck();
    expect(scheduler.pending).toBe(0);
    expect(session.inviteInProgress).toBe(false);
  });

  it('an INVITE in progress either way is what 491 is about (§14.2)', () => {
    const { session } = setup();
    expect(session.inviteInProgress).toBe(false);
    session.setInviteBusy(true);
    expect(session.inviteInProgress).toBe(true);
    session.setInviteBusy(false);
    expect(session.inviteInProgress).toBe(false);
  });

  it('as UAC, one ACK for the 2xx, the same again for its retransmission (§13.2.2.4)', () => {
    const { session, acks } = setup();
    expect(session.resendAck()).toBe(false);
    const ack = session.acknowledge(7, { body: Buffer.from('v=0\r\n') });
    expect(getCSeq(ack)).toEqual({ seq: 7, method: 'ACK' });
    expect(session.acknowledged).toBe(true);
    expect(session.acknowledge(7)).toBe(ack);
    expect(session.resendAck()).toBe(true);
    expect(acks).toEqual([ack, ack, ack]);
  });
});

describe('checkInDialog (§12.2.2)', () => {
  it('takes requests in CSeq order, refuses one out of order with 500', () => {
    const dialog = createUasDialog(invite(), buildReply(invite(), 200, 'OK', 'local'), CONTACT);
    expect(checkInDialog(dialog, inDialog('INFO', 8))).toBeNull();
    expect(checkInDialog(dialog, inDialog('INFO', 8))).toMatchObject({ status: 500 });
  });

  it('on an ended dialog: 200 to a BYE that crossed ours, 481 to anything else', () => {
    const dialog = createUasDialog(invite(), buildReply(invite(), 200, 'OK', 'local'), CONTACT);
    dialog.terminate();
    expect(checkInDialog(dialog, inDialog('BYE', 8))).toEqual({ status: 200, reason: 'OK' });
    expect(checkInDialog(dialog, inDialog('INFO', 9))).toEqual({
      status: 481,
      reason: 'Call/Transaction Does Not Exist',
    });
  });
});
