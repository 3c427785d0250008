import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import {
  DirectoryDocumentSchema,
  buildDirectory,
  defaultForwarding,
  toDocument,
} from '../../src/domain/document.js';
import { checkMobileAvailable, validateException } from '../../src/domain/validate.js';
import { checkDirectory } from '../../src/domain/check.js';
import { at, parsePath } from '../../src/domain/problem-path.js';
import { describeProblem, message, missingTranslations } from '../../src/i18n/index.js';
import type { Directory, Problem } from '../../src/domain/types.js';
import { formatPasswordHash, passwordDigests } from '../../src/domain/credentials.js';

/** Before every validity date of these tests. */
const NOW = new Date('2026-01-15T10:00:00Z');

/** The document of design §6. */
function sample(): Record<string, unknown> {
  return {
    country: 'FR',
    timezone: 'Europe/Paris',
    officeHours: { 'mon-fri': ['09:00-12:30', '14:00-18:00'] },
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'change-me-100' },
      {
        number: '101',
        name: 'Alice Martin',
        password: 'change-me-101',
        mobile: '06 11 22 33 44',
        voicemailPin: '1234',
        ringTimeout: 20,
        exceptions: [
          { callerId: '06* 07*', action: { type: 'extension', target: '100', voicemail: true } },
          {
            callerId: '06 00 00 00 00',
            action: { type: 'external', number: '04 42 93 06 98', bounce: true },
          },
          { callerId: '*', hours: 'outside-office', action: { type: 'mobile', bounce: true } },
        ],
      },
    ],
    ringGroups: [
      {
        number: '800',
        name: 'Accueil',
        strategy: 'ring-all',
        members: ['100', '101'],
        timeout: 20,
        fallback: { type: 'voicemail', mailbox: '100' },
      },
    ],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: 5080,
        transport: 'udp',
        inbound: { '0442000000': '800' },
      },
    ],
  };
}

type Doc = Record<string, unknown>;
type Ext = Record<string, unknown>;

function ext(doc: Doc, i: number): Ext {
  return (doc.extensions as Ext[])[i] as Ext;
}

function exc(doc: Doc, i: number, j: number): Ext {
  return (ext(doc, i).exceptions as Ext[])[j] as Ext;
}

function build(doc: unknown): Directory {
  const result = buildDirectory(doc);
  if (!result.ok) {
    throw new Error(result.problems.map((p) => describeProblem('en', p)).join('\n'));
  }
  return result.directory;
}

function problemsOf(doc: unknown): Problem[] {
  const result = buildDirectory(doc);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

function lines(doc: unknown, lang: 'en' | 'fr' = 'en'): string[] {
  return problemsOf(doc).map((p) => describeProblem(lang, p));
}

describe('buildDirectory: the design document', () => {
  it('builds with every default filled in', () => {
    const d = build(sample());
    expect(d.settings).toEqual({
      country: 'FR',
      timezone: 'Europe/Paris',
      officeHours: {
        mon: [
          { start: 540, end: 750 },
          { start: 840, end: 1080 },
        ],
        tue: [
          { start: 540, end: 750 },
          { start: 840, end: 1080 },
        ],
        wed: [
          { start: 540, end: 750 },
          { start: 840, end: 1080 },
        ],
        thu: [
          { start: 540, end: 750 },
          { start: 840, end: 1080 },
        ],
        fri: [
          { start: 540, end: 750 },
          { start: 840, end: 1080 },
        ],
      },
      holidays: [],
      outboundPolicy: { allow: ['fixed', 'mobile'] },
      maxExceptions: 15,
      language: 'fr',
      outsideCalls: { allow: false, concurrent: 2, perMinute: 10, keepDays: 30 },
      smtp: null,
    });
    const secretariat = d.extensions.get('100');
    expect(secretariat).toEqual({
      number: '100',
      name: 'Secrétariat',
      password: { plain: 'change-me-100' },
      mobile: null,
      voicemailPin: null,
      ringTimeout: 20,
      status: 'available',
      language: 'fr',
      role: 'user',
      forwarding: defaultForwarding(),
      exceptions: [],
      temporaryStatus: null,
      statusSchedule: [],
      contacts: [],
      email: null,
      deleteAfterEmail: false,
    });
    const alice = d.extensions.get('101');
    expect(alice?.exceptions[0]).toEqual({
      callerId: '06* 07*',
      patterns: [
        { kind: 'number', raw: '06*', canonical: '+336*' },
        { kind: 'number', raw: '07*', canonical: '+337*' },
      ],
      hours: 'all',
      periods: {},
      statuses: [],
      enabled: true,
      from: null,
      until: null,
      repeat: null,
      action: { type: 'extension', target: '100', voicemail: true },
    });
    expect(alice?.exceptions[2]?.action).toEqual({ type: 'mobile', bounce: true });
    expect(d.ringGroups.get('800')).toEqual({
      number: '800',
      name: 'Accueil',
      strategy: 'ring-all',
      members: ['100', '101'],
      timeout: 20,
      fallback: { type: 'voicemail', mailbox: '100' },
    });
    expect(d.trunks).toEqual([
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: 5080,
        transport: 'udp',
        username: null,
        password: null,
        numberFormat: 'national',
        trusted: false,
        inbound: { '+33442000000': '800' },
      },
    ]);
  });

  it('defaults an empty document to an empty directory with the default settings', () => {
    const d = build({});
    expect(d.extensions.size).toBe(0);
    expect(d.settings.country).toBe('FR');
    expect(d.settings.maxExceptions).toBe(15);
  });

  it("gives an extension the document's language and a ring group its first member's box", () => {
    const doc = sample();
    doc.language = 'en';
    delete ((doc.ringGroups as Ext[])[0] as Ext).fallback;
    const d = build(doc);
    expect(d.extensions.get('100')?.language).toBe('en');
    expect(d.ringGroups.get('800')?.fallback).toEqual({ type: 'voicemail', mailbox: '100' });
  });

  it('accepts a YAML integer as extension number and target', () => {
    const doc = sample();
    ext(doc, 0).number = 100;
    exc(doc, 1, 0).action = { type: 'extension', target: 100 };
    const d = build(doc);
    expect(d.extensions.has('100')).toBe(true);
    expect(d.extensions.get('101')?.exceptions[0]?.action).toEqual({
      type: 'extension',
      target: '100',
      voicemail: false,
    });
  });

  it('stores an inbound number in canonical form whatever its written form', () => {
    const doc = sample();
    ((doc.trunks as Ext[])[0] as Ext).inbound = {
      '+33 4 42 00 00 00': '800',
      '04.42.00.00.01': 101,
    };
    expect(build(doc).trunks[0]?.inbound).toEqual({ '+33442000000': '800', '+33442000001': '101' });
  });
});

