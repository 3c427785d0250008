/**
 * A released call is garbage: nothing the SIP stack keeps after it (an INVITE client transaction
 * in Accepted for Timer M, the caller's INVITE transaction for Timer L, each holding its callbacks)
 * reaches the session any more, and a 2xx arriving then is still acknowledged (RFC 3261 §13.2.2.4).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/domain/types.js';
import { getCSeq, getTo } from '../../../src/sip/message/index.js';
import { ANSWER, device, expectReleased, fromCaller, startCall } from './fakes.js';
import type { Call, FakeClientTx, FakeServerTx, FakeSignaling } from './fakes.js';

const RING_100: Step = { do: 'ring', extensions: ['100'], timeout: 20 };

// A full collection on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What outlives the call in the stack: the transactions and their callbacks. */
interface Kept {
  sig: FakeSignaling;
  invite: FakeServerTx;
  leg: FakeClientTx;
  other: FakeClientTx;
}

/**
 * Two devices ring, the second answers, the caller hangs up; the session is released and only a
 * WeakRef to it leaves this function.
 */
function releasedCall(): { kept: Kept; session: WeakRef<object> } {
  const call: Call = startCall([RING_100], { contacts: { '100': [device(1), device(2)] } });
  const [other, leg] = call.sig.requests('INVITE') as [FakeClientTx, FakeClientTx];
  other.reply(180, { toTag: 'b1' });
  leg.reply(200, { toTag: 'b2', body: ANSWER });
  call.sig.only('CANCEL').reply(200);
  other.reply(487, { toTag: 'b1' });
  fromCaller(call, 'ACK', 10);
  fromCaller(call, 'BYE', 11);
  for (const bye of call.sig.requests('BYE')) bye.reply(200);
  expectReleased(call);
  // The stack forgets a non-INVITE transaction at its final response (it lingers as a record
  // without callbacks); an INVITE one with a 2xx keeps its callbacks for Timer M.
  const inviteTxs = call.sig.sent.filter((tx) => tx.method === 'INVITE');
  call.sig.sent.splice(0, call.sig.sent.length, ...inviteTxs);
  return {
    kept: { sig: call.sig, invite: call.invite, leg, other },
    session: new WeakRef(call.session),
  };
}

/** A WeakRef's target is kept until the job that made it ends: collect on a later turn. */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

describe('CallSession: after its release', () => {
  it('is collectable while its transactions still hold their callbacks', async () => {
    const { kept, session } = releasedCall();
    expect(await collected(session)).toBe(true);
    // The stack still holds these (Timers M and L): they outlive the session.
    expect(kept.leg.terminated).toBe(false);
    expect(kept.invite.user.onTransportError).toBeDefined();
  });

  it("acknowledges the answered leg's 2xx again, and ACKs and BYEs another fork's", async () => {
    const { kept, session } = releasedCall();
    expect(await collected(session)).toBe(true);
    const { sig, leg } = kept;
    const firstAck = sig.acks.at(-1);
    const acks = sig.acks.length;
    const byes = sig.requests('BYE').length;

    // RFC 3261 §13.2.2.4: a retransmitted 2xx gets the same ACK.
    leg.reply(200, { toTag: 'b2', body: ANSWER });
    expect(sig.acks).toHaveLength(acks + 1);
    expect(sig.acks.at(-1)?.ack).toBe(firstAck?.ack);
    expect(sig.requests('BYE')).toHaveLength(byes);

    // A fork downstream answers late: its own dialog, acknowledged, then ended.
    leg.reply(200, { toTag: 'b9', body: ANSWER, contact: 'sip:fork@192.0.2.30:5062' });
    expect(sig.acks).toHaveLength(acks + 2);
    const ack = sig.acks.at(-1)?.ack;
    expect(getTo(ack ?? leg.request)?.tag).toBe('b9');
    expect(getCSeq(ack ?? leg.request)).toEqual({ seq: 1, method: 'ACK' });
    expect(ack?.uri).toBe('sip:fork@192.0.2.30:5062');
    const bye = sig.requests('BYE').at(-1);
    expect(sig.requests('BYE')).toHaveLength(byes + 1);
    expect(getTo(bye?.request ?? leg.request)?.tag).toBe('b9');
    expect(bye?.destination).toEqual(device(2).destination);
    // Its retransmission: the same ACK, no second BYE.
    leg.reply(200, { toTag: 'b9', body: ANSWER, contact: 'sip:fork@192.0.2.30:5062' });
    expect(sig.acks.at(-1)?.ack).toBe(ack);
    expect(sig.requests('BYE')).toHaveLength(byes + 1);

    // The CANCELled leg's 2xx (it crossed our CANCEL): acknowledged and ended too.
    kept.other.reply(200, { toTag: 'b1', body: ANSWER });
    expect(getTo(sig.acks.at(-1)?.ack ?? leg.request)?.tag).toBe('b1');
    expect(sig.requests('BYE')).toHaveLength(byes + 2);
  });
});
