/**
 * Design §4: removing the mobile number leaves the rules that use it broken (shown, skipped),
 * while a rule being created or changed to "Mon mobile" without a mobile is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDirectory } from '../../src/store/directory-repository.js';
import { as, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

describe('a mobile removed under rules that use it', () => {
  let h: Harness;
  let alice: Login;
  beforeAll(async () => {
    h = await startHarness();
    alice = await login(h.app, '101', 'change-me-101');
  });
  afterAll(async () => h.close());

  const stored = async () => (await loadDirectory(h.db)).extensions.get('101');

  it('lets the user remove the mobile; the rule to it stays, reported broken', async () => {
    await as(h.app, alice)('PUT', '/api/extensions/101/forwarding', {
      businessTrip: { type: 'mobile', bounce: false },
    });
    const r = await as(h.app, alice)('PUT', '/api/extensions/101/profile?lang=en', {
      mobile: null,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ mobile: null, hasMobile: false });
    expect((await stored())?.mobile).toBeNull();
    expect((await stored())?.exceptions[2]?.action).toEqual({ type: 'mobile', bounce: true });

    const list = await as(h.app, alice)('GET', '/api/extensions/101/exceptions?lang=en');
    const third = list.json().exceptions[2];
    expect(third.warnings).toEqual([
      { code: 'broken', message: '101, exception 3 is broken: no mobile number is set.' },
    ]);
    const fr = await as(h.app, alice)('GET', '/api/extensions/101/exceptions?lang=fr');
    expect(fr.json().exceptions[2].warnings[0].message).toBe(
      '101, exception 3 est cassée : aucun numéro de mobile n’est renseigné.',
    );
  });

  it('the tester skips the broken rule and says why', async () => {
    const r = await as(h.app, alice)('POST', '/api/extensions/101/simulate?lang=en', {
      from: '04 91 00 00 00',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().exception).toBeNull();
    expect(JSON.stringify(r.json().trace)).toContain(
      'exception 3 skipped: no mobile number is set',
    );
  });

  it('refuses to create a rule to the mobile, in the caller’s language, writing nothing', async () => {
    const before = (await stored())?.exceptions.length;
    const en = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', {
      callerId: '08*',
      action: { type: 'mobile', bounce: false },
    });
    expect(en.statusCode).toBe(400);
    expect(en.json().problems).toEqual([
      {
        path: 'action.type',
        message: 'Forward to: extension 101 has no mobile number: set "mobile" first',
      },
    ]);
    const fr = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=fr', {
      callerId: '08*a',
      action: { type: 'mobile', bounce: false },
    });
    expect(fr.statusCode).toBe(400);
    expect(fr.json().problems.map((p: { path: string }) => p.path)).toEqual([
      'callerId',
      'action.type',
    ]);
    expect(fr.json().problems[1].message).toContain('n’a pas de numéro de mobile');
    expect((await stored())?.exceptions.length).toBe(before);
  });

  it('refuses to change a rule to the mobile, but lets the broken one be edited away or switched', async () => {
    const before = (await stored())?.exceptions;
    const toMobile = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions/0?lang=en', {
      callerId: '06 00 00 00 00',
      action: { type: 'mobile', bounce: true },
    });
    expect(toMobile.statusCode).toBe(400);
    expect(toMobile.json().problems[0].path).toBe('action.type');
    const patched = await as(h.app, alice)('PATCH', '/api/extensions/101/exceptions/1', {
      action: { type: 'mobile', bounce: false },
    });
    expect(patched.statusCode).toBe(400);
    expect((await stored())?.exceptions).toEqual(before);

    const off = await as(h.app, alice)('PATCH', '/api/extensions/101/exceptions/2', {
      enabled: false,
    });
    expect(off.statusCode).toBe(200);
    expect(off.json().warnings.map((w: { code: string }) => w.code)).toEqual(['broken']);
    const fixed = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions/2', {
      callerId: '*',
      hours: 'outside-office',
      action: { type: 'voicemail' },
    });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json().warnings).toEqual([]);
  });

  it('keeps a stored forwarding to the mobile when others change, refuses a new one', async () => {
    const others = await as(h.app, alice)('PUT', '/api/extensions/101/forwarding', {
      away: { type: 'busy' },
      businessTrip: { type: 'mobile', bounce: false },
    });
    expect(others.statusCode).toBe(200);
    const fresh = await as(h.app, alice)('PUT', '/api/extensions/101/forwarding?lang=en', {
      lunch: { type: 'mobile', bounce: false },
    });
    expect(fresh.statusCode).toBe(400);
    expect(fresh.json().problems[0].path).toBe('forwarding.lunch.type');
    expect((await stored())?.forwarding.lunch).toEqual({ type: 'voicemail' });
  });

  it('accepts the mobile action again once a mobile number is set', async () => {
    await as(h.app, alice)('PUT', '/api/extensions/101/profile', { mobile: '06 11 22 33 44' });
    const r = await as(h.app, alice)('PATCH', '/api/extensions/101/exceptions/2', {
      action: { type: 'mobile', bounce: true },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().warnings).toEqual([]);
  });
});
