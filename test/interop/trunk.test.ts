/**
 * Calls from the trunk: a SIPp UAC sending from the trunk's own address and port (how the PBX
 * recognises a trunk) to an inbound number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectQuiet,
  finalStatus,
  freePort,
  lastCall,
  phone,
  sipp,
  startCallPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';

function directory(trunkPort: number) {
  return {
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
      {
        number: '101',
        name: 'Alice Martin',
        password: 'secret-of-101',
        exceptions: [{ callerId: '06* 07*', action: { type: 'extension', target: '100' } }],
      },
    ],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: trunkPort,
        numberFormat: 'national',
        inbound: { '0442000000': '101' },
      },
    ],
  };
}

describe('calls from the trunk, against SIPp', () => {
  let t: TestPbx;
  let trunkPort: number;
  beforeAll(async () => {
    trunkPort = await freePort();
    t = await startCallPbx(directory(trunkPort));
  });
  afterAll(async () => {
    await t.remove();
  });

  it('an inbound number reaches 101, whose 06* 07* exception sends +336… to 100', async () => {
    const secretariat = await phone(t, '100');
    const carrier = await sipp(
      t,
      'uac.xml',
      ['-s', '0442000000', '-key', 'caller', '+33612345678'],
      { localPort: trunkPort },
    );
    expect(carrier.code, carrier.stdout + carrier.stderr).toBe(0);
    const answered = await secretariat.done;
    expect(answered.code, answered.stdout + answered.stderr).toBe(0);
    await expectQuiet(t);
    expect(await lastCall(t)).toMatchObject({
      caller: '+33612345678',
      called: '101',
      exception: 0,
      outcome: 'answered',
      answeredBy: '100',
    });
  });

  it('an inbound number the trunk does not map gets 404', async () => {
    const carrier = await sipp(
      t,
      'uac-refused.xml',
      ['-s', '0442999999', '-key', 'caller', '+33612345678'],
      { localPort: trunkPort },
    );
    expect(carrier.code, carrier.stdout + carrier.stderr).toBe(0);
    expect(finalStatus(carrier.messages)).toBe(404);
    await expectQuiet(t);
  });
});
