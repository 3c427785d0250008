/**
 * Issue 15 §5: a real `renvoi start` is killed (SIGKILL) while a call is up between two SIPp
 * phones; started again on the same data directory, it sends each phone a BYE for the dialog its
 * predecessor left (the checkpoint in the store), the database passes `integrity_check`, the
 * callee's registration is back, and the history shows the call interrupted. Killed again in the
 * middle of a REGISTER burst and an admin's import of a whole directory: the import is all there
 * or not at all, the registrations are back, the file is sound.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openStore } from '../../src/cli/data-dir.js';
import { listCalls } from '../../src/store/call-history-repository.js';
import { ensureBuilt, startRenvoi } from '../e2e/harness.js';
import type { RunningRenvoi } from '../e2e/harness.js';
import { freePort, registerContact, sippUas, sippWith, SCENARIOS } from './harness.js';
import { runSipp } from './sipp-burst.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = `
outsideCalls: { allow: true }
extensions:
  - number: '100'
    name: Secrétariat
    password: 'secret-of-100'
    role: admin
  - number: '101'
    name: Alice Martin
    password: 'secret-of-101'
`;
/** Apart from the other voice tests' range, so files running side by side do not collide. */
const RTP_PORTS = { RENVOI_RTP_PORTS: '31200-31299' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function integrity(dataDir: string): unknown {
  const sqlite = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return sqlite.pragma('integrity_check', { simple: true });
  } finally {
    sqlite.close();
  }
}

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

  it(
    'keeps an import whole or not at all, and the registrations, when killed under a REGISTER burst',
    { timeout: 90_000 },
    async () => {
      await second?.stop();
      second = undefined;
      first = await startRenvoi(DIRECTORY, { env: RTP_PORTS });
      const { dataDir, url } = first;
      const pbx = { port: first.sipPort } as TestPbx;
      const phonePort = await freePort();
      await registerContact(pbx, '101', phonePort);

      const login = await fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extension: '100', password: 'secret-of-100' }),
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      // The admin's import: the two extensions and 600 more, all or nothing.
      const extensions = [
        { number: '100', name: 'Secrétariat', password: 'secret-of-100', role: 'admin' },
        { number: '101', name: 'Alice Martin', password: 'secret-of-101' },
        ...Array.from({ length: 600 }, (_, i) => ({
          number: String(2000 + i),
          name: `Poste ${i}`,
          password: `secret-of-${2000 + i}`,
        })),
      ];

      // REGISTERs of 101 from SIPp, 400 a second, while the import is sent.
      const work = mkdtempSync(join(tmpdir(), 'renvoi-crash-burst-'));
      const burst = runSipp(
        [
          '-sf',
          join(SCENARIOS, 'register.xml'),
          `127.0.0.1:${first.sipPort}`,
          '-i',
          '127.0.0.1',
          '-p',
          String(await freePort()),
          '-s',
          '101',
          '-au',
          '101',
          '-ap',
          'secret-of-101',
          '-r',
          '400',
          '-m',
          '20000',
        ],
        work,
        30_000,
      );
      await sleep(500);
      const importing = fetch(`${url}/api/admin/directory`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify({ outsideCalls: { allow: true }, extensions }),
      }).then(
        (r) => r.status,
        () => 'cut',
      );
      await sleep(150);
      await first.kill();
      burst.stop();
      await burst.done;
      rmSync(work, { recursive: true, force: true });
      const imported = await importing;

      expect(integrity(dataDir)).toBe('ok');
      second = await startRenvoi(DIRECTORY, { dataDir, env: RTP_PORTS });
      const store = await openStore(dataDir);
      try {
        const { count } = await store
          .selectFrom('extension')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow();
        // Answered 200 before the kill: all of it; cut: all of it or none of it.
        if (imported === 200) expect(Number(count)).toBe(602);
        else expect([2, 602]).toContain(Number(count));
        const bindings = await store
          .selectFrom('registrations')
          .select('aor')
          .where('aor', '=', '101')
          .execute();
        expect(bindings.length).toBeGreaterThanOrEqual(1);
      } finally {
        await store.destroy();
      }
      expect(integrity(dataDir)).toBe('ok');
    },
  );
});
