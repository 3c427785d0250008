import { describe, expect, it } from 'vitest';
import {
  DialogError,
  SEQ_MARGIN,
  createUacDialog,
  createUasDialog,
  restoreDialog,
  snapshotDialog,
} from '../../../src/sip/dialog/index.js';
import { getCSeq, getFrom, getTo } from '../../../src/sip/message/index.js';
import { buildReply } from '../../../src/sip/message/reply.js';
import { parseRequest } from '../../pbx/calls/fakes.js';

const CONTACT = 'sip:renvoi@192.0.2.1:5060';

function invite() {
  return parseRequest(
    [
      'INVITE sip:100@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKd1',
      'Max-Forwards: 70',
      'From: "Bob Lenoir" <sip:bob@example.test>;tag=remote',
      'To: <sip:100@pbx.test>',
      'Call-ID: dlg@example.test',
      'CSeq: 7 INVITE',
      'Contact: <sip:bob@198.51.100.7:5060>',
      'Record-Route: <sip:p1.test;lr>, <sip:p2.test;lr>',
    ],
    '',
  );
}

/** Through storage: JSON text and back. */
const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('dialog snapshot (a call kept across a crash)', () => {
  it('rebuilds a UAS dialog whose BYE is the one the live dialog would send, its CSeq ahead', () => {
    const live = createUasDialog(invite(), buildReply(invite(), 200, 'OK', 'local'), CONTACT);
    live.createRequest('INFO');
    const restored = restoreDialog(stored(snapshotDialog(live)));
    const expected = live.createRequest('BYE');
    const bye = restored.createRequest('BYE');
    expect(restored.state).toBe('confirmed');
    expect(restored.key).toBe(live.key);
    expect(bye.uri).toBe(expected.uri);
    expect(bye.headers.getAll('Route')).toEqual(expected.headers.getAll('Route'));
    expect(getFrom(bye)).toEqual(getFrom(expected));
    expect(getTo(bye)).toEqual(getTo(expected));
    expect(getTo(bye)?.displayName).toBe('Bob Lenoir');
    // The INFO took 1; the live BYE 2; the snapshot was taken after the INFO.
    expect(getCSeq(bye)).toEqual({ seq: 1 + SEQ_MARGIN + 1, method: 'BYE' });
  });

  it('rebuilds a UAC dialog with its route set reversed, as it was', () => {
    const request = invite();
    const reply = buildReply(request, 200, 'OK', 'callee');
    reply.headers.append('Contact', '<sip:100@203.0.113.9:5062>');
    reply.headers.append('Record-Route', '<sip:p2.test;lr>, <sip:p1.test;lr>');
    const live = createUacDialog(request, reply, CONTACT);
    const bye = restoreDialog(stored(snapshotDialog(live))).createRequest('BYE');
    expect(bye.uri).toBe('sip:100@203.0.113.9:5062');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:p1.test;lr>', '<sip:p2.test;lr>']);
    expect(getCSeq(bye)?.seq).toBe(7 + SEQ_MARGIN + 1);
  });

  it('refuses a terminated dialog and a snapshot that is not one, naming the field', () => {
    const live = createUasDialog(invite(), buildReply(invite(), 200, 'OK', 'local'), CONTACT);
    const good = stored(snapshotDialog(live)) as Record<string, unknown>;
    live.terminate();
    expect(() => snapshotDialog(live)).toThrow(DialogError);
    expect(() => restoreDialog(null)).toThrow(/not an object/);
    expect(() => restoreDialog({ ...good, role: 'proxy' })).toThrow(/role/);
    expect(() => restoreDialog({ ...good, callId: '' })).toThrow(/callId/);
    expect(() => restoreDialog({ ...good, localSeq: -2 })).toThrow(/localSeq/);
    expect(() => restoreDialog({ ...good, routeSet: [7] })).toThrow(/routeSet/);
    expect(() => restoreDialog({ ...good, remote: '<<<' })).toThrow(/remote/);
  });
});
