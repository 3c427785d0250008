import { describe, expect, it } from 'vitest';
import {
  DialogError,
  DialogSet,
  createUacDialog,
  createUasDialog,
} from '../../../src/sip/dialog/index.js';
import { getCSeq, getFrom, getTo } from '../../../src/sip/message/index.js';
import type { SipResponse } from '../../../src/sip/message/index.js';
import { InvalidTransitionError } from '../../../src/shared/state-machine.js';
import { buildReply } from '../../../src/sip/message/reply.js';
import { parseRequest } from '../../pbx/calls/fakes.js';

const CONTACT = 'sip:renvoi@192.0.2.1:5060';

function invite() {
  return parseRequest(
    [
      'INVITE sip:100@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKd1',
      'Max-Forwards: 70',
      'From: "Bob" <sip:bob@example.test>;tag=remote',
      'To: <sip:100@pbx.test>',
      'Call-ID: dlg@example.test',
      'CSeq: 7 INVITE',
      'Contact: <sip:bob@198.51.100.7:5060>',
      'Record-Route: <sip:p1.test;lr>, <sip:p2.test;lr>',
    ],
    '',
  );
}

function response(status: number, toTag: string, extra: [string, string][] = []): SipResponse {
  const r = buildReply(invite(), status, 'X', toTag);
  for (const [n, v] of extra) r.headers.append(n, v);
  return r;
}

describe('UAS dialog (RFC 3261 §12.1.1)', () => {
  it('takes its state from the INVITE and our response', () => {
    const d = createUasDialog(invite(), response(180, 'local'), CONTACT);
    expect(d.role).toBe('uas');
    expect(d.state).toBe('early');
    expect(d.id).toEqual({ callId: 'dlg@example.test', localTag: 'local', remoteTag: 'remote' });
    expect(d.routeSet).toEqual(['<sip:p1.test;lr>', '<sip:p2.test;lr>']);
    expect(d.remoteTarget).toBe('sip:bob@198.51.100.7:5060');
    expect(d.remoteSeq).toBe(7);
    expect(d.localSeq).toBeNull();
    expect(createUasDialog(invite(), response(200, 'local'), CONTACT).state).toBe('confirmed');
  });

  it('builds in-dialog requests: remote target, loose routes, next CSeq, tags', () => {
    const d = createUasDialog(invite(), response(200, 'local'), CONTACT);
    const bye = d.createRequest('BYE');
    expect(bye.uri).toBe('sip:bob@198.51.100.7:5060');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:p1.test;lr>', '<sip:p2.test;lr>']);
    expect(getCSeq(bye)).toEqual({ seq: 1, method: 'BYE' });
    expect(getFrom(bye)).toMatchObject({ uri: 'sip:100@pbx.test', tag: 'local' });
    expect(getTo(bye)).toMatchObject({
      uri: 'sip:bob@example.test',
      tag: 'remote',
      displayName: 'Bob',
    });
    expect(bye.headers.get('Call-ID')).toBe('dlg@example.test');
    expect(bye.headers.has('Contact')).toBe(false);
    expect(bye.headers.has('Via')).toBe(false);
    const reinvite = d.createRequest('INVITE', { body: Buffer.from('v=0\r\n') });
    expect(getCSeq(reinvite)).toEqual({ seq: 2, method: 'INVITE' });
    expect(reinvite.headers.get('Contact')).toBe(`<${CONTACT}>`);
    expect(reinvite.headers.get('Content-Type')).toBe('application/sdp');
  });

  it('orders received requests by CSeq (RFC 3261 §12.2.2)', () => {
    const d = createUasDialog(invite(), response(200, 'local'), CONTACT);
    const request = (method: string, seq: number) => {
      const r = invite();
      r.method = method;
      r.headers.set('To', '<sip:100@pbx.test>;tag=local');
      r.headers.set('CSeq', `${seq} ${method}`);
      return r;
    };
    expect(d.matchesRequest(request('BYE', 8))).toBe(true);
    expect(d.receiveRequest(request('INVITE', 6))).toEqual({
      ok: false,
      status: 500,
      reason: 'Out of Order CSeq',
    });
    expect(d.receiveRequest(request('INFO', 7)).ok).toBe(false);
    expect(d.receiveRequest(request('ACK', 7))).toEqual({ ok: true });
    expect(d.receiveRequest(request('INFO', 8))).toEqual({ ok: true });
    expect(d.remoteSeq).toBe(8);
    expect(d.receiveRequest(request('UPDATE', 8)).ok).toBe(false);
  });

  it('is an explicit state machine', () => {
    const d = createUasDialog(invite(), response(180, 'local'), CONTACT);
    d.confirm();
    expect(() => d.confirm()).toThrow(InvalidTransitionError);
    d.terminate();
    expect(() => d.terminate()).toThrow(InvalidTransitionError);
    expect(() => d.createRequest('BYE')).toThrow(DialogError);
    expect(() => createUasDialog(invite(), response(100, 'x'), CONTACT)).toThrow(DialogError);
    expect(() => createUasDialog(invite(), response(486, 'x'), CONTACT)).toThrow(DialogError);
  });
});

