import { describe, expect, it } from 'vitest';
import { CallerLeg } from '../../../src/pbx/calls/caller-leg.js';
import { getTo } from '../../../src/sip/message/index.js';
import { ANSWER, FakeServerTx, FakeSignaling, callerInvite } from './fakes.js';

function leg(body?: string) {
  const invite = new FakeServerTx(callerInvite(body === undefined ? {} : { body }));
  let finals = 0;
  const caller = new CallerLeg(invite, new FakeSignaling(), () => finals++);
  return { invite, caller, finals: () => finals };
}

const SDP = { body: Buffer.from(ANSWER), contentType: 'application/sdp' };

describe('CallerLeg', () => {
  it('refuses an INVITE it cannot form a dialog from, or with no hop left', () => {
    const signaling = new FakeSignaling();
    const refusal = (request: ReturnType<typeof callerInvite>) =>
      new CallerLeg(new FakeServerTx(request), signaling, () => undefined).refusal();
    expect(refusal(callerInvite())).toBeNull();
    expect(refusal(callerInvite({ maxForwards: 0 }))).toEqual({
      status: 483,
      reason: 'Too Many Hops',
    });
    const noContact = callerInvite();
    noContact.headers.delete('Contact');
    expect(refusal(noContact)?.status).toBe(400);
  });

  it('a 180 forms the early dialog with our tag, Contact and the Record-Route', () => {
    const { invite, caller, finals } = leg();
    caller.ringing();
    expect(invite.statuses).toEqual([180]);
    expect(getTo(invite.last)?.tag).toBe(caller.tag);
    expect(invite.last.headers.get('Contact')).toBe('<sip:renvoi@192.0.2.1:5060>');
    expect(invite.last.headers.getAll('Record-Route')).toEqual(['<sip:proxy.test;lr>']);
    expect(caller.dialog?.state).toBe('early');
    expect(caller.seq).toBe(10);
    expect(finals()).toBe(0);
  });

  it('early media once, and one 180 only when nothing was heard', () => {
    const { invite, caller } = leg();
    expect(caller.earlyMedia(183, 'Session Progress', SDP)).toBe(true);
    expect(caller.earlyMedia(183, 'Session Progress', SDP)).toBe(false);
    caller.ringing();
    expect(invite.statuses).toEqual([183]);
    expect(invite.last.body.toString()).toBe(ANSWER);
    expect(invite.last.headers.get('Content-Type')).toBe('application/sdp');
  });

  it('the 200 confirms the dialog and says what we Allow; a final response is told once', () => {
    const { invite, caller, finals } = leg();
    caller.ringing();
    caller.respond(200, 'OK', SDP);
    expect(invite.statuses).toEqual([180, 200]);
    expect(invite.last.headers.get('Allow')).toContain('UPDATE');
    expect(caller.dialog?.state).toBe('confirmed');
    expect(finals()).toBe(1);
    caller.endDialog();
    expect(caller.holdsDialog).toBe(false);
  });

  it('a failure forms no dialog and carries the headers that say why', () => {
    const { invite, caller, finals } = leg('');
    expect(caller.lateOffer).toBe(true);
    caller.respond(488, 'Not Acceptable Here', {}, [['Warning', '304 pbx.test "no audio"']]);
    expect(invite.last.headers.get('Warning')).toBe('304 pbx.test "no audio"');
    expect(invite.last.headers.has('Contact')).toBe(false);
    expect(caller.dialog).toBeNull();
    expect(finals()).toBe(1);
  });
});