/** One mistake in the sample and the problem it must give: path and code. */
const rules: [string, (doc: Doc) => void, string, string][] = [
  ['document not a mapping', () => undefined, '', 'directory.not-object'],
  [
    'unknown top-level key',
    (d) => (d.extentions = []),
    'extentions',
    'directory.unknown-key-suggest',
  ],
  [
    'unknown key',
    (d) => (ext(d, 0).colour = 'blue'),
    'extensions[0].colour',
    'directory.unknown-key',
  ],
  ['bad country', (d) => (d.country = 'XX'), 'country', 'directory.bad-country'],
  ['bad time zone', (d) => (d.timezone = 'Europe/Pariss'), 'timezone', 'directory.bad-timezone'],
  ['bad language', (d) => (d.language = 'de'), 'language', 'directory.not-one-of'],
  ['maxExceptions 0', (d) => (d.maxExceptions = 0), 'maxExceptions', 'directory.out-of-range'],
  ['maxExceptions 101', (d) => (d.maxExceptions = 101), 'maxExceptions', 'directory.out-of-range'],
  [
    'outside calls allowed by a string',
    (d) => (d.outsideCalls = { allow: 'yes' }),
    'outsideCalls.allow',
    'directory.not-boolean',
  ],
  [
    'no concurrent outside call',
    (d) => (d.outsideCalls = { allow: true, concurrent: 0 }),
    'outsideCalls.concurrent',
    'directory.out-of-range',
  ],
  [
    'outside calls per minute not a number',
    (d) => (d.outsideCalls = { perMinute: 'ten' }),
    'outsideCalls.perMinute',
    'directory.not-integer',
  ],
  [
    'negative history retention',
    (d) => (d.outsideCalls = { keepDays: -1 }),
    'outsideCalls.keepDays',
    'directory.out-of-range',
  ],
  [
    'unknown outside-calls key',
    (d) => (d.outsideCalls = { alow: true }),
    'outsideCalls.alow',
    'directory.unknown-key-suggest',
  ],
  [
    'bad e-mail address',
    (d) => (ext(d, 0).email = 'alice@example'),
    'extensions[0].email',
    'directory.bad-email',
  ],
  [
    'delete after sending without an address',
    (d) => (ext(d, 0).deleteAfterEmail = true),
    'extensions[0].deleteAfterEmail',
    'directory.delete-without-email',
  ],
  [
    'SMTP without host',
    (d) => (d.smtp = { from: 'pbx@example.com' }),
    'smtp.host',
    'directory.required',
  ],
  [
    'SMTP sender not an address',
    (d) => (d.smtp = { host: 'mail.example.com', from: 'renvoi' }),
    'smtp.from',
    'directory.bad-email',
  ],
  [
    'SMTP security unknown',
    (d) => (d.smtp = { host: 'mail.example.com', from: 'a@example.com', security: 'ssl' }),
    'smtp.security',
    'directory.not-one-of',
  ],
  [
    'SMTP port out of range',
    (d) => (d.smtp = { host: 'mail.example.com', from: 'a@example.com', port: 70000 }),
    'smtp.port',
    'directory.out-of-range',
  ],
  [
    'SMTP password without user',
    (d) => (d.smtp = { host: 'mail.example.com', from: 'a@example.com', password: 'x' }),
    'smtp.username',
    'directory.credentials-pair',
  ],
  [
    'SMTP sealed password not sealed',
    (d) =>
      (d.smtp = {
        host: 'mail.example.com',
        from: 'a@example.com',
        username: 'u',
        passwordSealed: 'hunter2',
      }),
    'smtp.passwordSealed',
    'directory.bad-sealed',
  ],
  ['bad holiday', (d) => (d.holidays = ['2026-02-30']), 'holidays[0]', 'directory.bad-date'],
  [
    'duplicate holiday',
    (d) => (d.holidays = ['2026-12-25', { date: '2026-12-25', name: 'Noël' }]),
    'holidays[1].date',
    'directory.duplicate',
  ],
  [
    'unknown number class',
    (d) => (d.outboundPolicy = { allow: ['fixed', 'satellite'] }),
    'outboundPolicy.allow[1]',
    'directory.not-one-of',
  ],
  [
    'short number',
    (d) => (ext(d, 0).number = '1'),
    'extensions[0].number',
    'directory.bad-extension-number',
  ],
  [
    'long number',
    (d) => (ext(d, 0).number = '1234567'),
    'extensions[0].number',
    'directory.bad-extension-number',
  ],
  ['missing name', (d) => delete ext(d, 0).name, 'extensions[0].name', 'directory.required'],
  ['empty name', (d) => (ext(d, 0).name = ' '), 'extensions[0].name', 'directory.empty'],
  [
    'short password',
    (d) => (ext(d, 0).password = 'abc'),
    'extensions[0].password',
    'directory.password-too-short',
  ],
  [
    'integer mobile',
    (d) => (ext(d, 1).mobile = 611223344),
    'extensions[1].mobile',
    'directory.quote-it',
  ],
  [
    'impossible mobile',
    (d) => (ext(d, 1).mobile = '06 11'),
    'extensions[1].mobile',
    'directory.bad-phone-number',
  ],
  [
    'premium-rate mobile',
    (d) => (ext(d, 1).mobile = '08 99 12 34 56'),
    'extensions[1].mobile',
    'directory.outbound-refused',
  ],
  [
    'bad PIN',
    (d) => (ext(d, 1).voicemailPin = '12a4'),
    'extensions[1].voicemailPin',
    'directory.bad-pin',
  ],
  [
    'a password hash that is not one',
    (d) => {
      delete ext(d, 0).password;
      ext(d, 0).passwordHash = '$ha1$other-realm$00$11';
    },
    'extensions[0].passwordHash',
    'directory.bad-password-hash',
  ],
  [
    'a PIN hash that is not one',
    (d) => {
      delete ext(d, 1).voicemailPin;
      ext(d, 1).voicemailPinHash = '1234';
    },
    'extensions[1].voicemailPinHash',
    'directory.bad-pin-hash',
  ],
  [
    'integer PIN',
    (d) => (ext(d, 1).voicemailPin = 1234),
    'extensions[1].voicemailPin',
    'directory.quote-it',
  ],
  [
    'ring timeout 4',
    (d) => (ext(d, 1).ringTimeout = 4),
    'extensions[1].ringTimeout',
    'directory.out-of-range',
  ],
  [
    'ring timeout 2.5',
    (d) => (ext(d, 1).ringTimeout = 2.5),
    'extensions[1].ringTimeout',
    'directory.not-integer',
  ],
  [
    'bad status',
    (d) => (ext(d, 1).status = 'gone'),
    'extensions[1].status',
    'directory.not-one-of',
  ],
  ['bad role', (d) => (ext(d, 1).role = 'root'), 'extensions[1].role', 'directory.not-one-of'],
  [
    'unknown forwarding key',
    (d) => (ext(d, 1).forwarding = { noanswer: { type: 'busy' } }),
    'extensions[1].forwarding.noanswer',
    'directory.unknown-key-suggest',
  ],
  [
    'forwarding to oneself',
    (d) => (ext(d, 1).forwarding = { busy: { type: 'extension', target: '101' } }),
    'extensions[1].forwarding.busy.target',
    'directory.forward-to-self',
  ],
  [
    'duplicate number',
    (d) => (ext(d, 1).number = '100'),
    'extensions[1].number',
    'directory.duplicate-number',
  ],
  [
    'ring group number taken by an extension',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).number = '101'),
    'ringGroups[0].number',
    'directory.duplicate-number',
  ],
  [
    'too many exceptions',
    (d) => {
      d.maxExceptions = 2;
    },
    'extensions[1].exceptions',
    'directory.too-many-exceptions',
  ],
  [
    'bad pattern',
    (d) => (exc(d, 1, 0).callerId = '06*a'),
    'extensions[1].exceptions[0].callerId',
    'pattern.unknown-word',
  ],
  [
    'missing callerId',
    (d) => delete exc(d, 1, 0).callerId,
    'extensions[1].exceptions[0].callerId',
    'directory.required',
  ],
  [
    'missing action',
    (d) => delete exc(d, 1, 0).action,
    'extensions[1].exceptions[0].action',
    'directory.required',
  ],
  [
    'unknown action type',
    (d) => (exc(d, 1, 0).action = { type: 'fax' }),
    'extensions[1].exceptions[0].action.type',
    'directory.not-one-of',
  ],
  [
    'key of another action',
    (d) => (exc(d, 1, 0).action = { type: 'busy', bounce: true }),
    'extensions[1].exceptions[0].action.bounce',
    'directory.key-not-for-action',
  ],
  [
    'unknown extension target',
    (d) => (exc(d, 1, 0).action = { type: 'extension', target: '199' }),
    'extensions[1].exceptions[0].action.target',
    'directory.unknown-extension',
  ],
  [
    'extension target that is a ring group',
    (d) => (exc(d, 1, 0).action = { type: 'extension', target: '800' }),
    'extensions[1].exceptions[0].action.target',
    'directory.target-is-group',
  ],
  [
    'forward to oneself',
    (d) => (exc(d, 1, 0).action = { type: 'extension', target: '101' }),
    'extensions[1].exceptions[0].action.target',
    'directory.forward-to-self',
  ],
  [
    'system target that is an extension',
    (d) => (exc(d, 1, 0).action = { type: 'system', target: '100' }),
    'extensions[1].exceptions[0].action.target',
    'directory.target-is-extension',
  ],
  [
    'unknown system target',
    (d) => (exc(d, 1, 0).action = { type: 'system', target: '899' }),
    'extensions[1].exceptions[0].action.target',
    'directory.unknown-group',
  ],
  [
    'unknown mailbox',
    (d) => (exc(d, 1, 0).action = { type: 'voicemail', mailbox: '199' }),
    'extensions[1].exceptions[0].action.mailbox',
    'directory.unknown-extension',
  ],
  [
    'impossible external number',
    (d) => (exc(d, 1, 1).action = { type: 'external', number: '12' }),
    'extensions[1].exceptions[1].action.number',
    'directory.bad-phone-number',
  ],
  [
    'international external number under the default policy',
    (d) => (exc(d, 1, 1).action = { type: 'external', number: '+49 151 12345678' }),
    'extensions[1].exceptions[1].action.number',
    'directory.outbound-refused',
  ],
  [
    'integer external number',
    (d) => (exc(d, 1, 1).action = { type: 'external', number: 442930698 }),
    'extensions[1].exceptions[1].action.number',
    'directory.quote-it',
  ],
  [
    'bad hours',
    (d) => (exc(d, 1, 0).hours = 'night'),
    'extensions[1].exceptions[0].hours',
    'directory.not-one-of',
  ],
  [
    'specific hours without periods',
    (d) => (exc(d, 1, 0).hours = 'specific'),
    'extensions[1].exceptions[0].periods',
    'directory.periods-required',
  ],
  [
    'periods without specific hours',
    (d) => (exc(d, 1, 0).periods = { sat: ['09:00-12:00'] }),
    'extensions[1].exceptions[0].periods',
    'directory.periods-not-allowed',
  ],
  [
    'office hours not set',
    (d) => delete d.officeHours,
    'extensions[1].exceptions[2].hours',
    'directory.no-office-hours',
  ],
  [
    'bad period',
    (d) => Object.assign(exc(d, 1, 0), { hours: 'specific', periods: { sat: ['9h-12h'] } }),
    'extensions[1].exceptions[0].periods.sat[0]',
    'schedule.bad-time',
  ],
  [
    'bad status in statuses',
    (d) => (exc(d, 1, 0).statuses = ['dnd', 'asleep']),
    'extensions[1].exceptions[0].statuses[1]',
    'directory.not-one-of',
  ],
  [
    'duplicate status',
    (d) => (exc(d, 1, 0).statuses = ['dnd', 'dnd']),
    'extensions[1].exceptions[0].statuses[1]',
    'directory.duplicate-status',
  ],
  [
    'enabled not boolean',
    (d) => (exc(d, 1, 0).enabled = 'yes'),
    'extensions[1].exceptions[0].enabled',
    'directory.not-boolean',
  ],
  [
    'bad strategy',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).strategy = 'random'),
    'ringGroups[0].strategy',
    'directory.not-one-of',
  ],
  [
    'no members',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).members = []),
    'ringGroups[0].members',
    'directory.empty-members',
  ],
  [
    'unknown member',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).members = ['100', '199']),
    'ringGroups[0].members[1]',
    'directory.unknown-extension',
  ],
  [
    'duplicate member',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).members = ['100', '100']),
    'ringGroups[0].members[1]',
    'directory.duplicate',
  ],
  [
    'group voicemail without mailbox',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).fallback = { type: 'voicemail' }),
    'ringGroups[0].fallback.mailbox',
    'directory.mailbox-required',
  ],
  [
    'group fallback to a mobile',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).fallback = { type: 'mobile' }),
    'ringGroups[0].fallback.type',
    'directory.group-no-mobile',
  ],
  [
    'group fallback to itself',
    (d) => (((d.ringGroups as Ext[])[0] as Ext).fallback = { type: 'system', target: '800' }),
    'ringGroups[0].fallback.target',
    'directory.forward-to-self',
  ],
  [
    'group bounce',
    (d) =>
      (((d.ringGroups as Ext[])[0] as Ext).fallback = {
        type: 'external',
        number: '0442930698',
        bounce: true,
      }),
    'ringGroups[0].fallback.bounce',
    'directory.group-no-bounce',
  ],
  [
    'trunk port',
    (d) => (((d.trunks as Ext[])[0] as Ext).port = 70000),
    'trunks[0].port',
    'directory.out-of-range',
  ],
  [
    'trunk transport',
    (d) => (((d.trunks as Ext[])[0] as Ext).transport = 'tls'),
    'trunks[0].transport',
    'directory.not-one-of',
  ],
  [
    'trunk username alone',
    (d) => (((d.trunks as Ext[])[0] as Ext).username = 'u'),
    'trunks[0].password',
    'directory.credentials-pair',
  ],
  [
    'duplicate trunk',
    (d) => (d.trunks as Ext[]).push({ name: 'carrier', host: 'h' }),
    'trunks[1].name',
    'directory.duplicate',
  ],
  [
    'bad DID',
    (d) => (((d.trunks as Ext[])[0] as Ext).inbound = { '12': '800' }),
    'trunks[0].inbound["12"]',
    'directory.bad-did',
  ],
  [
    'same DID twice',
    (d) =>
      (((d.trunks as Ext[])[0] as Ext).inbound = { '0442000000': '800', '+33442000000': '100' }),
    'trunks[0].inbound["+33442000000"]',
    'directory.duplicate-did',
  ],
  [
    'DID to nowhere',
    (d) => (((d.trunks as Ext[])[0] as Ext).inbound = { '0442000000': '899' }),
    'trunks[0].inbound["0442000000"]',
    'directory.unknown-destination',
  ],
];

