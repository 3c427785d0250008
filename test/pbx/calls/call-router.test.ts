import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallRouter } from '../../../src/pbx/calls/call-router.js';
import type { CallSession } from '../../../src/pbx/calls/call-session.js';
import { listCalls, storeHistory } from '../../../src/store/call-history-repository.js';
import { FakeScheduler } from '../../../src/sip/timers.js';
import { openDatabase } from '../../../src/store/database.js';
import type { Db } from '../../../src/store/database.js';
import { migrate } from '../../../src/store/migrations.js';
import { directoryOf, tempDir } from '../../store/helpers.js';
import {
  FakeLocator,
  FakeServerTx,
  FakeSignaling,
  FakeTrunks,
  defaultVoice,
  device,
  parseRequest,
  until,
} from './fakes.js';

const DIRECTORY = directoryOf({
  country: 'FR',
  timezone: 'Europe/Paris',
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'change-me-100' },
    {
      number: '101',
      name: 'Alice Martin',
      password: 'change-me-101',
      exceptions: [
        { callerId: '06* 07*', action: { type: 'extension', target: '100', voicemail: true } },
        { callerId: '04*', action: { type: 'busy' } },
        { callerId: '05*', action: { type: 'extension', target: '102', voicemail: false } },
      ],
    },
    { number: '102', name: 'Bruno', password: 'change-me-102' },
  ],
});

/** The call a routed INVITE started (none when its offer was refused). */
function started(session: CallSession | null): CallSession {
  if (session === null) throw new Error('the INVITE was refused at the edge');
  return session;
}

function invite(from: string, extra: string[] = []) {
  return parseRequest(
    [
      'INVITE sip:101@pbx.test SIP/2.0',
      'Via: SIP/2.0/UDP 203.0.113.5:5080;branch=z9hG4bKr1',
      'Max-Forwards: 70',
      `From: ${from};tag=f1`,
      'To: <sip:101@pbx.test>',
      `Call-ID: router-${Math.random()}@203.0.113.5`,
      'CSeq: 1 INVITE',
      'Contact: <sip:in@203.0.113.5:5080>',
      ...extra,
    ],
    '',
  );
}

