/**
 * Issue 13 §2 on live calls: an outside caller in Alice's contacts reaches her phone under the
 * contact's name (not the network's display name), and the history keeps that name; an unknown
 * caller meets her "inconnu → busy" rule. The callers come in through a trunk, as carriers' do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectQuiet,
  finalStatus,
  lastCall,
  originTrunk,
  phone,
  quietPort,
  sipp,
  startCallPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';

function directory(originPort: number) {
  return {
    extensions: [
      {
        number: '101',
        name: 'Alice Martin',
        password: 'secret-of-101',
        contacts: [{ name: 'Dr Bernard', numbers: ['04 91 23 45 67'], groups: ['vip'] }],
        exceptions: [{ callerId: 'inconnu', action: { type: 'busy' } }],
      },
    ],
    trunks: [originTrunk(originPort, { '0442000101': '101' })],
  };
}

describe('contacts on live calls, against SIPp', () => {
  let t: TestPbx;
  let originPort: number;
  beforeAll(async () => {
    originPort = await quietPort();
    t = await startCallPbx(directory(originPort));
  });
  afterAll(async () => {
    await t.remove();
  });

  it('a contact rings Alice under the contact’s name, which the history keeps', async () => {
    // uas-from-contact.xml fails the call unless the From is "Dr Bernard" <sip:+33491234567@…>.
    const alice = await phone(t, '101', 'uas-from-contact.xml');
    const caller = await sipp(
      t,
      'uac.xml',
      ['-s', '0442000101', '-key', 'caller', '+33491234567'],
      {
        localPort: originPort,
      },
    );
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const answered = await alice.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    await expectQuiet(t);
    expect(await lastCall(t)).toMatchObject({
      caller: '+33491234567',
      callerName: 'Dr Bernard',
      outcome: 'answered',
      answeredBy: '101',
      exception: null,
    });
  });

  it('an unknown caller gets the "inconnu" rule: busy, and the trace says why', async () => {
    const refused = await sipp(
      t,
      'uac-refused.xml',
      ['-s', '0442000101', '-key', 'caller', '+33491000099'],
      { localPort: originPort },
    );
    expect(refused.code, refused.stdout + refused.stderr).toBe(0);
    expect(finalStatus(refused.messages)).toBe(486);
    await expectQuiet(t);
    const call = await lastCall(t);
    expect(call).toMatchObject({ exception: 0, outcome: 'busy', callerName: 'Caller' });
    expect(call.trace).toContainEqual({ code: 'caller-unknown', extension: '101', exception: 0 });
  });
});
