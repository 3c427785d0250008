import { describe, expect, it } from 'vitest';
import { eventually, freePort, sippUas, startTestPbx } from './harness.js';

function directory(carrierPort: number, password: string) {
  return {
    extensions: [{ number: '100', name: 'Secrétariat', password: 'secret-of-100' }],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: carrierPort,
        username: 'renvoi-trunk',
        password,
      },
    ],
  };
}

describe('a registering trunk, against a SIPp carrier registrar', () => {
  it('registers with digest and keeps the time the carrier grants', async () => {
    const carrierPort = await freePort();
    const carrier = sippUas('carrier-registrar.xml', carrierPort);
    const t = await startTestPbx(directory(carrierPort, 'carrier-secret'));
    try {
      const result = await carrier.done;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      await eventually(() => t.pbx.trunkStates().carrier === 'registered', 'the trunk to register');
    } finally {
      carrier.stop();
      await t.remove();
    }
  });

  it('reports a refused password as failed, without retrying in a loop', async () => {
    const carrierPort = await freePort();
    const carrier = sippUas('carrier-registrar.xml', carrierPort);
    const t = await startTestPbx(directory(carrierPort, 'wrong-secret'));
    try {
      await eventually(() => t.pbx.trunkStates().carrier === 'failed', 'the registration to fail');
      const result = await carrier.done;
      // The carrier saw one challenge and one wrong answer, then nothing more.
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(/Unexpected-Msg.*[1-9]/);
    } finally {
      carrier.stop();
      await t.remove();
    }
  });
});
