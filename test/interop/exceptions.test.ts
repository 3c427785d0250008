/**
 * Each exception action of the guide that needs no media, fired by an outside caller and carried
 * out against SIPp phones and a SIPp carrier behind the trunk. The caller is an outside SIP caller
 * (let in by the outsideCalls setting), except where the call is forwarded out: such a caller
 * comes in through a trunk of its own, since an unauthenticated SIP caller never is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OUTSIDE_CALLERS,
  expectQuiet,
  finalStatus,
  lastCall,
  originTrunk,
  phone,
  quietPort,
  sipp,
  sippUas,
  startCallPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';

/** The outside caller of every test: uas-trunk.xml expects it, national, in the trunk's From. */
const CALLER = ['-key', 'caller', '+33491234567'];

function directory(trunkPort: number, originPort: number) {
  const every = (action: object) => [{ callerId: '*', action }];
  return {
    ...OUTSIDE_CALLERS,
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
      { number: '102', name: 'Bruno Petit', password: 'secret-of-102' },
      {
        number: '110',
        name: 'Busy',
        password: 'secret-of-110',
        exceptions: every({ type: 'busy' }),
      },
      {
        number: '111',
        name: 'To 100',
        password: 'secret-of-111',
        exceptions: every({ type: 'extension', target: '100' }),
      },
      {
        number: '112',
        name: 'To ring-all',
        password: 'secret-of-112',
        exceptions: every({ type: 'system', target: '800' }),
      },
      {
        number: '113',
        name: 'To hunt',
        password: 'secret-of-113',
        exceptions: every({ type: 'system', target: '801' }),
      },
      {
        number: '114',
        name: 'To external',
        password: 'secret-of-114',
        exceptions: every({ type: 'external', number: '04 42 93 06 98', bounce: false }),
      },
      {
        number: '115',
        name: 'To mobile',
        password: 'secret-of-115',
        mobile: '06 11 22 33 44',
        exceptions: every({ type: 'mobile', bounce: false }),
      },
    ],
    ringGroups: [
      { number: '800', name: 'Accueil', strategy: 'ring-all', members: ['100', '102'] },
      // The shortest group timeout the directory accepts (document.ts TIMEOUT_RANGE).
      { number: '801', name: 'Hunt', strategy: 'hunt', members: ['102', '100'], timeout: 5 },
    ],
    trunks: [
      { name: 'carrier', host: '127.0.0.1', port: trunkPort, numberFormat: 'national' },
      originTrunk(originPort, { '0442000114': '114', '0442000115': '115' }),
    ],
  };
}

describe('exception actions, against SIPp phones and a SIPp carrier', () => {
  let t: TestPbx;
  let trunkPort: number;
  let originPort: number;
  beforeAll(async () => {
    // In the directory for the whole file: ports no socket bound to port 0 can take meanwhile.
    trunkPort = await quietPort();
    originPort = await quietPort();
    t = await startCallPbx(directory(trunkPort, originPort));
  });
  afterAll(async () => {
    await t.remove();
  });

  it('busy: the caller gets 486', async () => {
    const caller = await sipp(t, 'uac-refused.xml', ['-s', '110', ...CALLER]);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    expect(finalStatus(caller.messages)).toBe(486);
    await expectQuiet(t);
    expect(await lastCall(t)).toMatchObject({ exception: 0, outcome: 'busy' });
  });

  it('extension: the target rings and answers', async () => {
    const target = await phone(t, '100');
    const caller = await sipp(t, 'uac.xml', ['-s', '111', ...CALLER]);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const answered = await target.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    await expectQuiet(t);
    expect(await lastCall(t)).toMatchObject({ exception: 0, answeredBy: '100' });
  });

  it('system, ring-all: one member answers, the other gets CANCEL', async () => {
    const answering = await phone(t, '100');
    const cancelled = await phone(t, '102', 'uas-cancelled.xml');
    const caller = await sipp(t, 'uac.xml', ['-s', '112', ...CALLER]);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    const [a, c] = await Promise.all([answering.done, cancelled.done]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    await expectQuiet(t);
    const call = await lastCall(t);
    expect(call.plan[0]).toEqual({ do: 'ring', extensions: ['100', '102'], timeout: 20 });
    expect(call).toMatchObject({ outcome: 'answered', answeredBy: '100' });
  });

  it('system, hunt: the first member lets the group timeout pass, the second answers', async () => {
    const first = await phone(t, '102', 'uas-cancelled.xml');
    const second = await phone(t, '100');
    const started = performance.now();
    const caller = await sipp(t, 'uac.xml', ['-s', '113', ...CALLER]);
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(5000);
    const [f, s] = await Promise.all([first.done, second.done]);
    expect(f.code, f.stdout + f.stderr).toBe(0);
    expect(s.code, s.stdout + s.stderr).toBe(0);
    await expectQuiet(t);
    const call = await lastCall(t);
    expect(call.plan.slice(0, 2)).toEqual([
      { do: 'ring', extensions: ['102'], timeout: 5 },
      { do: 'ring', extensions: ['100'], timeout: 5 },
    ]);
    expect(call).toMatchObject({ outcome: 'answered', answeredBy: '100' });
  });

  // uas-trunk.xml fails the call unless the From shows 0491234567 (national) without Privacy.
  it.each([
    ['external', '0442000114', '+33442930698', 'sip:0442930698@'],
    ['mobile', '0442000115', '+33611223344', 'sip:0611223344@'],
  ])(
    '%s without bounce: the carrier sees the caller, answers, and the call bridges',
    async (_action, did, e164, requestUri) => {
      const carrier = sippUas('uas-trunk.xml', trunkPort);
      await carrier.ready;
      const caller = await sipp(t, 'uac.xml', ['-s', did, ...CALLER], { localPort: originPort });
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      const answered = await carrier.done;
      expect(answered.code, answered.stdout + answered.stderr).toBe(0);
      expect(answered.messages).toContain(`INVITE ${requestUri}127.0.0.1:${trunkPort} SIP/2.0`);
      await expectQuiet(t);
      const call = await lastCall(t);
      expect(call.plan).toEqual([
        { do: 'dial', number: e164, presentation: 'caller', timeout: null },
      ]);
      expect(call).toMatchObject({ exception: 0, outcome: 'answered', answeredBy: e164 });
    },
  );
});