describe('UAC dialog (RFC 3261 §12.1.2)', () => {
  const uac = (status: number, tag: string, rr: string[]) =>
    createUacDialog(
      invite(),
      response(status, tag, [
        ['Contact', '<sip:callee@192.0.2.20:5062>'],
        ...rr.map((v): [string, string] => ['Record-Route', v]),
      ]),
      CONTACT,
    );

  it('reverses the Record-Route and targets the Contact of the response', () => {
    const d = uac(200, 'far', ['<sip:p1.test;lr>', '<sip:p2.test;lr>']);
    expect(d.role).toBe('uac');
    expect(d.id).toEqual({ callId: 'dlg@example.test', localTag: 'remote', remoteTag: 'far' });
    expect(d.routeSet).toEqual(['<sip:p2.test;lr>', '<sip:p1.test;lr>']);
    expect(d.remoteTarget).toBe('sip:callee@192.0.2.20:5062');
    expect(d.localSeq).toBe(7);
    const bye = d.createRequest('BYE');
    expect(getCSeq(bye)).toEqual({ seq: 8, method: 'BYE' });
    expect(getFrom(bye)?.tag).toBe('remote');
    expect(getTo(bye)?.tag).toBe('far');
  });

  it('builds the ACK for a 2xx with the INVITE CSeq number and no CSeq increment', () => {
    const d = uac(200, 'far', []);
    const ack = d.createAck(7);
    expect(ack.method).toBe('ACK');
    expect(ack.uri).toBe('sip:callee@192.0.2.20:5062');
    expect(getCSeq(ack)).toEqual({ seq: 7, method: 'ACK' });
    expect(ack.headers.has('Via')).toBe(false);
    expect(getCSeq(d.createRequest('BYE'))?.seq).toBe(8);
    expect(() => d.createRequest('ACK')).toThrow(DialogError);
  });

  it('strict routing puts the first route in the Request-URI and the target last', () => {
    const d = uac(200, 'far', ['<sip:strict.test>']);
    const bye = d.createRequest('BYE');
    expect(bye.uri).toBe('sip:strict.test');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:callee@192.0.2.20:5062>']);
  });

  it('a 2xx confirms an early dialog and recomputes its route set', () => {
    const d = uac(180, 'far', ['<sip:early.test;lr>']);
    expect(d.state).toBe('early');
    d.receiveInviteResponse(
      response(200, 'far', [
        ['Contact', '<sip:callee@192.0.2.20:5070>'],
        ['Record-Route', '<sip:final.test;lr>'],
      ]),
    );
    expect(d.state).toBe('confirmed');
    expect(d.routeSet).toEqual(['<sip:final.test;lr>']);
    expect(d.remoteTarget).toBe('sip:callee@192.0.2.20:5070');
    expect(() => d.receiveInviteResponse(response(200, 'other'))).toThrow(DialogError);
  });

  it('a dialog set finds dialogs by request and by response', () => {
    const set = new DialogSet();
    const a = uac(180, 'fork-a', []);
    const b = uac(180, 'fork-b', []);
    set.add(a);
    set.add(b);
    expect(() => set.add(a)).toThrow();
    expect(set.forResponse(response(200, 'fork-b'))).toBe(b);
    const bye = invite();
    bye.headers.set('From', '<sip:callee@x.test>;tag=fork-a');
    bye.headers.set('To', '<sip:bob@example.test>;tag=remote');
    expect(set.forRequest(bye)).toBe(a);
    expect(set.delete(a)).toBe(true);
    expect(set.size).toBe(1);
  });
});
