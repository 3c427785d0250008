/**
 * The presence service of a running PBX on loopback, against a phone made of our own SIP stack:
 * what a desk phone may get wrong (no Event, a package we do not serve, no credentials, an
 * unknown extension, a too brief Expires, a flood of subscriptions) and the life of a
 * subscription (refresh, fetch, un-SUBSCRIBE, expiry, a NOTIFY refused with 481).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../src/sip/message/index.js';
import type { SipStack } from '../../../src/sip/stack.js';
import { buildDirectory } from '../../../src/domain/document.js';
import { openStore } from '../../../src/cli/data-dir.js';
import { saveDirectory } from '../../../src/store/directory-repository.js';
import { eventually, startTestPbx } from '../../interop/harness.js';
import { Phone } from './phone.js';
import type { TestPbx } from '../../interop/harness.js';

const TIMERS = { t1: 10, t2: 40, t4: 50, timerD: 100 };
const PASSWORDS: Record<string, string> = {
  '101': 'secret-of-101',
  '102': 'secret-of-102',
  '201': 'secret-of-201',
};
const DIRECTORY = {
  extensions: Object.entries(PASSWORDS).map(([number, password]) => ({
    number,
    name: `Poste ${number}`,
    password,
  })),
};

const phones: SipStack[] = [];
let t: TestPbx;

beforeAll(async () => {
  t = await startTestPbx(DIRECTORY, undefined, TIMERS, undefined, '127.0.0.1', {
    presence: { minSeconds: 2, maxPerSubscriber: 3, maxSubscriptions: 5, statusEveryMs: 200 },
  });
});
afterEach(async () => {
  for (const stack of phones.splice(0)) await stack.close();
});
afterAll(async () => {
  await t.remove();
});

const state = (r: SipRequest | undefined) => r?.headers.get('Subscription-State');
const ALLOW_EVENTS = 'message-summary, dialog, presence';

/** Every subscription gone, and their timers with them. */
async function released(): Promise<void> {
  await eventually(() => t.pbx.presence.size === 0, 'every subscription ended', 5000);
  expect(t.pbx.stats().subscriptionTimers).toBe(0);
}

