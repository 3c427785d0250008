import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDirectory } from '../../src/store/directory-repository.js';
import { toDocument } from '../../src/domain/document.js';
import { as, guideDocument, login, startHarness } from './helpers.js';
import type { Harness, Login } from './helpers.js';

const CSV = [
  'Nom;Téléphone;Mobile;Groupes',
  'Maman;;06 12 34 56 78;famille',
  'Cabinet Durand;01 42 00 00 01;;clients | VIP',
  '',
].join('\r\n');

const VCARD = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'N:Bernard;Paul;;Dr;',
  'FN:Dr Paul Bernard',
  'TEL;TYPE=WORK:+33 4 91 00 00 03',
  'CATEGORIES:VIP',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:4.0',
  'FN:Léa',
  'TEL;VALUE=uri:tel:+33700000001',
  'END:VCARD',
  '',
].join('\r\n');

describe('contacts', () => {
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
    bruno = await login(h.app, '102', 'change-me-102');
    const reset = await as(h.app, bruno)('PUT', '/api/admin/directory', guideDocument());
    expect(reset.statusCode).toBe(200);
    alice = await login(h.app, '101', 'change-me-101');
  });

  it('imports a French CSV into Alice’s contacts, and a rule on "contacts" sees them', async () => {
    const r = await as(h.app, alice)(
      'POST',
      '/api/extensions/101/contacts/import?format=csv',
      CSV,
      { 'content-type': 'text/csv' },
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      imported: 2,
      contacts: [
        { name: 'Maman', numbers: ['06 12 34 56 78'], groups: ['famille'] },
        { name: 'Cabinet Durand', numbers: ['01 42 00 00 01'], groups: ['clients', 'VIP'] },
      ],
    });
    const rule = await as(h.app, alice)('POST', '/api/extensions/101/exceptions', {
      callerId: 'groupe:vip',
      action: { type: 'busy' },
    });
    expect(rule.statusCode, rule.body).toBe(201);
    // First in the list, above the guide's "*".
    const order = await as(h.app, alice)('PUT', '/api/extensions/101/exceptions-order', {
      order: [3, 0, 1, 2],
    });
    expect(order.statusCode, order.body).toBe(200);
    const test = await as(h.app, alice)('POST', '/api/extensions/101/simulate', {
      from: '+33 1 42 00 00 01',
    });
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json().plan).toEqual([{ do: 'busy' }]);
    expect(test.json().fromName).toBe('Cabinet Durand');
    expect(test.json().trace.map((t: { text: string }) => t.text)).toContain(
      '101 : l’appelant est « Cabinet Durand », de vos contacts',
    );
  });

  it('names every bad row of a file, in the user’s language, and saves none of it', async () => {
    const before = await stored();
    const bad = [
      'name,numbers,groups',
      'Bon,06 12 34 56 78,',
      'Mauvais numéro,abc,',
      ',07 00 00 00 01,deux mots',
      '',
    ].join('\n');
    const r = await as(h.app, alice)(
      'POST',
      '/api/extensions/101/contacts/import?format=csv',
      bad,
      { 'content-type': 'text/csv' },
    );
    expect(r.statusCode).toBe(400);
    expect(r.json().problems.map((p: { message: string }) => p.message)).toEqual([
      'Ligne 3 (Mauvais numéro) : Numéros : « abc » n’est pas un numéro de téléphone',
      'Ligne 4 (-) : name : ne peut pas être vide',
      'Ligne 4 (-) : Groupes : « deux mots » n’est pas un nom de groupe (un mot : lettres, chiffres, - _ .)',
    ]);
    expect(await stored()).toBe(before);
    const en = await as(h.app, alice)(
      'POST',
      '/api/extensions/101/contacts/import?format=vcard&lang=en',
      'BEGIN:VCARD\r\nFN:x\r\n',
      { 'content-type': 'text/vcard' },
    );
    expect(en.statusCode).toBe(400);
    expect(en.json().message).toMatch(/^The file cannot be read: /);
  });

  it('imports vCard 3 and 4, exports both formats, and each reads back the same', async () => {
    const r = await as(h.app, alice)(
      'POST',
      '/api/extensions/101/contacts/import?format=vcard',
      VCARD,
      { 'content-type': 'text/vcard' },
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().contacts).toEqual([
      { name: 'Dr Paul Bernard', numbers: ['+33 4 91 00 00 03'], groups: ['VIP'] },
      { name: 'Léa', numbers: ['+33700000001'] },
    ]);
    for (const format of ['csv', 'vcard'] as const) {
      const exported = await as(h.app, alice)(
        'GET',
        `/api/extensions/101/contacts/export?format=${format}`,
      );
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-disposition']).toContain(
        format === 'csv' ? 'contacts-101.csv' : 'contacts-101.vcf',
      );
      const again = await as(h.app, alice)(
        'POST',
        `/api/extensions/101/contacts/import?format=${format}&mode=replace`,
        exported.body,
        { 'content-type': format === 'csv' ? 'text/csv' : 'text/vcard' },
      );
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json().contacts).toEqual(r.json().contacts);
    }
  });

  it('keeps users to their own contacts, and the phonebook to admins for writing', async () => {
    const other = await as(h.app, alice)('GET', '/api/extensions/102/contacts');
    expect(other.statusCode).toBe(403);
    const put = await as(h.app, alice)('PUT', '/api/phonebook', {
      contacts: [{ name: 'X', numbers: ['0142000001'] }],
    });
    expect(put.statusCode).toBe(403);
    const admin = await as(h.app, bruno)('PUT', '/api/phonebook', {
      contacts: [{ name: 'Banque', numbers: ['01 42 00 00 02'], groups: ['clients'] }],
    });
    expect(admin.statusCode, admin.body).toBe(200);
    const read = await as(h.app, alice)('GET', '/api/phonebook');
    expect(read.json().contacts).toEqual([
      { name: 'Banque', numbers: ['01 42 00 00 02'], groups: ['clients'] },
    ]);
    const bad = await as(h.app, bruno)('PUT', '/api/phonebook', {
      contacts: [{ name: 'Banque', numbers: ['pas un numéro'] }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems).toEqual([
      {
        path: 'phonebook[0].numbers[0]',
        message: 'phonebook[0].numbers[0] : « pas un numéro » n’est pas un numéro de téléphone',
      },
    ]);
  });
});