describe('buildDirectory: rules', () => {
  it.each(rules)('%s', (_name, mutate, path, code) => {
    const doc = sample();
    mutate(doc);
    const input = _name === 'document not a mapping' ? ['a list'] : doc;
    expect(problemsOf(input)).toContainEqual(expect.objectContaining({ path, code }));
  });

  it('says where and what, in English and in French', () => {
    const doc = sample();
    exc(doc, 1, 0).callerId = '06*a';
    ext(doc, 1).mobile = 611223344;
    expect(lines(doc)).toEqual([
      'extensions[1].mobile: write it in quotes: YAML reads 611223344 as a number, which loses a leading 0',
      expect.stringMatching(/^extensions\[1\]\.exceptions\[0\]\.callerId: .*"06\*a"/),
    ]);
    expect(lines(doc, 'fr')).toEqual([
      'extensions[1].mobile: écrivez-le entre guillemets : YAML lit 611223344 comme un nombre, ce qui perd un 0 initial',
      expect.stringMatching(/^extensions\[1\]\.exceptions\[0\]\.callerId: .*06\*a/),
    ]);
    const d = sample();
    exc(d, 1, 0).action = { type: 'extension', target: '199' };
    expect(lines(d)).toEqual([
      'extensions[1].exceptions[0].action.target: extension "199" does not exist',
    ]);
    expect(lines(d, 'fr')).toEqual([
      'extensions[1].exceptions[0].action.target: l’extension « 199 » n’existe pas',
    ]);
  });

  it('suggests the closest key for a typo', () => {
    const doc = sample();
    ext(doc, 0).pasword = ext(doc, 0).password;
    delete ext(doc, 0).password;
    expect(lines(doc)).toEqual([
      'extensions[0].pasword: unknown key "pasword"; did you mean "password"?',
      'extensions[0].password: required',
    ]);
  });

  it('collects every problem rather than stopping at the first', () => {
    const doc = sample();
    doc.timezone = 'Mars/Olympus';
    ext(doc, 0).password = 'short';
    exc(doc, 1, 0).callerId = '06*a';
    exc(doc, 1, 1).action = { type: 'external', number: '0899123456' };
    ((doc.ringGroups as Ext[])[0] as Ext).members = ['100', '404'];
    ((doc.trunks as Ext[])[0] as Ext).inbound = { '0442000000': '999' };
    expect(problemsOf(doc).map((p) => p.path)).toEqual([
      'timezone',
      'extensions[0].password',
      'extensions[1].exceptions[0].callerId',
      'extensions[1].exceptions[1].action.number',
      'ringGroups[0].members[1]',
      'trunks[0].inbound["0442000000"]',
    ]);
  });

  it('reports a broken part once, without follow-on problems', () => {
    const doc = sample();
    ext(doc, 1).mobile = 611223344;
    exc(doc, 1, 0).action = { type: 'teleport' };
    exc(doc, 1, 1).hours = 'sometimes';
    exc(doc, 1, 1).periods = { sat: ['09:00-12:00'] };
    expect(problemsOf(doc).map((p) => p.code)).toEqual([
      'directory.quote-it',
      'directory.not-one-of',
      'directory.not-one-of',
    ]);
  });

  it('accepts rules to the mobile once the mobile number is removed: check reports them broken', () => {
    const doc = sample();
    delete ext(doc, 1).mobile;
    ext(doc, 1).forwarding = { away: { type: 'mobile', bounce: false } };
    const d = build(doc);
    expect(d.extensions.get('101')?.mobile).toBeNull();
    expect(d.extensions.get('101')?.exceptions[2]?.action).toEqual({
      type: 'mobile',
      bounce: true,
    });
    // (Exception 2 is shadowed by exception 1 in this sample: not this test's concern.)
    expect(checkDirectory(d, NOW).filter((f) => f.kind === 'broken')).toEqual([
      { kind: 'broken', extension: '101', exception: 2, reason: 'no-mobile' },
      { kind: 'broken', extension: '101', forwarding: 'away', reason: 'no-mobile' },
    ]);
    // A ring group never has a mobile: that stays invalid.
    const group = sample();
    ((group.ringGroups as Ext[])[0] as Ext).fallback = { type: 'mobile', bounce: false };
    expect(problemsOf(group).map((p) => p.code)).toEqual(['directory.group-no-mobile']);
  });

  it('has every message in both languages', () => {
    expect(missingTranslations()).toEqual([]);
    for (const [, mutate] of rules) {
      const doc = sample();
      mutate(doc);
      const result = buildDirectory(doc);
      if (result.ok) continue;
      for (const p of result.problems) {
        expect(message('fr', p.code, p.params)).not.toBe(p.code);
        expect(message('en', p.code, p.params)).not.toMatch(/\{\w+\}/);
      }
    }
  });
});