describe('CallRouter', () => {
  let temp: ReturnType<typeof tempDir>;
  let db: Db;
  let sig: FakeSignaling;
  let scheduler: FakeScheduler;
  let router: CallRouter;
  let logs: string[];

  beforeEach(async () => {
    temp = tempDir('router');
    db = openDatabase(join(temp.dir, 'renvoi.db'));
    await migrate(db);
    sig = new FakeSignaling();
    scheduler = new FakeScheduler();
    logs = [];
    router = new CallRouter({
      directory: () => DIRECTORY,
      locator: new FakeLocator({ '100': [device(1)], '101': [device(2)], '102': [device(3)] }),
      signaling: sig,
      scheduler,
      trunks: new FakeTrunks(null),
      history: storeHistory(db),
      domain: 'pbx.test',
      voice: defaultVoice(),
      clock: () => new Date('2025-03-04T10:00:00Z'),
      log: (m) => logs.push(m),
    });
  });

  afterEach(async () => {
    await db.destroy();
    temp.remove();
  });

  it("the guide's 06* 07* exception: extension 100's voicemail box, answered by the PBX", async () => {
    const tx = new FakeServerTx(invite('"Mobile" <sip:+33612345678@carrier.test>'));
    const session = started(router.handleInvite(tx.request, tx, { to: '101' }));
    expect(session.decision.exception).toBe(0);
    expect(session.decision.plan).toEqual([{ do: 'voicemail', mailbox: '100' }]);
    await until(() => tx.statuses.length === 1);
    // The caller made no offer: the PBX's 200 carries its own, answered in the ACK.
    expect(tx.statuses).toEqual([200]);
    expect(session.state).toBe('voicemail');
    // The caller never acknowledges: after 64*T1 the PBX gives up and hangs up.
    scheduler.advance(40_000);
    sig.only('BYE').reply(200);
    await until(() => router.active().length === 0);
    await router.flush();
    const [call] = await listCalls(db, { extension: '101', limit: 5 });
    expect(call).toMatchObject({
      caller: '+33612345678',
      callerName: 'Mobile',
      called: '101',
      exception: 0,
      action: { type: 'extension', target: '100', voicemail: true },
      outcome: 'voicemail',
      finalStatus: 200,
    });
  });

  it('a busy exception answers 486', () => {
    const tx = new FakeServerTx(invite('<sip:0412345678@carrier.test>'));
    router.handleInvite(tx.request, tx, { to: '101' });
    expect(tx.statuses).toEqual([486]);
  });

  it('an extension exception rings the target, then records the answer', async () => {
    const tx = new FakeServerTx(invite('<sip:0512345678@carrier.test>'));
    const session = started(router.handleInvite(tx.request, tx, { to: '101' }));
    const leg = sig.only('INVITE');
    expect(leg.destination).toEqual(device(3).destination);
    expect(leg.request.headers.get('To')).toBe('<sip:102@pbx.test>');
    leg.reply(200, { toTag: 'b' });
    expect(tx.statuses).toEqual([200]);
    // 102 is now in a call: a second call to it finds it busy, then its busy destination.
    const second = new FakeServerTx(invite('<sip:+33999@carrier.test>'));
    const busy = started(router.handleInvite(second.request, second, { to: '102' }));
    expect(busy.decision.trace).toContainEqual({
      code: 'status-forwarding',
      extension: '102',
      status: 'available',
      reason: 'busy',
    });
    // The busy destination is 102's voicemail: the PBX answers that caller itself.
    await until(() => second.statuses.length === 1);
    session.terminate();
    busy.terminate();
    for (const bye of sig.requests('BYE')) bye.reply(200);
    await until(() => router.active().length === 0);
    await router.flush();
    const calls = await listCalls(db, { extension: '102', limit: 5 });
    expect(calls.find((c) => c.id === session.id)).toMatchObject({
      answeredBy: '102',
      outcome: 'answered',
      finalStatus: 200,
    });
    expect(calls.find((c) => c.id === busy.id)?.called).toBe('102');
  });

  it('identifies callers: authenticated extensions, asserted identity, privacy', () => {
    const id = (
      from: string,
      context: Parameters<CallRouter['identify']>[1],
      extra: string[] = [],
    ) => router.identify(invite(from, extra), context, DIRECTORY);
    expect(id('<sip:100@pbx.test>', { to: '101' }).caller).toEqual({
      kind: 'external',
      e164: null,
      digits: '100',
    });
    expect(id('<sip:100@pbx.test>', { to: '101', authenticatedAs: '100' })).toEqual({
      caller: { kind: 'internal', extension: '100' },
      callerName: 'Secrétariat',
    });
    const pai = ['P-Asserted-Identity: "Real" <sip:+33612345678@carrier.test>'];
    expect(
      id('<sip:anonymous@anonymous.invalid>', { to: '101', trusted: true }, pai).caller,
    ).toEqual({ kind: 'external', e164: '+33612345678', digits: '+33612345678' });
    expect(id('<sip:anonymous@anonymous.invalid>', { to: '101' }, pai).caller.kind).toBe(
      'anonymous',
    );
    expect(
      id('<sip:+33612345678@carrier.test>', { to: '101', trusted: true }, [...pai, 'Privacy: id'])
        .caller,
    ).toEqual({ kind: 'anonymous' });
  });

  it('routes CANCEL and in-dialog requests to their call', () => {
    const tx = new FakeServerTx(invite('<sip:0512345678@carrier.test>'));
    const session = started(router.handleInvite(tx.request, tx, { to: '101' }));
    sig.only('INVITE').reply(180, { toTag: 'b' });
    const cancel = parseRequest(
      [
        'CANCEL sip:101@pbx.test SIP/2.0',
        'Via: SIP/2.0/UDP 203.0.113.5:5080;branch=z9hG4bKr1',
        'Max-Forwards: 70',
        'From: <sip:0512345678@carrier.test>;tag=f1',
        'To: <sip:101@pbx.test>',
        `Call-ID: ${session.aCallId}`,
        'CSeq: 1 CANCEL',
      ],
      '',
    );
    const unknownTx = new FakeServerTx(cancel);
    router.handleCancel(cancel, unknownTx, undefined);
    expect(unknownTx.statuses).toEqual([481]);
    const cancelTx = new FakeServerTx(cancel);
    router.handleCancel(cancel, cancelTx, tx);
    expect(cancelTx.statuses).toEqual([200]);
    expect(tx.statuses).toEqual([180, 487]);
    expect(router.handleInDialog(cancel, new FakeServerTx(cancel))).toBe(false);
    sig.only('CANCEL').reply(200);
    sig.only('INVITE').reply(487);
    expect(router.active()).toHaveLength(0);
  });
});
