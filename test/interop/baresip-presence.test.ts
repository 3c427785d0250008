/**
 * Presence with a second, independent peer: baresip's `presence` module watches 201 (a contact
 * with `presence=p2p`), subscribing with its account's digest credentials; its contact list
 * shows 201's status as the PBX tells it. baresip lives in a network namespace the test
 * creates (see baresip.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip, createNetns } from './baresip.js';
import type { Netns } from './baresip.js';
import { TEST_TIMERS, eventually, startTestPbx } from './harness.js';
import type { TestPbx } from './harness.js';

const DIRECTORY = {
  extensions: [
    { number: '101', name: 'Accueil', password: 'secret-of-101' },
    { number: '201', name: 'Alice Martin', password: 'secret-of-201' },
  ],
};

// eslint-disable-next-line no-control-regex -- baresip colours its answers with ANSI codes
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('presence with baresip', () => {
  let netns: Netns;
  let t: TestPbx;
  const phones: Baresip[] = [];
  beforeAll(async () => {
    netns = createNetns();
    t = await startTestPbx(DIRECTORY, undefined, TEST_TIMERS, undefined, netns.hostAddress);
  });
  afterAll(async () => {
    for (const p of phones) p.remove();
    await t?.remove();
    netns?.remove();
  });

  it("shows 201's status on 101's contact list as it changes", async () => {
    const reception = await Baresip.forExtension(netns, t.port, '101', { watch: ['201'] });
    phones.push(reception);
    await eventually(() => t.pbx.presence.size === 1, 'baresip subscribed to 201', 10_000);
    const contacts = async () => plain(await reception.command('contacts'));
    let seen = '';
    const shows = async (status: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!status.test((seen = await contacts()))) {
        if (Date.now() > deadline) throw new Error(`contacts never showed ${status}: ${seen}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await shows(/Online\s+<sip:201@/);
    t.pbx.events.emit({ type: 'status', extension: '201', status: 'dnd' });
    await shows(/Busy\s+<sip:201@/);
    t.pbx.events.emit({ type: 'status', extension: '201', status: 'available' });
    await shows(/Online\s+<sip:201@/);
    expect(t.pbx.presence.size).toBe(1);
  });
});
