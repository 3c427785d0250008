/**
 * Calls between extensions and how they end, against SIPp phones: an authenticated extension
 * calling another, hang-up from either side, CANCEL while ringing, no answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OUTSIDE_CALLERS,
  callingAs,
  expectQuiet,
  finalStatus,
  lastCall,
  phone,
  sipp,
  startCallPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  ...OUTSIDE_CALLERS,
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
    // The shortest ring timeout the directory accepts (document.ts TIMEOUT_RANGE).
    { number: '102', name: 'Bruno Petit', password: 'secret-of-102', ringTimeout: 5 },
  ],
};

describe('calls between extensions, against SIPp phones', () => {
  let t: TestPbx;
  beforeAll(async () => {
    t = await startCallPbx(DIRECTORY);
  });
  afterAll(async () => {
    await t.remove();
  });

  it("101 calls 100 after the 407 challenge; 100 sees Alice Martin's name and number", async () => {
    // uas-from-alice.xml fails the call unless the From is "Alice Martin" <sip:101@…>.
    const callee = await phone(t, '100', 'uas-from-alice.xml');
    const caller = await sipp(t, 'uac-auth.xml', callingAs(t, '101', '100'));
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const answered = await callee.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    await expectQuiet(t);
    expect(await lastCall(t)).toMatchObject({
      caller: '101',
      callerName: 'Alice Martin',
      outcome: 'answered',
      answeredBy: '100',
    });
  });

  it('the caller hangs up: the callee gets the BYE', async () => {
    const callee = await phone(t, '100');
    const caller = await sipp(t, 'uac.xml', ['-s', '100', '-key', 'caller', '0491000000']);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const done = await callee.done;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    await expectQuiet(t);
  });

  it('the callee hangs up: the caller gets the BYE', async () => {
    const callee = await phone(t, '100', 'uas-hangup.xml');
    const caller = await sipp(t, 'uac-hungup.xml', ['-s', '100', '-key', 'caller', '0491000000']);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const done = await callee.done;
    expect(done.code, done.stdout + done.stderr).toBe(0);
    await expectQuiet(t);
    expect(await lastCall(t)).toMatchObject({ outcome: 'answered', answeredBy: '100' });
  });

  it('CANCEL while ringing: 200 and 487 to the caller, CANCEL and 487 on the phone', async () => {
    const callee = await phone(t, '100', 'uas-cancelled.xml');
    const caller = await sipp(t, 'uac-cancel.xml', ['-s', '100', '-key', 'caller', '0491000000']);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    expect(finalStatus(caller.messages)).toBe(487);
    const cancelled = await callee.done;
    expect(cancelled.code, cancelled.stdout + cancelled.stderr).toBe(0);
    await expectQuiet(t);
    expect(await lastCall(t)).toMatchObject({ outcome: 'cancelled', answeredBy: null });
  });

  it('no answer in the ring timeout: the phone is CANCELled, the voicemail answers', async () => {
    const callee = await phone(t, '102', 'uas-cancelled.xml');
    const started = performance.now();
    const caller = await sipp(t, 'uac.xml', ['-s', '102', '-key', 'caller', '0491000000']);
    const elapsed = performance.now() - started;
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    // The plan is [ring 102 for 5 s, voicemail 102]: the PBX answers for the voicemail.
    expect(finalStatus(caller.messages)).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(5000);
    const cancelled = await callee.done;
    expect(cancelled.code, cancelled.stdout + cancelled.stderr).toBe(0);
    await expectQuiet(t);
    const call = await lastCall(t);
    expect(call.plan).toEqual([
      { do: 'ring', extensions: ['102'], timeout: 5 },
      { do: 'voicemail', mailbox: '102' },
    ]);
    expect(call).toMatchObject({ outcome: 'voicemail', finalStatus: 200 });
  });
});
