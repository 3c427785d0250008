/**
 * The call table's bound: with room for one call, a second caller gets 503 with Retry-After at
 * once while the first call goes on undisturbed, and /metrics counts it as refused for calls.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import {
  OUTSIDE_CALLERS,
  SCENARIOS,
  TEST_TIMERS,
  expectQuiet,
  finalStatus,
  freePort,
  phone,
  sipp,
  startTestPbx,
} from './harness.js';
import type { TestPbx } from './harness.js';
import { TRACE_ARGS, callOutcomes, runSipp } from './sipp-burst.js';

const DIRECTORY = {
  ...OUTSIDE_CALLERS,
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'secret-of-100' },
    { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
  ],
};

describe('the call table is bounded', () => {
  let t: TestPbx | undefined;
  let work: string | undefined;
  afterEach(async () => {
    await t?.remove();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
    t = undefined;
    work = undefined;
  });

  it('refuses a call beyond maxCalls with 503 and Retry-After, and the call in progress goes on', async () => {
    t = await startTestPbx(DIRECTORY);
    attachCallHandling(t.pbx, { t1: TEST_TIMERS.t1, t2: TEST_TIMERS.t2, maxCalls: 1 });
    const pbx = t;
    const callee = await phone(pbx, '100');
    const dir = mkdtempSync(join(tmpdir(), 'renvoi-capacity-'));
    work = dir;
    writeFileSync(join(dir, 'callees.csv'), 'SEQUENTIAL\n100\n101\n');
    // Two callers 100 ms apart; the first holds its call 2 s, so the second finds it full.
    const callers = runSipp(
      [
        `127.0.0.1:${pbx.port}`,
        '-sf',
        join(SCENARIOS, 'uac-or-refused.xml'),
        '-inf',
        join(dir, 'callees.csv'),
        '-key',
        'caller',
        '0611223344',
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        '-r',
        '10',
        '-m',
        '2',
        '-d',
        '2000',
        '-timeout',
        '15s',
        '-timeout_error',
        '-trace_msg',
        ...TRACE_ARGS,
      ],
      dir,
      20_000,
    );
    const ran = await callers.done;
    const outcomes = callOutcomes(dir);
    expect(outcomes.failed, ran.output + outcomes.errors).toBe(0);
    expect(outcomes.successful).toBe(2);
    expect(outcomes.refused).toBe(1);
    expect((await callee.done).code).toBe(0);
    // RFC 3261 §21.5.4: the refusal says when to come back.
    const messages = readdirSync(dir)
      .filter((f) => f.endsWith('_messages.log'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    expect(messages).toMatch(/^SIP\/2\.0 503 Service Unavailable[\s\S]*?^Retry-After: 10\s*$/m);

    // Room again once the first call has ended: 101 (unregistered) gets its voicemail.
    await expectQuiet(pbx);
    const after = await sipp(pbx, 'uac.xml', ['-s', '101', '-key', 'caller', '0611223344']);
    expect(after.code, after.stdout).toBe(0);
    expect(finalStatus(after.messages)).toBe(200);
    const { body } = await pbx.pbx.metrics.exposition();
    expect(body).toMatch(/^renvoi_sip_shed_total\{method="INVITE",reason="calls"\} 1$/m);
    await expectQuiet(pbx);
  });
});
