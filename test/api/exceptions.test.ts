import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDirectory } from '../../src/store/directory-repository.js';
import { toDocument } from '../../src/domain/document.js';
import { as, guideDocument, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

describe('exceptions', () => {
  let h: Harness;
  let alice: Login;
  let bruno: Login;
  let stored: () => Promise<string>;
  beforeAll(async () => {
    h = await startHarness();
    stored = async () => JSON.stringify(toDocument(await loadDirectory(h.db)));
  });
  afterAll(async () => h.close());
  beforeEach(async () => {
    // Back to the guide before each test, through the admin API itself.
    bruno = await login(h.app, '102', 'change-me-102');
    const reset = await as(h.app, bruno)('PUT', '/api/admin/directory', guideDocument());
    expect(reset.statusCode).toBe(200);
    alice = await login(h.app, '101', 'change-me-101');
  });

  it('lists the guide’s three rules in order, with words and no warnings', async () => {
    const r = await as(h.app, alice)('GET', '/api/extensions/101/exceptions');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.max).toBe(15);
    expect(body.exceptions.map((e: { callerId: string }) => e.callerId)).toEqual([
      '06 00 00 00 00',
      '06* 07*',
      '*',
    ]);
    expect(body.exceptions[1]).toMatchObject({
      index: 1,
      hours: 'all',
      periods: [],
      statuses: [],
      enabled: true,
      action: { type: 'extension', target: '100', voicemail: true },
      summary: {
        callerId: '06*, 07*',
        hours: 'à toute heure',
        action: 'Extension 100, messagerie vocale',
      },
      warnings: [],
    });
    const en = await as(h.app, alice)('GET', '/api/extensions/101/exceptions?lang=en');
    expect(en.json().exceptions[2].summary).toEqual({
      callerId: 'Every caller',
      hours: 'at any time',
      action: 'My mobile, with bounce',
    });
  });

  it('creates an exception at the end, with specific hours', async () => {
    const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: 'anonyme',
      hours: 'specific',
      periods: [{ days: ['mon', 'tue'], from: '09:00', to: '12:30' }],
      statuses: ['dnd'],
      action: { type: 'busy' },
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({
      index: 3,
      periods: [{ days: ['mon', 'tue'], from: '09:00', to: '12:30' }],
      statuses: ['dnd'],
      summary: {
        callerId: 'Numéros masqués',
        hours: 'pendant les heures choisies (lun, mar 09:00-12:30), statut Ne pas déranger',
        action: 'Envoyer occupé(e)',
      },
    });
    const directory = await loadDirectory(h.db);
    expect(directory.extensions.get('101')?.exceptions[3]?.callerId).toBe('anonyme');
  });

  it('shows the check warnings on the rules they concern', async () => {
    await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: '0612345678',
      action: { type: 'voicemail' },
    });
    const list = (await as(h.app, alice)('GET', '/api/extensions/101/exceptions?lang=en')).json();
    expect(list.exceptions[3].warnings).toEqual([
      {
        code: 'shadowed',
        message:
          '101, exception 4 ("0612345678") can never fire: exception 2 ("06* 07*") takes all those calls first.',
      },
    ]);
    expect(list.exceptions[0].warnings).toEqual([]);
  });

  it('400 with each problem in French and English, and nothing written', async () => {
    const before = await stored();
    const body = {
      callerId: '06*a 07*',
      action: { type: 'extension', target: '999', voicemail: false },
    };
    const fr = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', body);
    expect(fr.statusCode).toBe(400);
    expect(fr.json()).toEqual({
      error: 'invalid',
      message: '2 erreur(s) : rien n’a été enregistré.',
      problems: [
        {
          path: 'callerId',
          message:
            'Appels de l’ID d’appelant : « 06*a » n’est ni un numéro ni un mot connu (anonyme, interne, externe, contacts, annuaire, inconnu, groupe:NOM).',
        },
        { path: 'action.target', message: expect.stringMatching(/^Transférer à : .*999/) },
      ],
    });
    const en = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', body, {
      'accept-language': 'en-GB,en;q=0.9',
    });
    // Alice's own language (fr) wins over Accept-Language; ?lang= over both.
    expect(en.json().problems[0].message).toMatch(/^Appels de l’ID/);
    const query = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', body);
    expect(query.json().problems[0].message).toBe(
      'Calls from caller ID: "06*a" is neither a number nor a known word (anonymous, internal, external, contacts, phonebook, unknown, group:NAME).',
    );
    expect(await stored()).toBe(before);
  });

  it('refuses Mon mobile without a mobile number, and an external number the policy refuses', async () => {
    const bruno102 = bruno;
    const mobile = await as(h.app, bruno102)('POST', '/api/extensions/102/exceptions?lang=en', {
      callerId: '*',
      action: { type: 'mobile', bounce: true },
    });
    expect(mobile.statusCode).toBe(400);
    expect(mobile.json().problems).toEqual([
      { path: 'action.type', message: expect.stringMatching(/^Forward to: .*mobile/i) },
    ]);
    const premium = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', {
      callerId: '*',
      action: { type: 'external', number: '08 99 12 34 56', bounce: false },
    });
    expect(premium.statusCode).toBe(400);
    expect(premium.json().problems[0].path).toBe('action.number');
    expect(premium.json().problems[0].message).toMatch(/premium/);
  });

  it('schema errors name the field, in the caller’s language', async () => {
    const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', {
      callerId: '*',
      hours: 'sometimes',
      action: { type: 'busy' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().problems).toEqual([
      {
        path: 'hours',
        message:
          'Hours: value not allowed; allowed values: all, office, outside-office, specific, outside-specific.',
      },
    ]);
    const missing = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      action: { type: 'busy' },
    });
    expect(missing.json().problems).toEqual([
      { path: 'callerId', message: 'Appels de l’ID d’appelant : ce champ est obligatoire.' },
    ]);
  });

  it('409 when the list already holds the maximum', async () => {
    for (let i = 3; i < 15; i++) {
      const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
        callerId: `01 23 45 67 ${String(i).padStart(2, '0')}`,
        action: { type: 'voicemail' },
      });
      expect(r.statusCode).toBe(201);
    }
    const before = await stored();
    const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', {
      callerId: '0123456799',
      action: { type: 'voicemail' },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual({
      error: 'limit',
      message: 'You already have 15 exceptions, the maximum: delete one before adding another.',
    });
    expect(await stored()).toBe(before);
  });

  it('updates, switches off and deletes by index; 404 past the end', async () => {
    const put = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions/1', {
      callerId: '07*',
      action: { type: 'voicemail' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ index: 1, callerId: '07*', action: { type: 'voicemail' } });
    const off = await as(h.app, alice)('PATCH', '/api/extensions/101/exceptions/1', {
      enabled: false,
    });
    expect(off.json()).toMatchObject({ index: 1, callerId: '07*', enabled: false });
    expect((await loadDirectory(h.db)).extensions.get('101')?.exceptions[1]?.enabled).toBe(false);
    const missing = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions/7', {
      callerId: '*',
      action: { type: 'busy' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not-found');
    expect((await as(h.app, alice)('DELETE', '/api/extensions/101/exceptions/0')).statusCode).toBe(
      204,
    );
    const left = (await loadDirectory(h.db)).extensions.get('101')?.exceptions ?? [];
    expect(left.map((e) => e.callerId)).toEqual(['07*', '*']);
    expect((await as(h.app, alice)('DELETE', '/api/extensions/101/exceptions/2')).statusCode).toBe(
      404,
    );
  });

  it('reorders by a permutation of the old indexes, and refuses anything else', async () => {
    const r = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions-order', {
      order: [2, 0, 1],
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().exceptions.map((e: { callerId: string }) => e.callerId)).toEqual([
      '*',
      '06 00 00 00 00',
      '06* 07*',
    ]);
    // "*" first now shadows the other two.
    expect(r.json().exceptions[1].warnings[0].code).toBe('shadowed');
    const before = await stored();
    for (const order of [
      [0, 1],
      [0, 0, 1],
      [0, 1, 3],
      [0, 1, 2, 3],
    ]) {
      const bad = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions-order', { order });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().problems[0]).toEqual({
        path: 'order',
        message:
          'Ordre : Le nouvel ordre doit citer chaque exception une fois et une seule (de 0 à 2).',
      });
    }
    expect(await stored()).toBe(before);
  });

  it('403 for a user on another extension’s exceptions, admin allowed', async () => {
    const other = await as(h.app, alice)('GET', '/api/extensions/102/exceptions');
    expect(other.statusCode).toBe(403);
    expect(other.json()).toEqual({
      error: 'forbidden',
      message: 'Vous n’avez pas accès à l’extension 102.',
    });
    const before = await stored();
    const write = await as(h.app, alice)('POST', '/api/extensions/100/exceptions', {
      callerId: '*',
      action: { type: 'busy' },
    });
    expect(write.statusCode).toBe(403);
    expect(await stored()).toBe(before);
    const admin = await as(h.app, bruno)('POST', '/api/extensions/100/exceptions', {
      callerId: '*',
      action: { type: 'busy' },
    });
    expect(admin.statusCode).toBe(201);
  });

  it('parses a caller-ID text as the user types', async () => {
    const r = await as(h.app, alice)('POST', '/api/caller-id/parse?lang=en', {
      text: '06* *99, 06 00 00 00 00; anonyme 1?3',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      ok: true,
      errors: [],
      patterns: [
        {
          text: '06*',
          kind: 'prefix',
          canonical: '+336*',
          description: 'Numbers starting with 06',
        },
        { text: '*99', kind: 'suffix', canonical: '*99', description: 'Numbers ending with 99' },
        {
          text: '0600000000',
          kind: 'exact',
          canonical: '+33600000000',
          description: 'The number 06 00 00 00 00',
        },
        {
          text: 'anonymous',
          kind: 'anonymous',
          canonical: 'anonymous',
          description: 'Withheld numbers',
        },
        {
          text: '1?3',
          kind: 'wildcard',
          canonical: '1?3',
          description: 'Numbers of the form 1?3 (? : one digit, * : any digits)',
        },
      ],
    });
    const bad = await as(h.app, alice)('POST', '/api/caller-id/parse', { text: '06* abc' });
    expect(bad.json()).toEqual({
      ok: false,
      patterns: [],
      errors: [
        {
          message:
            '« abc » n’est ni un numéro ni un mot connu (anonyme, interne, externe, contacts, annuaire, inconnu, groupe:NOM).',
          start: 4,
          end: 7,
        },
      ],
    });
  });
  it('saves "Du … au …" and a repeat condition, shows them in words, and says when a rule expired', async () => {
    const created = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: '*',
      from: '2026-12-20',
      until: '2026-12-31',
      repeat: { calls: 3, minutes: 10 },
      action: { type: 'extension', target: '100', voicemail: false },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      index: 3,
      from: '2026-12-20',
      until: '2026-12-31',
      repeat: { calls: 3, minutes: 10 },
      summary: { hours: 'à toute heure, du 20/12/2026 au 31/12/2026, au 3ᵉ appel en 10 min' },
    });
    const doc = JSON.parse(await stored());
    expect(doc.extensions[1].exceptions[3]).toMatchObject({
      from: '2026-12-20',
      until: '2026-12-31',
      repeat: { calls: 3, minutes: 10 },
    });
    // Switching it off keeps its dates and repeat condition.
    const off = await as(h.app, alice)('PATCH', '/api/extensions/101/exceptions/3', {
      enabled: false,
    });
    expect(off.json()).toMatchObject({ enabled: false, from: '2026-12-20', repeat: { calls: 3 } });
    // A rule whose end has passed is kept, marked expired, with check's warning.
    const old = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions/3?lang=en', {
      callerId: '*',
      from: '2020-12-20',
      until: '2020-12-31',
      action: { type: 'busy' },
    });
    expect(old.json()).toMatchObject({
      validity: 'expired',
      warnings: [
        {
          code: 'expired',
          message:
            '101, exception 4 ("*") has expired: it was valid until 31/12/2020; delete it or change its dates.',
        },
      ],
    });
  });

  it('names the bad dates and repeat numbers in the form’s words, and writes nothing', async () => {
    const before = await stored();
    const r = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: '*',
      from: '2026-12-31',
      until: '2026-12-20',
      repeat: { calls: 1, minutes: 10 },
      action: { type: 'busy' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().problems).toEqual([
      { path: 'repeat.calls', message: 'Appels répétés : 1 est hors limites (2 à 20)' },
      {
        path: 'until',
        message: 'Au : la fin (2026-12-20) doit venir après le début (2026-12-31)',
      },
    ]);
    const bad = await as(h.app, alice)('POST', '/api/extensions/101/exceptions?lang=en', {
      callerId: '*',
      from: 'demain',
      action: { type: 'busy' },
    });
    expect(bad.json().problems).toEqual([
      {
        path: 'from',
        message: 'From: "demain" is neither a YYYY-MM-DD date nor a YYYY-MM-DDTHH:MM date-time',
      },
    ]);
    expect(await stored()).toBe(before);
  });

  it('the tester counts earlier calls for a repeat rule, given or from the history', async () => {
    await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: '*',
      repeat: { calls: 3, minutes: 10 },
      action: { type: 'busy' },
    });
    // Move it first, before the guide's rules that take every caller.
    await as(h.app, alice)('PUT', '/api/extensions/101/exceptions-order', { order: [3, 0, 1, 2] });
    const tried = async (earlierCalls?: number) =>
      (
        await as(h.app, alice)('POST', '/api/extensions/101/simulate?lang=en', {
          from: '0491000000',
          ...(earlierCalls === undefined ? {} : { earlierCalls }),
        })
      ).json();
    expect((await tried()).exception).not.toBe(0);
    const third = await tried(2);
    expect(third.exception).toBe(0);
    expect(third.plan).toEqual([{ do: 'busy' }]);
    expect(third.trace[0].text).toMatch(
      /^101: call no\. 3 from this number in 10 min \(3 needed\)/,
    );
    expect((await tried(1)).exception).not.toBe(0);
  });
});
