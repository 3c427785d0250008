/**
 * Busy lamps and presence against real peers: a SIPp desk phone subscribes with digest to the
 * `dialog` package of 201 while another SIPp pair calls 201 (ringing, talking, hanging up), and
 * to 201's `presence` while its status changes through the HTTP API. The NOTIFY bodies are
 * parsed as XML and checked for the RFC 4235 / RFC 3863 elements, in order.
 */
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { attachCallHandling } from '../../src/pbx/calls/call-handling.js';
import { buildApi } from '../../src/api/server.js';
import type { ApiApp } from '../../src/api/context.js';
import { openStore } from '../../src/cli/data-dir.js';
import type { Db } from '../../src/store/database.js';
import { callingAs, eventually, freePort, phone, sipp, sippUas, startTestPbx } from './harness.js';
import type { TestPbx } from './harness.js';
import { as, login } from '../api/helpers.js';
import { Phone } from '../pbx/presence/phone.js';
import type { SipStack } from '../../src/sip/stack.js';

const DIALOG_NS = 'urn:ietf:params:xml:ns:dialog-info';
const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';
const RPID_NS = 'urn:ietf:params:xml:ns:pidf:rpid';

const TIMERS = { t1: 500, t2: 4000 };

const DIRECTORY = {
  extensions: [
    { number: '101', name: 'Accueil', password: 'secret-of-101' },
    { number: '201', name: 'Alice Martin', password: 'secret-of-201' },
  ],
};

/** The NOTIFYs a SIPp trace shows received, in order: their headers and bodies. */
function receivedNotifies(messages: string): { head: string; body: string }[] {
  return messages
    .split(/^-{10,} .*$/m)
    .map((entry) => /^\s*\S+ message received[^\n]*\n\n([\s\S]*)$/.exec(entry)?.[1])
    .filter((text): text is string => text !== undefined && text.startsWith('NOTIFY '))
    .map((text) => {
      const at = text.search(/\r?\n\r?\n/);
      return { head: text.slice(0, at), body: text.slice(at).trim() };
    });
}

function header(head: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim();
}

function xml(body: string) {
  const errors: string[] = [];
  const document = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(body, 'text/xml');
  expect(errors, body).toEqual([]);
  const root = document.documentElement;
  if (root === null) throw new Error(`no XML in ${body}`);
  return root;
}

function watcher(t: TestPbx, port: number, event: string, accept: string, scenario: string) {
  return sippUas(scenario, port, [
    `127.0.0.1:${t.port}`,
    '-s',
    '201',
    '-au',
    '101',
    '-ap',
    'secret-of-101',
    '-auth_uri',
    `201@127.0.0.1:${t.port}`,
    '-key',
    'watcher',
    '101',
    '-key',
    'event',
    event,
    '-key',
    'accept',
    accept,
  ]);
}