describe('validateException', () => {
  it('validates one exception against a directory, for the web API', () => {
    const d = build(sample());
    const alice = d.extensions.get('101');
    if (alice === undefined) throw new Error('no 101');
    const good = alice.exceptions[0];
    if (good === undefined) throw new Error('no exception');
    expect(validateException(alice, good, d, 'exception')).toEqual([]);
    expect(
      validateException(
        { ...alice, mobile: null },
        { ...good, callerId: '06*a', action: { type: 'mobile', bounce: false } },
        d,
        'exception',
      ).map((p) => [p.path, p.code]),
    ).toEqual([
      ['exception.callerId', 'pattern.unknown-word'],
      ['exception.action.type', 'directory.mobile-without-number'],
    ]);
  });

  it('refuses a new rule to the mobile only while the extension has no mobile number', () => {
    const d = build(sample());
    const alice = d.extensions.get('101');
    if (alice === undefined) throw new Error('no 101');
    const mobile = { type: 'mobile', bounce: false } as const;
    expect(checkMobileAvailable(alice, mobile, 'action')).toEqual([]);
    expect(checkMobileAvailable({ ...alice, mobile: null }, mobile, 'action')).toEqual([
      {
        path: 'action.type',
        code: 'directory.mobile-without-number',
        params: { extension: '101' },
      },
    ]);
    expect(checkMobileAvailable({ ...alice, mobile: null }, { type: 'busy' }, 'action')).toEqual(
      [],
    );
    expect(message('fr', 'directory.mobile-without-number', { extension: '101' })).toContain(
      'mobile',
    );
  });
});

