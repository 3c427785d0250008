/**
 * Issue 14: the call history cannot grow without bound from outside callers, and a call cut by a
 * stop is not "in progress" forever. Real SQLite file, a real PBX started on it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/data-dir.js';
import { listCalls, storeHistory } from '../../src/store/call-history-repository.js';
import type { CallSource } from '../../src/store/call-history-repository.js';
import type { CallOutcome } from '../../src/pbx/calls/outcome.js';
import type { Decision } from '../../src/domain/types.js';
import { startTestPbx } from '../interop/harness.js';
import type { TestPbx } from '../interop/harness.js';

const DAY = 86_400_000;
const DECISION: Decision = { to: '101', exception: null, action: null, plan: [], trace: [] };
const DIRECTORY = {
  outsideCalls: { allow: true, keepDays: 7 },
  extensions: [{ number: '101', name: 'Alice Martin', password: 'secret-of-101' }],
};

describe('call history upkeep at start', () => {
  let t: TestPbx | undefined;
  afterEach(async () => {
    await t?.remove();
    t = undefined;
  });

  it('prunes old unanswered outside calls only, and closes calls left in progress', async () => {
    const first = await startTestPbx(DIRECTORY);
    await first.stop();
    const db = await openStore(first.dataDir);
    const now = Date.now();
    const history = storeHistory(db);
    const call = async (
      id: string,
      source: CallSource,
      ageDays: number,
      outcome: CallOutcome | null,
    ) => {
      const startedAt = now - ageDays * DAY;
      void history.recordStart({
        id,
        startedAt,
        source,
        caller: { kind: 'external', e164: '+33491000000', digits: '0491000000' },
        callerName: null,
        decision: DECISION,
      });
      if (outcome === 'answered') void history.recordAnswer(id, startedAt + 1000, '101');
      if (outcome !== null) {
        await history.recordEnd(id, startedAt + 5000, {
          outcome,
          status: outcome === 'answered' ? 200 : 480,
          answeredBy: outcome === 'answered' ? '101' : null,
        });
      }
    };
    await call('outside-old-unavailable', 'outside', 10, 'unavailable');
    await call('outside-old-cancelled', 'outside', 8, 'cancelled');
    await call('outside-old-answered', 'outside', 10, 'answered');
    await call('outside-old-message', 'outside', 10, 'voicemail');
    await call('outside-recent', 'outside', 6, 'no-answer');
    await call('trunk-old-unavailable', 'trunk', 10, 'unavailable');
    await call('extension-old-busy', 'extension', 10, 'busy');
    await call('cut-by-kill', 'extension', 0, null);
    history.close();
    expect(await listCalls(db, { limit: 20 })).toHaveLength(8);
    await db.destroy();

    t = await startTestPbx(null, first.dataDir);
    const calls = await listCalls(t.db, { limit: 20 });
    expect(calls.map((c) => c.id).sort()).toEqual([
      'cut-by-kill',
      'extension-old-busy',
      'outside-old-answered',
      'outside-old-message',
      'outside-recent',
      'trunk-old-unavailable',
    ]);
    const cut = calls.find((c) => c.id === 'cut-by-kill');
    expect(cut?.outcome).toBe('interrupted');
    expect(cut?.endedAt).toBeGreaterThanOrEqual(now);
    expect(calls.every((c) => c.outcome !== null)).toBe(true);
  });
});