describe('busy lamps and presence with SIPp', () => {
  let t: TestPbx;
  let apiDb: Db;
  let app: ApiApp;

  beforeAll(async () => {
    // RFC 3261's T1: with the harness's 10 ms, a NOTIFY retransmitted while a loaded machine
    // stalls the event loop reaches SIPp after it has moved on (a second NOTIFY where it waits
    // for the next state, or for a 401), and the scenario fails for no fault of the PBX.
    t = await startTestPbx(DIRECTORY, undefined, TIMERS);
    attachCallHandling(t.pbx, TIMERS);
    // The API on its own connection, as `renvoi start` runs it, sharing the PBX's event bus.
    apiDb = await openStore(t.dataDir);
    ({ app } = await buildApi({
      db: apiDb,
      dataDir: t.dataDir,
      log: pino({ level: 'silent' }),
      events: t.pbx.events,
      webRoot: `${t.dataDir}/no-web`,
    }));
  });
  afterAll(async () => {
    await app.close();
    await apiDb.destroy();
    await t.remove();
  });

  const quietSubscriptions = async () => {
    await eventually(() => t.pbx.presence.size === 0, 'every subscription ended', 5000);
    await eventually(
      () => t.pbx.stats().subscriptionTimers === 0,
      'no subscription timer left',
      5000,
    );
  };

  it('shows 201 idle, ringing with the caller, talking, then idle again', async () => {
    const callee = await phone(t, '201', 'uas-ringing.xml');
    await callee.ready;
    const lamp = watcher(
      t,
      await freePort(),
      'dialog',
      'application/dialog-info+xml',
      'blf-dialog.xml',
    );
    await eventually(
      () => t.pbx.presence.size === 1 && t.pbx.presence.notifying === 0,
      'the subscription and its first NOTIFY answered',
      10_000,
    );
    const scraped = (await t.pbx.metrics.exposition()).body;
    expect(scraped).toMatch(/^renvoi_presence_subscriptions_active 1$/m);
    const caller = await sipp(t, 'uac-auth.xml', callingAs(t, '101', '201'));
    expect(caller.code, caller.stdout + caller.stderr).toBe(0);
    // RFC 6665 §4.4.4: the answer to the INVITE says which packages may be subscribed to.
    expect(caller.messages).toMatch(
      /^SIP\/2\.0 200 OK[\s\S]*?^Allow-Events: message-summary, dialog, presence\s*$/m,
    );
    const watched = await lamp.done;
    expect(watched.code, watched.stdout + watched.stderr + watched.messages).toBe(0);
    expect((await callee.done).code).toBe(0);

    const notifies = receivedNotifies(watched.messages);
    expect(notifies).toHaveLength(5);
    const states: string[] = [];
    const versions: number[] = [];
    for (const notify of notifies) {
      expect(header(notify.head, 'Event')).toBe('dialog');
      expect(header(notify.head, 'Content-Type')).toBe('application/dialog-info+xml');
      const root = xml(notify.body);
      expect(root.namespaceURI).toBe(DIALOG_NS);
      expect(root.getAttribute('entity')).toMatch(/^sip:201@127\.0\.0\.1$/);
      expect(root.getAttribute('state')).toBe('full');
      versions.push(Number(root.getAttribute('version')));
      const dialogs = [...root.getElementsByTagNameNS(DIALOG_NS, 'dialog')];
      expect(dialogs.length).toBeLessThanOrEqual(1);
      const dialog = dialogs[0];
      if (dialog === undefined) {
        states.push('idle');
        continue;
      }
      expect(dialog.getAttribute('direction')).toBe('recipient');
      const remote = dialog.getElementsByTagNameNS(DIALOG_NS, 'remote')[0];
      // The caller, for a phone that offers pickup from its key.
      expect(remote?.getElementsByTagNameNS(DIALOG_NS, 'identity')[0]?.textContent).toBe(
        'sip:101@127.0.0.1',
      );
      states.push(dialog.getElementsByTagNameNS(DIALOG_NS, 'state')[0]?.textContent ?? '?');
    }
    expect(states.slice(0, 4)).toEqual(['idle', 'early', 'confirmed', 'terminated']);
    expect(versions).toEqual([0, 1, 2, 3, 4]);
    expect(header(notifies[3]?.head ?? '', 'Subscription-State')).toMatch(/^active;expires=\d+$/);
    expect(header(notifies[4]?.head ?? '', 'Subscription-State')).toBe('terminated;reason=timeout');
    await quietSubscriptions();
    // No call, no call timer left (the transactions keep their RFC 3261 Timer J, 32 s here).
    await eventually(() => t.pbx.stats().calls === 0, 'the call released', 5000);
    expect(t.pbx.stats().callTimers).toBe(0);
  });

  it('shows a status changed through the API on the phone watching 201', async () => {
    // Logged in first: its password hashing is no part of what the phone waits for.
    const alice = await login(app, '201', 'secret-of-201');
    const lamp = watcher(
      t,
      await freePort(),
      'presence',
      'application/pidf+xml',
      'presence-subscribe.xml',
    );
    await eventually(
      () => t.pbx.presence.size === 1 && t.pbx.presence.notifying === 0,
      'the presence subscription and its first NOTIFY answered',
      10_000,
    );
    const put = await as(app, alice)('PUT', '/api/extensions/201/status', { status: 'lunch' });
    expect(put.statusCode).toBe(200);
    const watched = await lamp.done;
    expect(watched.code, watched.stdout + watched.stderr + watched.messages).toBe(0);

    const notifies = receivedNotifies(watched.messages);
    expect(notifies).toHaveLength(3);
    const seen = notifies.map((notify) => {
      expect(header(notify.head, 'Event')).toBe('presence');
      expect(header(notify.head, 'Content-Type')).toBe('application/pidf+xml');
      const root = xml(notify.body);
      expect(root.namespaceURI).toBe(PIDF_NS);
      expect(root.getAttribute('entity')).toBe('sip:201@127.0.0.1');
      return {
        basic: root.getElementsByTagNameNS(PIDF_NS, 'basic')[0]?.textContent,
        note: root.getElementsByTagNameNS(PIDF_NS, 'note')[0]?.textContent,
        activities: [...root.getElementsByTagNameNS(RPID_NS, 'activities')].flatMap((a) =>
          [...a.childNodes].filter((n) => n.nodeType === 1).map((n) => n.localName),
        ),
      };
    });
    // French by default: the note is the status as the web client shows it.
    expect(seen[0]).toEqual({ basic: 'open', note: 'Disponible', activities: [] });
    expect(seen[1]).toEqual({ basic: 'open', note: 'Déjeuner', activities: ['meal'] });
    expect(header(notifies[2]?.head ?? '', 'Subscription-State')).toBe('terminated;reason=timeout');
    await quietSubscriptions();
  });

  it("adds on-the-phone to 201's presence while it talks, and takes it away after", async () => {
    // The previous test left 201 at lunch, where its calls go to voicemail: back to available.
    const alice = await login(app, '201', 'secret-of-201');
    const put = await as(app, alice)('PUT', '/api/extensions/201/status', { status: 'available' });
    expect(put.statusCode).toBe(200);
    await eventually(
      () => t.pbx.directory().extensions.get('201')?.status === 'available',
      'the PBX to reload the directory',
      5000,
    );
    const stacks: SipStack[] = [];
    try {
      const watcher = await Phone.start(t.port, stacks);
      expect((await watcher.subscribe({ target: '201', event: 'presence' })).status).toBe(200);
      await watcher.waitNotifies(1);
      const callee = await phone(t, '201', 'uas-ringing.xml');
      await callee.ready;
      const caller = await sipp(t, 'uac-auth.xml', callingAs(t, '101', '201'));
      expect(caller.code, caller.stdout + caller.stderr).toBe(0);
      expect((await callee.done).code).toBe(0);
      await watcher.waitNotifies(3);
      const activities = watcher.notifies.map((n) =>
        [...xml(n.body.toString()).getElementsByTagNameNS(RPID_NS, 'activities')].flatMap((a) =>
          [...a.childNodes].filter((c) => c.nodeType === 1).map((c) => c.localName),
        ),
      );
      // Ringing is no presence change; talking is, and hanging up again.
      expect(activities).toEqual([[], ['on-the-phone'], []]);
      expect((await watcher.subscribe({ event: 'presence', expires: 0 })).status).toBe(200);
      await quietSubscriptions();
    } finally {
      for (const stack of stacks) await stack.close();
    }
  });
});
