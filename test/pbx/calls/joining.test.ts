/**
 * Which dialog a Replaces header names, and what an INVITE with Replaces gets for it
 * (transfer/joining.ts, RFC 3891 §3), with the host's new call faked; then pickup itself
 * (transfer/attended.ts) between two calls made with the fakes, real RTP sessions.
 */
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import type { CallSession } from '../../../src/pbx/calls/call-session.js';
import { pickUp } from '../../../src/pbx/calls/transfer/attended.js';
import { joinByReplaces } from '../../../src/pbx/calls/transfer/joining.js';
import type { JoiningHost } from '../../../src/pbx/calls/transfer/joining.js';
import {
  ANSWER,
  CALLER_SOURCE,
  FakeServerTx,
  callerInvite,
  callerTag,
  device,
  expectReleased,
  fromCaller,
  parseRequest,
  startCall,
  until,
} from './fakes.js';
import type { Call } from './fakes.js';

const RING_101: Step = { do: 'ring', extensions: ['101'], timeout: 20 };
const CONTACTS = { '101': [device(2)] };

function replacesOf(callId: string, toTag: string, fromTag: string, extra = ''): string {
  return `${callId};to-tag=${toTag};from-tag=${fromTag}${extra}`;
}

/** The PBX's From tag and the phone's To tag of the call's ringing leg. */
function legTags(call: Call): { callId: string; ours: string; theirs: string } {
  const invite = call.sig.only('INVITE').request;
  const from = /;tag=([^;>\s]+)/.exec(invite.headers.get('From') ?? '')?.[1] ?? '';
  return { callId: invite.headers.get('Call-ID') ?? '', ours: from, theirs: 'b1' };
}

function invite(replaces: string[]): { tx: FakeServerTx } {
  const request = parseRequest([
    'INVITE sip:101@pbx.test SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bKpick1',
    'Max-Forwards: 70',
    'From: <sip:102@pbx.test>;tag=ptag',
    'To: <sip:101@pbx.test>',
    'Call-ID: pick@192.0.2.50',
    'CSeq: 1 INVITE',
    'Contact: <sip:102@192.0.2.50:5060>',
    ...replaces.map((r) => `Replaces: ${r}`),
  ]);
  return { tx: new FakeServerTx(request) };
}

/** What an INVITE with `replaces` from `extension` gets: a status, or 'joins' for a new call. */
function answer(calls: CallSession[], extension: string, replaces: string[]): number | 'joins' {
  const started: string[] = [];
  const host: JoiningHost<CallSession> = {
    callById: (callId) => calls.find((c) => c.aCallId === callId || c.bCallId === callId),
    calls: () => calls,
    directory: () => {
      throw new Error('not needed');
    },
    log: () => undefined,
    start: (_request, _tx, _extension, to) => {
      started.push(to);
      return null;
    },
  };
  const { tx } = invite(replaces);
  joinByReplaces(host, tx.request, tx, extension);
  return started.length > 0 ? 'joins' : (tx.statuses[0] ?? -1);
}

describe('INVITE with Replaces', () => {
  it("a ringing leg's early dialog may be picked up; the caller's early dialog is not ours: 481", () => {
    const call = startCall([RING_101], { contacts: CONTACTS });
    call.sig.only('INVITE').reply(180, { toTag: 'b1' });
    const leg = legTags(call);
    const calls = [call.session];
    expect(
      call.session.namedDialog({
        callId: leg.callId,
        toTag: leg.theirs,
        fromTag: leg.ours,
        earlyOnly: false,
      })?.state,
    ).toBe('ringing');
    // Tags in either order: phones write them from their own side.
    expect(answer(calls, '102', [replacesOf(leg.callId, leg.theirs, leg.ours)])).toBe('joins');
    expect(
      answer(calls, '102', [replacesOf(leg.callId, leg.ours, leg.theirs, ';early-only')]),
    ).toBe('joins');
    const caller = replacesOf('call-a@198.51.100.7', callerTag(call), 'atag');
    expect(answer(calls, '102', [caller])).toBe(481);
    expect(answer(calls, '102', [replacesOf(leg.callId, 'nope', leg.ours)])).toBe(481);
    expect(answer(calls, '102', ['no-tags'])).toBe(400);
    expect(answer(calls, '102', [caller, caller])).toBe(400);
    call.session.terminate();
  });

  it('an answered dialog: its own extension may take it, early-only 486, another extension 403', () => {
    const call = startCall([RING_101], { contacts: CONTACTS });
    call.sig.only('INVITE').reply(200, { toTag: 'b1', body: ANSWER });
    fromCaller(call, 'ACK', 10);
    const leg = legTags(call);
    const calls = [call.session];
    const named = replacesOf(leg.callId, leg.theirs, leg.ours);
    expect(answer(calls, '101', [named])).toBe('joins');
    expect(answer(calls, '101', [`${named};early-only`])).toBe(486);
    expect(answer(calls, '102', [named])).toBe(403);
    call.session.terminate();
  });

  it('pickup: the caller answered by the PBX and joined to the picker; either ending ends both', async () => {
    for (const hangsUp of ['picker', 'caller'] as const) {
      const ringing = startCall([RING_101], { contacts: CONTACTS });
      const leg = ringing.sig.only('INVITE');
      leg.reply(180, { toTag: 'b1' });
      const picker = startCall([], {
        joining: (session) => pickUp(session, '102', ringing.session, '+33612345678'),
      });
      // The ringing phone is cancelled; the caller and the picker get the PBX's 200.
      ringing.sig.only('CANCEL').reply(200);
      leg.reply(487);
      await until(
        () => ringing.invite.statuses.includes(200) && picker.invite.statuses.includes(200),
      );
      fromCaller(ringing, 'ACK', 10);
      fromCaller(picker, 'ACK', 10);
      await until(() => ringing.session.media.isBridged || picker.session.media.isBridged);
      expect(ringing.answered).toEqual(['102']);
      const [ends, other] = hangsUp === 'picker' ? [picker, ringing] : [ringing, picker];
      fromCaller(ends, 'BYE', 11);
      other.sig.only('BYE', CALLER_SOURCE).reply(200);
      expect(ringing.ends).toEqual([{ outcome: 'answered', status: 200, answeredBy: '102' }]);
      await until(() => ringing.released === 1 && picker.released === 1);
      expectReleased(ringing);
      expectReleased(picker);
    }
  });

  it("pickup: a caller giving up before it is answered ends the picker's call too (480)", async () => {
    const ringing = startCall([RING_101], { contacts: CONTACTS });
    const leg = ringing.sig.only('INVITE');
    leg.reply(180, { toTag: 'b1' });
    const picker = startCall([], {
      joining: (session) => pickUp(session, '102', ringing.session, '+33612345678'),
    });
    ringing.sig.only('CANCEL').reply(200);
    leg.reply(487);
    // The caller's CANCEL crosses the PBX's answer (its ports are still being bound).
    const request = callerInvite({ body: '' });
    request.method = 'CANCEL';
    request.headers.set('CSeq', '10 CANCEL');
    ringing.session.cancel(new FakeServerTx(request));
    expect(ringing.invite.statuses.at(-1)).toBe(487);
    expect(picker.invite.statuses.at(-1)).toBe(480);
    await until(() => ringing.released === 1 && picker.released === 1);
    expectReleased(ringing);
    expectReleased(picker);
  });
});
