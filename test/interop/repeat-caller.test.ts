/**
 * Issue 13 §3 on live calls: "3 calls in 10 min → my mobile" before "* in DND → …". A SIPp caller
 * calls an extension in Do Not Disturb three times; the first two are refused by the DND rule
 * (busy, so no media is needed), the third breaks through to the mobile, and the SIPp carrier
 * behind the trunk sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectQuiet,
  finalStatus,
  lastCall,
  quietPort,
  sipp,
  sippUas,
  startCallPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';
import { listCalls } from '../../src/store/call-history-repository.js';

/** uas-trunk.xml expects this caller, national, in the trunk's From. */
const CALLER = ['-key', 'caller', '+33491234567'];

function directory(trunkPort: number) {
  return {
    extensions: [
      {
        number: '120',
        name: 'Claire Dupont',
        password: 'secret-of-120',
        mobile: '06 11 22 33 44',
        status: 'dnd',
        exceptions: [
          { callerId: '*', repeat: { calls: 3, minutes: 10 }, action: { type: 'mobile' } },
          { callerId: '*', statuses: ['dnd'], action: { type: 'busy' } },
        ],
      },
    ],
    trunks: [{ name: 'carrier', host: '127.0.0.1', port: trunkPort, numberFormat: 'national' }],
  };
}

describe('repeat caller breaking through DND, against SIPp', () => {
  let t: TestPbx;
  let trunkPort: number;
  beforeAll(async () => {
    trunkPort = await quietPort();
    t = await startCallPbx(directory(trunkPort));
  });
  afterAll(async () => {
    await t.remove();
  });

  it('the first two calls are refused in DND; the third reaches the mobile through the trunk', async () => {
    for (const n of [1, 2]) {
      const refused = await sipp(t, 'uac-refused.xml', ['-s', '120', ...CALLER]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(0);
      expect(finalStatus(refused.messages)).toBe(486);
      await expectQuiet(t);
      const call = await lastCall(t);
      expect(call).toMatchObject({ exception: 1, outcome: 'busy' });
      expect(call.trace[0]).toMatchObject({
        code: 'exception-repeat-mismatch',
        repeat: { count: n, calls: 3 },
      });
    }
    const earlier = (await listCalls(t.db, { limit: 2 })).map((c) => c.id).reverse();

    const carrier = sippUas('uas-trunk.xml', trunkPort);
    await carrier.ready;
    const third = await sipp(t, 'uac.xml', ['-s', '120', ...CALLER]);
    expect(third.code, third.stdout + third.stderr).toBe(0);
    const answered = await carrier.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    expect(answered.messages).toContain(`INVITE sip:0611223344@127.0.0.1:${trunkPort} SIP/2.0`);
    await expectQuiet(t);
    const call = await lastCall(t);
    expect(call).toMatchObject({
      exception: 0,
      outcome: 'answered',
      answeredBy: '+33611223344',
      plan: [{ do: 'dial', number: '+33611223344', presentation: 'caller', timeout: null }],
    });
    const reached = call.trace[0];
    expect(reached).toMatchObject({ code: 'exception-repeat-reached', repeat: { count: 3 } });
    expect(reached?.repeat?.earlier.map((c) => c.id)).toEqual(earlier);
  });
});
