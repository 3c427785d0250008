import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDirectory, toDocument } from '../../src/domain/document.js';
import type { DirectoryDocument } from '../../src/domain/document.js';
import { normalizeCaller } from '../../src/domain/numbers.js';
import { parseCallerId, patternCovers } from '../../src/domain/patterns.js';
import { callerBook, callerName } from '../../src/domain/contacts.js';
import { checkDirectory } from '../../src/domain/check.js';
import { route } from '../../src/domain/route.js';
import { describeTrace } from '../../src/i18n/trace.js';
import type { Caller, CallerPattern, Directory } from '../../src/domain/types.js';

const NOW = new Date('2026-12-03T10:00:00+01:00');

function directoryOf(doc: DirectoryDocument): Directory {
  const built = buildDirectory(doc);
  if (!built.ok) throw new Error(JSON.stringify(built.problems));
  return built.directory;
}

function patterns(text: string): CallerPattern[] {
  const parsed = parseCallerId(text, 'FR');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.patterns;
}

function caller(d: Directory, from: string | null): Caller {
  return normalizeCaller({ user: from }, d.settings.country, (n) => d.extensions.has(n));
}

const office: DirectoryDocument = {
  phonebook: [
    { name: 'Cabinet Durand', numbers: ['01 42 00 00 01'], groups: ['Clients'] },
    { name: 'Banque', numbers: ['+33 1 42 00 00 02'] },
  ],
  extensions: [
    {
      number: '101',
      name: 'Alice Martin',
      password: 'alice-secret-1',
      mobile: '06 98 76 54 32',
      contacts: [
        { name: 'Maman', numbers: ['06 12 34 56 78'], groups: ['famille'] },
        { name: 'Dr Bernard', numbers: ['0033 4 91 00 00 03'], groups: ['VIP'] },
      ],
      exceptions: [
        { callerId: 'groupe:famille', action: { type: 'mobile' } },
        { callerId: 'contacts', action: { type: 'extension', target: '102' } },
        { callerId: 'annuaire', action: { type: 'busy' } },
        { callerId: 'inconnu', action: { type: 'voicemail' } },
      ],
    },
    {
      number: '102',
      name: 'Bruno Petit',
      password: 'bruno-secret-1',
      contacts: [{ name: 'Ami de Bruno', numbers: ['07 11 22 33 44'] }],
    },
  ],
};

describe('caller-ID words for contacts', () => {
  it('reads contacts, the phonebook, a group and unknown callers, in French and English', () => {
    expect(patterns('contacts, annuaire, groupe:Famille, inconnu')).toEqual([
      { kind: 'contacts' },
      { kind: 'phonebook' },
      { kind: 'group', name: 'famille' },
      { kind: 'unknown' },
    ]);
    expect(patterns('phonebook; group:VIP; unknown 06*')).toEqual([
      { kind: 'phonebook' },
      { kind: 'group', name: 'vip' },
      { kind: 'unknown' },
      { kind: 'number', raw: '06*', canonical: '+336*' },
    ]);
  });

  it('names a group without a name, and saves nothing', () => {
    const parsed = parseCallerId('06*, groupe:', 'FR');
    expect(parsed).toEqual({
      ok: false,
      problems: [{ path: '', code: 'pattern.bad-group', params: { part: 'groupe:' } }],
    });
  });

  it('knows that "externe" takes every contact but not every unknown caller', () => {
    const [external] = patterns('externe');
    const [contacts] = patterns('contacts');
    const [unknown] = patterns('inconnu');
    const [anonymous] = patterns('anonyme');
    if (!external || !contacts || !unknown || !anonymous) throw new Error('parse');
    expect(patternCovers(external, contacts)).toBe(true);
    expect(patternCovers(external, unknown)).toBe(false);
    expect(patternCovers(unknown, anonymous)).toBe(true);
    expect(patternCovers(contacts, external)).toBe(false);
  });
});

describe('contacts in the directory document', () => {
  it('round-trips the phonebook and each user’s contacts', () => {
    const d = directoryOf(office);
    expect(d.phonebook.map((c) => c.name)).toEqual(['Cabinet Durand', 'Banque']);
    expect(d.extensions.get('101')?.contacts[0]).toEqual({
      name: 'Maman',
      numbers: ['06 12 34 56 78'],
      groups: ['famille'],
    });
    const again = directoryOf(toDocument(d));
    expect(again.phonebook).toEqual(d.phonebook);
    expect(again.extensions.get('101')?.contacts).toEqual(d.extensions.get('101')?.contacts);
  });

  it('names each bad entry by its path', () => {
    const built = buildDirectory({
      phonebook: [
        { name: 'Sans numéro', numbers: [] },
        { name: 'Mauvais', numbers: ['06 12 34 56 78', 'abc'], groups: ['deux mots'] },
        { name: '', numbers: [612345678] },
      ],
    });
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.problems.map((p) => `${p.path} ${p.code}`)).toEqual([
      'phonebook[0].numbers directory.required',
      'phonebook[1].numbers[1] directory.bad-contact-number',
      'phonebook[1].groups[0] directory.bad-group-name',
      'phonebook[2].name directory.empty',
      'phonebook[2].numbers[0] directory.quote-it',
    ]);
  });
});