describe('problem paths', () => {
  it('quotes keys that are not names and reads them back', () => {
    const path = at(at(at(at('', 'trunks'), 0), 'inbound'), '04.42 "x"');
    expect(path).toBe('trunks[0].inbound["04.42 \\"x\\""]');
    expect(parsePath(path)).toEqual(['trunks', 0, 'inbound', '04.42 "x"']);
    expect(parsePath('officeHours.sat,sun[1]')).toEqual(['officeHours', 'sat,sun', 1]);
  });
});

describe('toDocument', () => {
  it('leaves out defaults', () => {
    const doc = toDocument(build(sample()));
    expect(doc).toEqual({
      officeHours: { 'mon-fri': ['09:00-12:30', '14:00-18:00'] },
      extensions: [
        { number: '100', name: 'Secrétariat', password: 'change-me-100' },
        {
          number: '101',
          name: 'Alice Martin',
          password: 'change-me-101',
          mobile: '06 11 22 33 44',
          voicemailPin: '1234',
          exceptions: [
            { callerId: '06* 07*', action: { type: 'extension', target: '100', voicemail: true } },
            {
              callerId: '06 00 00 00 00',
              action: { type: 'external', number: '04 42 93 06 98', bounce: true },
            },
            { callerId: '*', hours: 'outside-office', action: { type: 'mobile', bounce: true } },
          ],
        },
      ],
      ringGroups: [{ number: '800', name: 'Accueil', members: ['100', '101'] }],
      trunks: [
        { name: 'carrier', host: '127.0.0.1', port: 5080, inbound: { '0442000000': '800' } },
      ],
    });
    expect(Value.Check(DirectoryDocumentSchema, doc)).toBe(true);
  });

  it('round-trips a directory using every field', () => {
    const doc = sample();
    Object.assign(doc, {
      country: 'BE',
      timezone: 'Europe/Brussels',
      language: 'en',
      maxExceptions: 20,
      holidays: ['2026-12-25', { date: '2027-01-01', name: "Jour de l'an" }],
      outboundPolicy: { allow: ['mobile', 'fixed', 'international'] },
      outsideCalls: { allow: true, concurrent: 3, perMinute: 20, keepDays: 0 },
    });
    Object.assign(ext(doc, 0), {
      status: 'dnd',
      language: 'fr',
      role: 'admin',
      ringTimeout: 35,
      forwarding: { dnd: { type: 'busy' }, noAnswer: { type: 'system', target: '800' } },
      email: 'secretariat@example.com',
      deleteAfterEmail: true,
    });
    Object.assign(ext(doc, 1), { mobile: '+32 470 12 34 56' });
    doc.smtp = {
      host: 'smtp.example.net',
      port: 2525,
      security: 'tls',
      username: 'pbx',
      passwordSealed: `$aes256gcm$${'A'.repeat(16)}$${'B'.repeat(22)}==$${'C'.repeat(8)}`,
      from: 'renvoi@example.com',
    };
    ext(doc, 1).exceptions = [
      {
        callerId: 'anonymous',
        hours: 'outside-specific',
        periods: { sat: ['09:00-12:00'] },
        statuses: ['dnd', 'away'],
        enabled: false,
        action: { type: 'busy' },
      },
      { callerId: '+33 6*', action: { type: 'external', number: '+49 151 12345678' } },
      { callerId: '*', action: { type: 'voicemail', mailbox: '100' } },
    ];
    Object.assign((doc.ringGroups as Ext[])[0] as Ext, {
      strategy: 'hunt',
      timeout: 15,
      fallback: { type: 'extension', target: '101', voicemail: true },
    });
    doc.trunks = [
      {
        name: 'carrier',
        host: 'sip.example.net',
        port: 5061,
        transport: 'tcp',
        username: 'acme',
        password: 'secret',
        numberFormat: 'e164',
        trusted: true,
        inbound: { '02 123 45 67': '800', '+33 4 42 00 00 00': '101' },
      },
    ];
    const d = build(doc);
    const exported = toDocument(d);
    expect(Value.Check(DirectoryDocumentSchema, exported)).toBe(true);
    expect(build(JSON.parse(JSON.stringify(exported)))).toEqual(d);
    expect(exported.trunks?.[0]?.inbound).toEqual({ '021234567': '800', '0033442000000': '101' });
  });

  it('round-trips generated directories', () => {
    const numberArb = fc.integer({ min: 100, max: 999 }).map(String);
    const actionArb = (numbers: string[], groups: string[], self: string) =>
      fc.oneof(
        fc.constant({ type: 'voicemail' }),
        fc.boolean().map((bounce) => ({ type: 'mobile', bounce })),
        fc
          .tuple(fc.constantFrom(...numbers), fc.boolean())
          .filter(([target]) => target !== self)
          .map(([target, voicemail]) => ({ type: 'extension', target, voicemail })),
        fc
          .tuple(fc.constantFrom('04 42 93 06 98', '+33612345678', '01.23.45.67.89'), fc.boolean())
          .map(([number, bounce]) => ({ type: 'external', number, bounce })),
        ...(groups.length > 0
          ? [fc.constantFrom(...groups).map((target) => ({ type: 'system', target }))]
          : []),
        fc.constant({ type: 'busy' }),
      );
    const docArb = fc
      .record({
        extNumbers: fc.uniqueArray(numberArb, { minLength: 2, maxLength: 6 }),
        groupCount: fc.integer({ min: 0, max: 2 }),
        language: fc.constantFrom('fr', 'en'),
      })
      .chain(({ extNumbers, groupCount, language }) => {
        const groups = Array.from({ length: groupCount }, (_, i) => String(8000 + i));
        const extensionArb = (number: string) =>
          fc.record({
            number: fc.constant(number),
            name: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
            password: fc.string({ minLength: 8, maxLength: 20 }),
            mobile: fc.constantFrom('06 11 22 33 44', '+33 7 81 23 45 67'),
            ringTimeout: fc.integer({ min: 5, max: 600 }),
            status: fc.constantFrom('available', 'away', 'dnd', 'lunch', 'business-trip'),
            language: fc.constantFrom('fr', 'en'),
            role: fc.constantFrom('user', 'admin'),
            forwarding: fc.record(
              {
                busy: actionArb(extNumbers, groups, number),
                lunch: actionArb(extNumbers, groups, number),
              },
              { requiredKeys: [] },
            ),
            exceptions: fc.array(
              fc.record({
                callerId: fc.constantFrom(
                  '06* 07*',
                  '*',
                  'anonymous',
                  '101 102',
                  '+33 4 42 ??',
                  'internal',
                ),
                action: actionArb(extNumbers, groups, number),
                hours: fc.constantFrom('all', 'office', 'outside-office'),
                statuses: fc.uniqueArray(fc.constantFrom('available', 'dnd', 'away')),
                enabled: fc.boolean(),
              }),
              { maxLength: 15 },
            ),
          });
        return fc.record({
          language: fc.constant(language),
          officeHours: fc.constant({ 'mon-fri': ['09:00-18:00'] }),
          extensions: fc.tuple(...extNumbers.map(extensionArb)),
          ringGroups: fc.tuple(
            ...groups.map((number) =>
              fc.record({
                number: fc.constant(number),
                name: fc.constant(`Group ${number}`),
                strategy: fc.constantFrom('ring-all', 'hunt'),
                members: fc.shuffledSubarray(extNumbers, { minLength: 1 }),
                timeout: fc.integer({ min: 5, max: 600 }),
              }),
            ),
          ),
        });
      });
    fc.assert(
      fc.property(docArb, (doc) => {
        const d = build(doc);
        expect(build(toDocument(d))).toEqual(d);
      }),
      { numRuns: 100 },
    );
  });
});

