import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/cli/data-dir.js';
import { DialogCheckpoint } from '../../../src/pbx/calls/dialog-checkpoint.js';
import type { CallSession } from '../../../src/pbx/calls/call-session.js';
import type { ResponseHandlers } from '../../../src/pbx/calls/ports.js';
import { createUasDialog } from '../../../src/sip/dialog/index.js';
import type { Dialog } from '../../../src/sip/dialog/index.js';
import { getCallId, getCSeq } from '../../../src/sip/message/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { buildReply } from '../../../src/sip/message/reply.js';
import type { Destination } from '../../../src/sip/transport/types.js';
import type { Db } from '../../../src/store/database.js';
import { parseRequest } from './fakes.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function store(): Promise<{ db: Db; reopen: () => Promise<Db> }> {
  const dir = mkdtempSync(join(tmpdir(), 'renvoi-checkpoint-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const open = async () => {
    const db = await openStore(dir);
    cleanups.push(() => db.destroy());
    return db;
  };
  return { db: await open(), reopen: open };
}

function dialog(callId: string): Dialog {
  const invite = parseRequest(
    [
      'INVITE sip:101@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKd1',
      'Max-Forwards: 70',
      'From: <sip:bob@example.test>;tag=remote',
      'To: <sip:101@pbx.test>',
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      'Contact: <sip:bob@198.51.100.7:5060>',
    ],
    '',
  );
  return createUasDialog(invite, buildReply(invite, 200, 'OK', 'local'), 'sip:pbx@192.0.2.1');
}

const UDP: Destination = { protocol: 'udp', address: '198.51.100.7', port: 5060 };

/** What the checkpoint reads of a call: its caller's dialog, and the answering leg's. */
function call(caller: Dialog, source: Destination, answered: Dialog | null = null): CallSession {
  return {
    callerLeg: { dialog: caller, invite: { source } },
    answeredLeg: answered === null ? null : { dialog: answered, destination: UDP },
  } as unknown as CallSession;
}

function rows(db: Db): Promise<{ dialog_key: string; saved_at: number }[]> {
  return db.selectFrom('open_dialog').select(['dialog_key', 'saved_at']).execute();
}

describe('DialogCheckpoint', () => {
  it('writes the confirmed dialogs of calls up, only what changed, and forgets ended calls', async () => {
    const { db } = await store();
    let calls: CallSession[] = [];
    let now = 1000;
    const checkpoint = new DialogCheckpoint({
      db,
      calls: () => calls,
      send: () => expect.fail('nothing to recover'),
      log: () => undefined,
      everyMs: 60_000,
      clock: () => now,
    });
    expect(await checkpoint.recovered).toEqual({ found: 0, ended: 0, failed: 0 });
    const a = dialog('a@test');
    const b = dialog('b@test');
    const callee = dialog('a-callee@test');
    // Over a WebSocket: no BYE could reach it after a restart, so it is not kept.
    const browser = dialog('ws@test');
    calls = [
      call(a, UDP, callee),
      call(b, UDP),
      call(browser, { protocol: 'wss', address: '198.51.100.8', port: 443 }),
    ];
    checkpoint.flush();
    expect((await rows(db)).map((r) => r.dialog_key).sort()).toEqual(
      [a.key, b.key, callee.key].sort(),
    );
    now = 2000;
    checkpoint.flush();
    expect((await rows(db)).every((r) => r.saved_at === 1000)).toBe(true);
    b.terminate();
    calls = [call(a, UDP, callee)];
    checkpoint.flush();
    expect((await rows(db)).map((r) => r.dialog_key).sort()).toEqual([a.key, callee.key].sort());
    checkpoint.close();
    expect(await rows(db)).toEqual([]);
  });

  it('sends a BYE on every dialog a killed predecessor left, once, and counts the answers', async () => {
    const { db, reopen } = await store();
    const before = new DialogCheckpoint({
      db,
      calls: () => [call(dialog('a@test'), UDP), call(dialog('b@test'), UDP)],
      send: () => expect.fail('nothing to recover'),
      log: () => undefined,
      everyMs: 60_000,
    });
    before.flush();
    // A row the store holds but no dialog can come from.
    await db
      .insertInto('open_dialog')
      .values({ dialog_key: 'x', snapshot: '{"role":"uas"}', destination: '{}', saved_at: 1 })
      .execute();
    // Killed: no close. Another process opens the same file.
    const after = await reopen();
    const sent: SipRequest[] = [];
    const logs: string[] = [];
    const checkpoint = new DialogCheckpoint({
      db: after,
      calls: () => [],
      send: (request: SipRequest, destination: Destination, handlers: ResponseHandlers) => {
        sent.push(request);
        expect(destination).toEqual(UDP);
        const status = getCallId(request) === 'a@test' ? 200 : 481;
        queueMicrotask(() =>
          handlers.onResponse(buildReply(request, status, status === 200 ? 'OK' : 'Gone')),
        );
      },
      log: (m) => logs.push(m),
      everyMs: 60_000,
    });
    expect(await checkpoint.recovered).toEqual({ found: 3, ended: 1, failed: 2 });
    expect(sent.map((r) => [getCallId(r), getCSeq(r)?.method]).sort()).toEqual([
      ['a@test', 'BYE'],
      ['b@test', 'BYE'],
    ]);
    expect(logs.join('\n')).toMatch(/3 dialogs, 1 ended by BYE, 2 already gone or unreachable/);
    expect(await rows(after)).toEqual([]);
    checkpoint.close();
  });
});