describe('routing by who the caller is', () => {
  const d = directoryOf(office);
  const call = (from: string | null) => route({ to: '101', from: caller(d, from) }, d, NOW);

  it('finds a contact whatever the written form of the number', () => {
    const decision = call('+33612345678');
    expect(decision.exception).toBe(0);
    expect(decision.trace).toContainEqual({
      code: 'caller-contact',
      extension: '101',
      exception: 0,
      contact: 'Maman',
      book: 'contacts',
    });
    const sentence = decision.trace
      .filter((t) => t.code === 'caller-contact')
      .map((t) => describeTrace('fr', t, d));
    expect(sentence).toEqual(['101 : l’appelant est « Maman », de vos contacts']);
  });

  it('takes a contact out of a group for "contacts", and the phonebook for "annuaire"', () => {
    expect(call('+33491000003').exception).toBe(1);
    expect(call('0142000001').exception).toBe(2);
    expect(call('01.42.00.00.02').exception).toBe(2);
  });

  it('treats another user’s contacts, and withheld numbers, as unknown; colleagues as known', () => {
    const bruno = call('0711223344');
    expect(bruno.exception).toBe(3);
    expect(bruno.trace).toContainEqual({ code: 'caller-unknown', extension: '101', exception: 3 });
    expect(call(null).exception).toBe(3);
    expect(call('102').exception).toBeNull();
  });

  it('shows a contact’s name: the user’s own first, then the phonebook’s', () => {
    const alice = d.extensions.get('101') ?? null;
    expect(callerName(d, alice, caller(d, '0612345678'))).toBe('Maman');
    expect(callerName(d, alice, caller(d, '+33142000001'))).toBe('Cabinet Durand');
    expect(callerName(d, null, caller(d, '0612345678'))).toBeNull();
    expect(callerName(d, alice, caller(d, '102'))).toBeNull();
  });

  it('lets check see that "externe" above "contacts" hides it', () => {
    const shadowed = directoryOf({
      extensions: [
        {
          number: '101',
          name: 'Alice',
          password: 'alice-secret-1',
          exceptions: [
            { callerId: 'externe', action: { type: 'voicemail' } },
            { callerId: 'contacts', action: { type: 'busy' } },
          ],
        },
      ],
    });
    expect(checkDirectory(shadowed, NOW)).toContainEqual({
      kind: 'shadowed',
      extension: '101',
      exception: 1,
      by: 0,
    });
  });
});

describe('check and the books', () => {
  it('reports an exception whose only patterns name empty books', () => {
    const d = directoryOf({
      extensions: [
        {
          number: '101',
          name: 'Alice',
          password: 'alice-secret-1',
          exceptions: [
            { callerId: 'groupe:vip', action: { type: 'busy' } },
            { callerId: 'contacts, 06*', action: { type: 'busy' } },
            { callerId: 'annuaire', action: { type: 'busy' } },
          ],
        },
      ],
    });
    const never = checkDirectory(d, NOW).filter((f) => f.kind === 'never');
    expect(never).toEqual([
      { kind: 'never', extension: '101', exception: 0, reason: 'empty-group' },
      { kind: 'never', extension: '101', exception: 2, reason: 'empty-phonebook' },
    ]);
    expect(checkDirectory(directoryOf(office), NOW).filter((f) => f.kind === 'never')).toEqual([]);
  });
});

describe('contacts and unknown callers', () => {
  const d = directoryOf(office);
  const alice = d.extensions.get('101') ?? null;
  const known = ['0612345678', '+33491000003', '0142000001', '0142000002'];

  it('partition outside callers: each is in a book or unknown, never both', () => {
    const outside = fc.oneof(
      fc.constantFrom(...known, '0711223344'),
      fc
        .tuple(
          fc.constantFrom('01', '06', '07', '+336', '00336'),
          fc.integer({ min: 0, max: 99999999 }),
        )
        .map(([prefix, n]) => prefix + String(n).padStart(8, '0')),
    );
    fc.assert(
      fc.property(outside, (from) => {
        const c = caller(d, from);
        const book = callerBook(d, alice, c);
        const inBook = book.personal !== null || book.phonebook !== null;
        const decision = route({ to: '101', from: c }, d, NOW);
        const unknown = decision.trace.some((t) => t.code === 'caller-unknown');
        expect(inBook).not.toBe(unknown);
        expect(decision.exception === 3).toBe(unknown);
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});
