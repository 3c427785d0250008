import { describe, expect, it } from 'vitest';
import type { BLeg, LegContext, LegEvents } from '../../../src/pbx/calls/b-leg.js';
import { BLegs } from '../../../src/pbx/calls/b-legs.js';
import { OwnedTimers } from '../../../src/pbx/calls/owned-timers.js';
import type { LegTarget } from '../../../src/pbx/calls/steps/step-context.js';
import { getCSeq, getFrom, getMaxForwards } from '../../../src/sip/message/index.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { OFFER, FakeSignaling, device } from './fakes.js';

function setup() {
  const sig = new FakeSignaling();
  const ended: string[] = [];
  const context: LegContext = {
    signaling: sig,
    timers: new OwnedTimers(new FakeScheduler()),
    t1: 500,
    send: (request, destination, handlers) => sig.sendRequest(request, destination, handlers),
    forget: () => undefined,
    log: () => undefined,
    dialogHost: () => {
      throw new Error('no leg answers here');
    },
  };
  const events: LegEvents = {
    provisional: () => undefined,
    answered: () => false,
    failed: () => undefined,
    ended: (leg) => {
      ended.push(leg.id);
      legs.delete(leg);
    },
  };
  const legs = new BLegs('b-call@pbx.test', context, events);
  return { sig, legs, ended };
}

function target(n: number, extra: [string, string][] = []): LegTarget {
  return {
    target: `10${n}`,
    uri: device(n).uri,
    to: `<sip:10${n}@pbx.test>`,
    destination: device(n).destination,
    presentation: { from: '"Bob" <sip:+33612345678@pbx.test>', headers: [['Privacy', 'none']] },
    extra,
  };
}

describe('BLegs', () => {
  it("builds each leg's INVITE: one Call-ID, a From tag each, Max-Forwards given, the offer", () => {
    const { legs } = setup();
    const sdp = { body: Buffer.from(OFFER), contentType: 'application/sdp' };
    const a = legs.create(0, 69, target(1, [['X-Account', '7']]), sdp);
    const b = legs.create(0, 69, target(2), {});
    expect([a.id, b.id]).toEqual(['b1', 'b2']);
    expect(a.invite.uri).toBe(device(1).uri);
    expect(a.invite.headers.get('Call-ID')).toBe('b-call@pbx.test');
    expect(b.invite.headers.get('Call-ID')).toBe('b-call@pbx.test');
    expect(getFrom(a.invite)?.tag).not.toBe(getFrom(b.invite)?.tag);
    expect(getMaxForwards(a.invite)).toBe(69);
    expect(getCSeq(a.invite)).toEqual({ seq: 1, method: 'INVITE' });
    expect(a.invite.headers.get('Contact')).toBe('<sip:renvoi@192.0.2.1:5060>');
    expect(a.invite.headers.get('Privacy')).toBe('none');
    expect(a.invite.headers.get('X-Account')).toBe('7');
    expect(a.invite.body.toString()).toBe(OFFER);
    expect(b.invite.body.length).toBe(0);
    expect(b.invite.headers.has('Content-Type')).toBe(false);
    expect(legs.size).toBe(2);
  });

  it('knows which step may still answer, and cancels by step or all but one', () => {
    const { legs, ended } = setup();
    const first = legs.create(0, 70, target(1), {});
    const second = legs.create(1, 70, target(2), {});
    const third = legs.create(1, 70, target(3), {});
    expect(legs.ringing(0)).toBe(true);
    expect(legs.ringing(0, first)).toBe(false);
    legs.cancel(0);
    expect(ended).toEqual(['b1']);
    expect(legs.ringing(0)).toBe(false);
    legs.cancel(undefined, third);
    expect(ended).toEqual(['b1', 'b2']);
    expect(legs.all.map((l: BLeg) => l.id)).toEqual([third.id]);
    expect(second.state).toBe('ended');
  });
});
