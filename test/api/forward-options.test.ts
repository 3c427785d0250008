/**
 * Caller ID on forwarded calls and answer confirmation through the API (issue 13 §4, §5): the
 * exception's options are saved and shown, the tester says which identity is presented and that
 * the answering person must press 1, and a trunk that only accepts its own numbers gets a warning
 * on the rule that would give it the caller's.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDirectory } from '../../src/store/directory-repository.js';
import { toDocument } from '../../src/domain/document.js';
import { as, guideDocument, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

/** The guide, its trunk only accepting its own numbers. */
function strictTrunk(): Record<string, unknown> {
  const doc = guideDocument();
  doc.trunks = [
    {
      name: 'carrier',
      host: '127.0.0.1',
      port: 5080,
      ownNumbersOnly: true,
      inbound: { '0442000000': '800', '0442000101': '101' },
    },
  ];
  return doc;
}

describe('forward options in the API', () => {
  let h: Harness;
  let alice: Login;
  let bruno: Login;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());
  beforeEach(async () => {
    bruno = await login(h.app, '102', 'change-me-102');
    const reset = await as(h.app, bruno)('PUT', '/api/admin/directory', strictTrunk());
    expect(reset.statusCode).toBe(200);
    alice = await login(h.app, '101', 'change-me-101');
  });

  it("warns on a rule that gives the trunk the caller's number, in French and English", async () => {
    const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: '0491000000',
      action: { type: 'mobile' },
    });
    expect(r.statusCode).toBe(201);
    type Warning = { code: string; message: string };
    const ours = (warnings: Warning[]) => warnings.filter((w) => w.code === 'foreign-caller-id');
    // (The guide's "*" rule shadows it too: a warning of its own.)
    expect(ours(r.json().warnings)).toEqual([
      {
        code: 'foreign-caller-id',
        message: expect.stringContaining('n’accepte que ses propres numéros') as string,
      },
    ]);
    const en = await as(h.app, alice)('GET', '/api/extensions/101/exceptions?lang=en');
    const all = en.json().exceptions as { warnings: Warning[] }[];
    // The guide's forward to 04 42 93 06 98 shows the caller too; its bounce to the mobile is
    // private: no warning.
    expect(all.map((e) => ours(e.warnings).length)).toEqual([1, 0, 0, 1]);
    expect(ours(all[3]?.warnings ?? [])).toEqual([
      {
        code: 'foreign-caller-id',
        message:
          "101, exception 4 (\"0491000000\") forwards the call showing the caller's number through trunk carrier, which only accepts its own numbers: the carrier will refuse it; show the company's number, the extension's or a private number.",
      },
    ]);
  });

  it('saves the presentation and the confirmation; the tester shows both', async () => {
    const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: '0491000000',
      action: { type: 'mobile', presentCallerId: 'extension', confirm: true },
    });
    expect(r.statusCode).toBe(201);
    expect(r.json().action).toEqual({
      type: 'mobile',
      bounce: false,
      presentCallerId: 'extension',
      confirm: true,
    });
    const saved = toDocument(await loadDirectory(h.db)).extensions?.find((e) => e.number === '101');
    expect(saved?.exceptions?.[3]?.action).toEqual({
      type: 'mobile',
      presentCallerId: 'extension',
      confirm: true,
    });
    // Put it first, before the guide's rules that take every caller.
    await as(h.app, alice)('PUT', '/api/extensions/101/exceptions-order', { order: [3, 0, 1, 2] });
    const tried = await as(h.app, alice)('POST', '/api/extensions/101/simulate?lang=en', {
      from: '0491000000',
    });
    const body = tried.json();
    expect(body.exception).toBe(0);
    expect(body.plan).toEqual([
      {
        do: 'dial',
        number: '+33611223344',
        presentation: 'extension',
        timeout: null,
        extension: '101',
        confirm: true,
      },
      // Not accepted: the extension's voicemail, not the mobile's.
      { do: 'voicemail', mailbox: '101' },
    ]);
    expect(body.steps[0]).toBe(
      'call 06 11 22 33 44 showing the number of extension 101, with no time limit; whoever answers must press 1 to accept',
    );
    expect(body.trace.map((t: { text: string }) => t.text)).toContain(
      "101: the forward shows the extension's number (+33442000101)",
    );
  });

  it('tells the form what the trunk presents and that it only accepts its own numbers', async () => {
    const r = await as(h.app, alice)('GET', '/api/extensions/101/targets');
    expect(r.json().forwards).toEqual({ presentCallerId: 'caller', ownNumbersOnly: true });
  });

  it('refuses an unknown presentation, naming it, and writes nothing', async () => {
    const before = JSON.stringify(toDocument(await loadDirectory(h.db)));
    const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', {
      callerId: '*',
      action: { type: 'external', number: '04 42 93 06 98', presentCallerId: 'boss' },
    });
    expect(r.statusCode).toBe(400);
    expect(JSON.stringify(r.json())).toContain('presentCallerId');
    const onBusy = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', {
      callerId: '*',
      action: { type: 'busy', confirm: true },
    });
    expect(onBusy.statusCode).toBe(400);
    expect(JSON.stringify(onBusy.json())).toContain('confirm');
    expect(JSON.stringify(toDocument(await loadDirectory(h.db)))).toBe(before);
  });
});
