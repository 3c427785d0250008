import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import { TEST_TIMERS, eventually, freePort, sipp, sippUas, startTestPbx } from './harness.js';

const SECRETS = ['secret-of-100', 'secret-of-101', 'carrier-secret', 'wrong-guess-1'];

describe('no secret in the logs', () => {
  it('logs registrations, failures, calls and trunk registration without any password', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const carrierPort = await freePort();
    const carrier = sippUas('carrier-registrar.xml', carrierPort);
    const t = await startTestPbx(
      {
        extensions: [
          { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
          { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
        ],
        trunks: [
          {
            name: 'carrier',
            host: '127.0.0.1',
            port: carrierPort,
            username: 'renvoi-trunk',
            password: 'carrier-secret',
          },
        ],
      },
      mkdtempSync(join(tmpdir(), 'renvoi-secrets-')),
      TEST_TIMERS,
      pino({ level: 'trace' }, sink),
    );
    attachCallHandling(t.pbx, { t1: 10, t2: 40 });
    try {
      expect((await carrier.done).code).toBe(0);
      await eventually(() => t.pbx.trunkStates().carrier === 'registered', 'the trunk');
      const good = await sipp(t, 'register.xml', [
        '-s',
        '100',
        '-au',
        '100',
        '-ap',
        'secret-of-100',
      ]);
      expect(good.code).toBe(0);
      const bad = await sipp(t, 'register-refused.xml', [
        '-s',
        '101',
        '-au',
        '101',
        '-ap',
        'wrong-guess-1',
      ]);
      expect(bad.code).toBe(0);
      await sipp(t, 'uac.xml', ['-s', '101', '-key', 'caller', '0491000000', '-timeout', '3s']);
      const log = lines.join('');
      expect(log).toContain('registered');
      expect(log).toContain('SIP authentication failed');
      for (const secret of SECRETS) expect(log).not.toContain(secret);
      // Nor the digest answers that stand for them.
      expect(log).not.toMatch(/response=\\?"?[0-9a-f]{32}/);
    } finally {
      carrier.stop();
      await t.remove();
    }
  });
});
