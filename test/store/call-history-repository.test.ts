import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import type { Db } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';
import { listCalls, storeHistory } from '../../src/store/call-history-repository.js';
import type { Decision } from '../../src/domain/types.js';
import { tempDir } from './helpers.js';

const DECISION: Decision = {
  to: '101',
  exception: 0,
  action: { type: 'extension', target: '100', voicemail: true },
  plan: [{ do: 'voicemail', mailbox: '100' }],
  trace: [{ code: 'exception-matched', extension: '101', exception: 0 }],
};

describe('call history', () => {
  let temp: ReturnType<typeof tempDir>;
  let db: Db;

  beforeEach(async () => {
    temp = tempDir('history');
    db = openDatabase(join(temp.dir, 'renvoi.db'));
    await migrate(db);
  });

  afterEach(async () => {
    await db.destroy();
    temp.remove();
  });

  it('records a call from start to end with its decision', async () => {
    await storeHistory(db).recordStart({
      id: 'c1',
      startedAt: 1000,
      source: 'trunk',
      caller: { kind: 'external', e164: '+33612345678', digits: '0612345678' },
      callerName: 'Bob',
      decision: DECISION,
    });
    let [call] = await listCalls(db, { limit: 10 });
    expect(call).toMatchObject({ id: 'c1', outcome: null, endedAt: null, caller: '+33612345678' });
    await storeHistory(db).recordEnd('c1', 1500, {
      outcome: 'unavailable',
      status: 480,
      answeredBy: null,
    });
    [call] = await listCalls(db, { limit: 10 });
    expect(call).toEqual({
      id: 'c1',
      startedAt: 1000,
      answeredAt: null,
      endedAt: 1500,
      caller: '+33612345678',
      callerName: 'Bob',
      called: '101',
      exception: 0,
      action: DECISION.action,
      plan: DECISION.plan,
      trace: DECISION.trace,
      outcome: 'unavailable',
      answeredBy: null,
      finalStatus: 480,
    });
  });

  it('lists by extension, most recent first, a page at a time', async () => {
    const start = (id: string, at: number, caller: string, to: string) =>
      storeHistory(db).recordStart({
        id,
        startedAt: at,
        source: 'extension',
        caller: { kind: 'internal', extension: caller },
        callerName: null,
        decision: { ...DECISION, to, exception: null, action: null },
      });
    await start('a', 1, '100', '101');
    await start('b', 2, '102', '800');
    await start('c', 3, '103', '104');
    await start('d', 4, '101', '102');
    await storeHistory(db).recordAnswer('b', 5, '101');
    await storeHistory(db).recordEnd('b', 6, {
      outcome: 'answered',
      status: 200,
      answeredBy: '101',
    });
    const ids = async (o: Parameters<typeof listCalls>[1]) =>
      (await listCalls(db, o)).map((c) => c.id);
    expect(await ids({ limit: 10 })).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({ extension: '101', limit: 10 })).toEqual(['d', 'b', 'a']);
    expect(await ids({ extension: '101', limit: 2 })).toEqual(['d', 'b']);
    expect(await ids({ extension: '101', limit: 2, before: 2 })).toEqual(['a']);
    const [b] = await listCalls(db, { extension: '800', limit: 1 });
    expect(b).toMatchObject({
      answeredAt: 5,
      answeredBy: '101',
      outcome: 'answered',
      finalStatus: 200,
    });
  });
});