describe('voicemail by e-mail', () => {
  it('reads addresses people write and refuses the rest, naming them', () => {
    for (const good of ['alice@example.com', 'a.b+vm@mail.example.co.uk', "o'neil@example.fr"]) {
      const doc = sample();
      ext(doc, 0).email = ` ${good} `;
      expect(build(doc).extensions.get('100')?.email).toBe(good);
    }
    for (const bad of ['alice', 'alice@', '@example.com', 'a b@example.com', 'a@b@example.com']) {
      const doc = sample();
      ext(doc, 0).email = bad;
      const result = buildDirectory(doc);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems).toEqual([
        { path: 'extensions[0].email', code: 'directory.bad-email', params: { value: bad } },
      ]);
      expect(describeProblem('fr', result.problems[0] as Problem)).toContain(bad);
    }
  });

  it('takes a blank address as none, as a cleared field', () => {
    const doc = sample();
    ext(doc, 0).email = '  ';
    expect(build(doc).extensions.get('100')?.email).toBeNull();
  });

  it('gives the relay its default port for each way of securing it', () => {
    const port = (security: string) => {
      const doc = sample();
      doc.smtp = { host: 'mail.example.com', from: 'pbx@example.com', security };
      return build(doc).settings.smtp?.port;
    };
    expect([port('starttls'), port('tls'), port('none')]).toEqual([587, 465, 25]);
  });

  it('exports a password typed in clear only before it is stored, and a sealed one as such', () => {
    const doc = sample();
    doc.smtp = {
      host: 'mail.example.com',
      from: 'pbx@example.com',
      username: 'pbx',
      password: 'pw',
    };
    const built = build(doc);
    expect(built.settings.smtp?.password).toEqual({ plain: 'pw' });
    const sealed = `$aes256gcm$${'A'.repeat(16)}$${'B'.repeat(22)}==$${'C'.repeat(8)}`;
    if (built.settings.smtp !== null) built.settings.smtp.password = { sealed };
    const exported = toDocument(built);
    expect(exported.smtp).toEqual({
      host: 'mail.example.com',
      from: 'pbx@example.com',
      username: 'pbx',
      passwordSealed: sealed,
    });
    expect(JSON.stringify(exported)).not.toContain('"pw"');
  });
});

