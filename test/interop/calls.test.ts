import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCalls } from '../../src/store/call-history-repository.js';
import { OUTSIDE_CALLERS, expectQuiet, phone, sipp, startCallPbx } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  ...OUTSIDE_CALLERS,
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
    {
      number: '101',
      name: 'Alice Martin',
      password: 'secret-of-101',
      exceptions: [{ callerId: '06* 07*', action: { type: 'extension', target: '100' } }],
    },
  ],
};

describe('calls through the B2BUA, between SIPp peers', () => {
  let t: TestPbx;
  beforeAll(async () => {
    t = await startCallPbx(DIRECTORY);
  });
  afterAll(async () => {
    await t.remove();
  });

  it('connects an outside caller to an extension, and both hang up cleanly', async () => {
    const uas = await phone(t, '100');
    const uac = await sipp(t, 'uac.xml', ['-s', '100', '-key', 'caller', '0491000000']);
    expect(uac.code, uac.stdout + uac.stderr).toBe(0);
    const callee = await uas.done;
    expect(callee.code, callee.stdout + callee.stderr).toBe(0);
    await expectQuiet(t);
    const [call] = await listCalls(t.db, { limit: 1 });
    expect(call).toMatchObject({ outcome: 'answered', answeredBy: '100' });
  });

  it("applies 101's exception: a mobile caller (+336…) is forwarded to 100", async () => {
    const uas = await phone(t, '100');
    const uac = await sipp(t, 'uac.xml', ['-s', '101', '-key', 'caller', '+33612345678']);
    expect(uac.code, uac.stdout + uac.stderr).toBe(0);
    expect((await uas.done).code).toBe(0);
    await expectQuiet(t);
  });

  it('carries a whole dialog over TCP: INVITE, ACK and BYE on one connection', async () => {
    const uas = await phone(t, '100');
    const uac = await sipp(t, 'uac.xml', ['-s', '100', '-key', 'caller', '0491000000', '-t', 't1']);
    expect(uac.code, uac.stdout + uac.stderr).toBe(0);
    expect((await uas.done).code).toBe(0);
    await expectQuiet(t);
    const [call] = await listCalls(t.db, { limit: 1 });
    expect(call).toMatchObject({ outcome: 'answered', answeredBy: '100' });
  });
});