describe('SUBSCRIBE refused (RFC 6665 §4.2.1)', () => {
  it('says the packages served in OPTIONS and in a 489; no Event is a 400', async () => {
    const phone = await Phone.start(t.port, phones);
    const options = await phone.request('OPTIONS', []);
    expect(options.headers.getAll('Allow-Events').join(', ')).toBe(ALLOW_EVENTS);
    const unknown = await phone.subscribe({ event: 'conference' });
    expect(unknown.status).toBe(489);
    expect(unknown.headers.getAll('Allow-Events').join(', ')).toBe(ALLOW_EVENTS);
    expect((await phone.subscribe({ event: null })).status).toBe(400);
    expect(t.pbx.presence.size).toBe(0);
  });

  it('challenges, then 404 for no extension, 406 for a body it cannot read, 423 too brief', async () => {
    const phone = await Phone.start(t.port, phones);
    expect((await phone.subscribe({ auth: false })).status).toBe(401);
    expect((await phone.subscribe({ target: '999' })).status).toBe(404);
    const type = await phone.subscribe({ accept: 'text/plain' });
    expect(type.status).toBe(406);
    expect(type.headers.get('Accept')).toBe('application/dialog-info+xml');
    const brief = await phone.subscribe({ expires: 1 });
    expect(brief.status).toBe(423);
    expect(brief.headers.get('Min-Expires')).toBe('2');
    expect(t.pbx.presence.size).toBe(0);
    expect(phone.notifies).toHaveLength(0);
  });

  it('refuses a flood from one extension with 503 and Retry-After, and the total past its bound', async () => {
    const flood = await Promise.all([1, 2, 3, 4].map(() => Phone.start(t.port, phones)));
    const answers = [];
    for (const phone of flood) answers.push(await phone.subscribe({ expires: 60 }));
    // Un-SUBSCRIBEs as 101, and (below) as 102, each its own.
    const ends = flood.map((phone) => () => phone.subscribe({ expires: 0 }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 503]);
    const refused = answers[3];
    expect(Number(refused?.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(refused?.headers.get('Retry-After'))).toBeLessThanOrEqual(60);
    expect(t.pbx.presence.size).toBe(3);
    // Another extension still has room, until the PBX's own bound.
    const others = await Promise.all([1, 2, 3].map(() => Phone.start(t.port, phones)));
    const more = [];
    for (const phone of others) more.push((await phone.subscribe({ user: '102' })).status);
    ends.push(...others.map((phone) => () => phone.subscribe({ user: '102', expires: 0 })));
    expect(more).toEqual([200, 200, 503]);
    expect(t.pbx.presence.size).toBe(5);
    const unsubscribed = [];
    for (const end of ends) unsubscribed.push((await end()).status);
    // The refused ones had no subscription: theirs is a fetch, which ends at once (no bound).
    expect(unsubscribed).toEqual([200, 200, 200, 200, 200, 200, 200]);
    await released();
  });
});

describe('a subscription’s life (RFC 6665 §4.2.2)', () => {
  it('notifies at once, refreshes, and ends with a terminated NOTIFY on un-SUBSCRIBE', async () => {
    const phone = await Phone.start(t.port, phones);
    const ok = await phone.subscribe({ expires: 7200 });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('Expires')).toBe('3600');
    expect(ok.headers.get('Contact')).toMatch(/^<sip:.*127\.0\.0\.1/);
    const [first] = await phone.waitNotifies(1);
    expect(first?.headers.get('Event')).toBe('dialog');
    expect(state(first)).toMatch(/^active;expires=3\d{3}$/);
    expect(first?.body.toString()).toContain('version="0"');

    const refreshed = await phone.subscribe({ expires: 120 });
    expect(refreshed.status).toBe(200);
    const [, second] = await phone.waitNotifies(2);
    expect(state(second)).toMatch(/^active;expires=1[12]\d$/);
    expect(second?.body.toString()).toContain('version="1"');

    expect((await phone.subscribe({ expires: 0 })).status).toBe(200);
    const [, , last] = await phone.waitNotifies(3);
    expect(state(last)).toBe('terminated;reason=timeout');
    await released();
    // The subscription is gone: a refresh now is told so.
    expect((await phone.subscribe({ expires: 60 })).status).toBe(481);
  });

  it('only its subscriber refreshes it', async () => {
    const phone = await Phone.start(t.port, phones);
    expect((await phone.subscribe({ event: 'presence' })).status).toBe(200);
    expect((await phone.subscribe({ event: 'presence', user: '102' })).status).toBe(403);
    expect((await phone.subscribe({ event: 'presence', expires: 0 })).status).toBe(200);
    await released();
  });

  it('a fetch (Expires: 0) gets one NOTIFY that ends it', async () => {
    const phone = await Phone.start(t.port, phones);
    const fetched = await phone.subscribe({ event: 'presence', expires: 0 });
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('Expires')).toBe('0');
    const [only] = await phone.waitNotifies(1);
    expect(state(only)).toBe('terminated;reason=timeout');
    expect(only?.headers.get('Content-Type')).toBe('application/pidf+xml');
    expect(only?.body.toString()).toContain('<basic>open</basic>');
    await released();
  });

  it('expires with a terminated NOTIFY', async () => {
    const phone = await Phone.start(t.port, phones);
    expect((await phone.subscribe({ expires: 2 })).status).toBe(200);
    const notifies = await phone.waitNotifies(2);
    expect(state(notifies[1])).toBe('terminated;reason=timeout');
    await released();
  });

  it('a NOTIFY answered 481 removes the subscription; a status change reaches the others', async () => {
    const gone = await Phone.start(t.port, phones);
    const here = await Phone.start(t.port, phones);
    expect((await gone.subscribe({ event: 'presence' })).status).toBe(200);
    expect((await here.subscribe({ event: 'presence' })).status).toBe(200);
    await gone.waitNotifies(1);
    await here.waitNotifies(1);
    await eventually(() => t.pbx.presence.notifying === 0, 'NOTIFYs answered', 5000);
    gone.notifyStatus = 481;
    t.pbx.events.emit({ type: 'status', extension: '201', status: 'dnd' });
    const [, changed] = await here.waitNotifies(2);
    expect(changed?.body.toString()).toContain('<basic>closed</basic>');
    expect(changed?.body.toString()).toContain('<rpid:busy/>');
    await eventually(() => t.pbx.presence.size === 1, 'the refused subscription removed', 5000);
    // The same status again tells nobody anything new: no NOTIFY.
    t.pbx.events.emit({ type: 'status', extension: '201', status: 'dnd' });
    await new Promise((r) => setTimeout(r, 100));
    expect(here.notifies).toHaveLength(2);
    expect((await here.subscribe({ event: 'presence', expires: 0 })).status).toBe(200);
    await released();
    // No write stood behind that event: the reload that follows a real one puts it right.
    t.pbx.events.emit({ type: 'directory' });
  });

  it('shows a status chosen until a time, then the one before once that time has passed', async () => {
    const phone = await Phone.start(t.port, phones);
    expect((await phone.subscribe({ event: 'presence' })).status).toBe(200);
    await phone.waitNotifies(1);
    expect(phone.notifies[0]?.body.toString()).toContain('<note>Disponible</note>');
    // Written by another process (as `renvoi import` or the API would): the PBX reloads it.
    const until = new Date(Date.now() + 1500).toISOString();
    const built = buildDirectory({
      extensions: DIRECTORY.extensions.map((e) =>
        e.number === '201' ? { ...e, temporaryStatus: { status: 'away', until } } : e,
      ),
    });
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    const other = await openStore(t.dataDir);
    try {
      await saveDirectory(other, built.directory);
    } finally {
      await other.destroy();
    }
    const [, away] = await phone.waitNotifies(2);
    expect(away?.body.toString()).toContain('<rpid:away/>');
    // Nothing is written when `until` passes: the PBX reads the status again by itself.
    const [, , back] = await phone.waitNotifies(3);
    expect(back?.body.toString()).toContain('<note>Disponible</note>');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(until));
    await new Promise((r) => setTimeout(r, 500));
    expect(phone.notifies).toHaveLength(3);
    expect((await phone.subscribe({ event: 'presence', expires: 0 })).status).toBe(200);
    await released();
  });

  it('ends the subscriptions to an extension removed from the directory (noresource)', async () => {
    const phone = await Phone.start(t.port, phones);
    expect((await phone.subscribe({ target: '102' })).status).toBe(200);
    await phone.waitNotifies(1);
    const built = buildDirectory({
      extensions: DIRECTORY.extensions.filter((e) => e.number !== '102'),
    });
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    const other = await openStore(t.dataDir);
    try {
      await saveDirectory(other, built.directory);
    } finally {
      await other.destroy();
    }
    const [, last] = await phone.waitNotifies(2);
    expect(state(last)).toBe('terminated;reason=noresource');
    await released();
  });
});