describe('passwords and PINs as hashes', () => {
  const pinHash = `$scrypt$N=16384,r=8,p=1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;

  it('exports stored hashes under names of their own, which import reads back', () => {
    const doc = sample();
    const built = build(doc);
    const alice = built.extensions.get('101');
    if (alice === undefined) throw new Error('no 101');
    alice.password = { digests: passwordDigests('101', 'change-me-101') };
    alice.voicemailPin = { hash: pinHash };
    const exported = toDocument(built);
    const entry = exported.extensions?.[1];
    expect(entry?.password).toBeUndefined();
    expect(entry?.voicemailPin).toBeUndefined();
    expect(entry?.passwordHash).toBe(formatPasswordHash(passwordDigests('101', 'change-me-101')));
    expect(entry?.voicemailPinHash).toBe(pinHash);
    expect(JSON.stringify(exported)).not.toContain('change-me-101');
    expect(Value.Check(DirectoryDocumentSchema, exported)).toBe(true);
    const again = build(exported).extensions.get('101');
    expect(again?.password).toEqual(alice.password);
    expect(again?.voicemailPin).toEqual({ hash: pinHash });
  });

  it('takes a password typed into an exported document over the hash beside it', () => {
    const doc = sample();
    Object.assign(ext(doc, 1), {
      passwordHash: formatPasswordHash(passwordDigests('101', 'old-password-101')),
      password: 'new-password-101',
      voicemailPinHash: pinHash,
      voicemailPin: '4321',
    });
    const alice = build(doc).extensions.get('101');
    expect(alice?.password).toEqual({ plain: 'new-password-101' });
    expect(alice?.voicemailPin).toEqual({ plain: '4321' });
  });

  it('needs a password or its hash', () => {
    const doc = sample();
    delete ext(doc, 0).password;
    const result = buildDirectory(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => [p.path, p.code])).toContainEqual([
        'extensions[0].password',
        'directory.required',
      ]);
    }
  });
});
