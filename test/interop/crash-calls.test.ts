/**
 * Issue 15 §5: a real `renvoi start` is killed (SIGKILL) while a call is up between two SIPp
 * phones; started again on the same data directory, it sends each phone a BYE for the dialog its
 * predecessor left (the checkpoint in the store), the database passes `integrity_check`, the
 * callee's registration is back, and the history shows the call interrupted.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openStore } from '../../src/cli/data-dir.js';
import { listCalls } from '../../src/store/call-history-repository.js';
import { ensureBuilt, startRenvoi } from '../e2e/harness.js';
import type { RunningRenvoi } from '../e2e/harness.js';
import { freePort, registerContact, sippUas, sippWith } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = `
outsideCalls: { allow: true }
extensions:
  - number: '101'
    name: Alice Martin
    password: 'secret-of-101'
`;
/** Apart from the other voice tests' range, so files running side by side do not collide. */
const RTP_PORTS = { RENVOI_RTP_PORTS: '31200-31299' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openDialogRows(dataDir: string): number {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from open_dialog').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('calls up when the PBX is killed', () => {
  let first: RunningRenvoi | undefined;
  let second: RunningRenvoi | undefined;
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);
  afterAll(async () => {
    await first?.kill();
    await second?.stop();
  });

  it(
    'are ended by BYE when it starts again, on a sound database',
    { timeout: 90_000 },
    async () => {
      first = await startRenvoi(DIRECTORY, { env: RTP_PORTS });
      const { dataDir } = first;
      const pbx = { port: first.sipPort } as TestPbx;

      // The callee answers and waits for a BYE; so does the caller. Neither hangs up.
      const calleePort = await freePort();
      const callee = sippUas('uas.xml', calleePort);
      await callee.ready;
      await registerContact(pbx, '101', calleePort);
      const caller = sippWith(
        pbx,
        'uac-hungup.xml',
        ['-s', '101', '-key', 'caller', '0491000000'],
        {
          timeoutS: 40,
        },
      );

      // Both dialogs checkpointed (every 2 s), then the crash.
      const deadline = Date.now() + 20_000;
      while (openDialogRows(dataDir) < 2) {
        if (Date.now() > deadline) throw new Error('the call never reached the checkpoint');
        await sleep(100);
      }
      await first.kill();

      // Back on its address and port, as a restarted PBX is: SIPp sends a call's messages to the
      // address the call began with, whatever the Via says.
      second = await startRenvoi(DIRECTORY, {
        dataDir,
        sipPort: first.sipPort,
        env: { ...RTP_PORTS, RENVOI_LOG_LEVEL: 'info' },
      });
      const [calleeEnd, callerEnd] = await Promise.all([callee.done, caller]);
      expect(calleeEnd.code, calleeEnd.stdout + calleeEnd.stderr).toBe(0);
      expect(callerEnd.code, callerEnd.stdout + callerEnd.stderr).toBe(0);
      // The BYEs were the new process's, from the dialogs it read: each phone answered 200.
      for (const end of [calleeEnd, callerEnd]) {
        expect(end.messages.match(/^BYE sip:/gm)).toHaveLength(1);
        expect(end.messages).toMatch(/^CSeq: 10\d\d BYE/m);
      }
      // Logged once both 200s are in, which may be a moment after SIPp has sent them.
      const logged = Date.now() + 5000;
      while (!/2 dialogs, 2 ended by BYE/.test(second.output()) && Date.now() < logged) {
        await sleep(50);
      }
      expect(second.output()).toMatch(
        /calls left up by the previous run: 2 dialogs, 2 ended by BYE/,
      );
      expect(openDialogRows(dataDir)).toBe(0);

      const sqlite = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
      try {
        expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        sqlite.close();
      }
      const store = await openStore(dataDir);
      try {
        const bindings = await store
          .selectFrom('registrations')
          .select(['aor', 'contact'])
          .where('aor', '=', '101')
          .execute();
        expect(bindings).toHaveLength(1);
        expect(bindings[0]?.contact).toContain(`:${calleePort}`);
        const calls = await listCalls(store, { limit: 10 });
        expect(calls).toHaveLength(1);
        expect(calls[0]).toMatchObject({ called: '101', outcome: 'interrupted' });
      } finally {
        await store.destroy();
      }
    },
  );
});
