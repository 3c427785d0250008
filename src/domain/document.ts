/**
 * The directory document (design §6): the YAML or JSON an admin imports and exports. Reading it
 * collects every problem, each located by its path; writing it leaves out what equals a default,
 * so that exports stay short and `buildDirectory(toDocument(d))` gives back `d`. Pure: no I/O.
 */
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { isSupportedCountry } from 'libphonenumber-js';
import type {
  Action,
  Directory,
  Extension,
  ForwardingException,
  Holiday,
  Language,
  NumberClass,
  OutsideCalls,
  Problem,
  Repeat,
  RingGroup,
  ScheduledStatus,
  Settings,
  StatusForwarding,
  TemporaryStatus,
  Trunk,
  WeeklySchedule,
} from './types.js';
import {
  HOURS,
  NUMBER_CLASSES,
  NUMBER_FORMATS,
  PRESENT_CALLER_IDS,
  RING_STRATEGIES,
  STATUSES,
} from './types.js';
import {
  FORWARD_OPTION_KEYS,
  TRUNK_CALLER_ID_KEYS,
  forwardOptionsDocument,
  readForwardOptions,
  readTrunkCallerId,
  trunkCallerIdDocument,
} from './forward-options.js';
import { canonicalNumber, formatNumber } from './numbers.js';
import { parseCallerId } from './patterns.js';
import { formatSchedule, isValidTimeZone, parseSchedule } from './schedule.js';
import { at } from './problem-path.js';
import { PIN_HASH, REALM, formatPasswordHash, parsePasswordHash } from './credentials.js';
import type { SipPassword, VoicemailPin } from './credentials.js';
import { REPEAT_CALLS, REPEAT_MINUTES } from './validity.js';
import { parseInstant } from './zoned-time.js';
import { MAX_PERSONAL_CONTACTS, MAX_PHONEBOOK } from './contacts.js';
import { ContactSchema, contactDocument, readContacts } from './contacts-document.js';
import { SmtpDocumentSchema, readExtensionMail, readSmtp, smtpDocument } from './mail-settings.js';
import { checkAction, checkExceptionRules, checkOutsideNumber, placeProblems } from './validate.js';

// ---------------------------------------------------------------------------
// Schema: the shape of a document (for types and API descriptions). buildDirectory does not use it
// to validate, because it reports each mistake with its own code, path and wording.

const strict = { additionalProperties: false } as const;
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const Literals = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)));

/** Extension and ring-group numbers: a YAML integer such as 101 is accepted. */
const NumberDoc = Type.Union([Type.String(), Type.Integer()]);
const ScheduleDoc = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Array(Type.String())]),
);

export const ActionSchema = Type.Union([
  Type.Object({ type: Type.Literal('voicemail'), mailbox: Opt(NumberDoc) }, strict),
  Type.Object(
    {
      type: Type.Literal('mobile'),
      bounce: Opt(Type.Boolean()),
      presentCallerId: Opt(Literals(PRESENT_CALLER_IDS)),
      confirm: Opt(Type.Boolean()),
    },
    strict,
  ),
  Type.Object(
    { type: Type.Literal('extension'), target: NumberDoc, voicemail: Opt(Type.Boolean()) },
    strict,
  ),
  Type.Object(
    {
      type: Type.Literal('external'),
      number: Type.String(),
      bounce: Opt(Type.Boolean()),
      presentCallerId: Opt(Literals(PRESENT_CALLER_IDS)),
      confirm: Opt(Type.Boolean()),
    },
    strict,
  ),
  Type.Object({ type: Type.Literal('system'), target: NumberDoc }, strict),
  Type.Object({ type: Type.Literal('busy') }, strict),
]);
export type ActionDocument = Static<typeof ActionSchema>;

const FORWARDING_KEYS = ['noAnswer', 'busy', 'away', 'dnd', 'lunch', 'business-trip'] as const;

export const ExceptionSchema = Type.Object(
  {
    callerId: Type.String(),
    action: ActionSchema,
    hours: Opt(Literals(HOURS)),
    periods: Opt(ScheduleDoc),
    statuses: Opt(Type.Array(Literals(STATUSES))),
    enabled: Opt(Type.Boolean()),
    from: Opt(
      Type.String({ description: 'local date or date-time: 2026-12-20, 2026-12-20T08:00' }),
    ),
    until: Opt(Type.String({ description: 'local date (whole day included) or date-time' })),
    repeat: Opt(Type.Object({ calls: Type.Integer(), minutes: Type.Integer() }, strict)),
  },
  strict,
);
export type ExceptionDocument = Static<typeof ExceptionSchema>;

export const ScheduledStatusSchema = Type.Object(
  { status: Literals(STATUSES), hours: Opt(Literals(HOURS)), periods: Opt(ScheduleDoc) },
  strict,
);
export type ScheduledStatusDocument = Static<typeof ScheduledStatusSchema>;

export const ExtensionSchema = Type.Object(
  {
    number: NumberDoc,
    name: Type.String(),
    /** password (in clear) or else passwordHash (as exported). */
    password: Opt(Type.String()),
    passwordHash: Opt(Type.String()),
    mobile: Opt(Type.String()),
    voicemailPin: Opt(Type.String()),
    voicemailPinHash: Opt(Type.String()),
    ringTimeout: Opt(Type.Integer()),
    status: Opt(Literals(STATUSES)),
    language: Opt(Literals(['fr', 'en'] as const)),
    role: Opt(Literals(['user', 'admin'] as const)),
    forwarding: Opt(
      Type.Partial(
        Type.Object(Object.fromEntries(FORWARDING_KEYS.map((k) => [k, ActionSchema])), strict),
      ),
    ),
    exceptions: Opt(Type.Array(ExceptionSchema)),
    temporaryStatus: Opt(
      Type.Object(
        {
          status: Literals(STATUSES),
          until: Type.String({ description: 'local date-time, or ISO 8601 with an offset' }),
        },
        strict,
      ),
    ),
    statusSchedule: Opt(Type.Array(ScheduledStatusSchema)),
    contacts: Opt(Type.Array(ContactSchema)),
    email: Opt(Type.String({ description: 'where new voicemail messages are sent' })),
    deleteAfterEmail: Opt(Type.Boolean()),
  },
  strict,
);
export type ExtensionDocument = Static<typeof ExtensionSchema>;

export const RingGroupSchema = Type.Object(
  {
    number: NumberDoc,
    name: Type.String(),
    strategy: Opt(Literals(RING_STRATEGIES)),
    members: Type.Array(NumberDoc),
    timeout: Opt(Type.Integer()),
    fallback: Opt(ActionSchema),
  },
  strict,
);
export type RingGroupDocument = Static<typeof RingGroupSchema>;

export const TrunkSchema = Type.Object(
  {
    name: Type.String(),
    host: Type.String(),
    port: Opt(Type.Integer()),
    transport: Opt(Literals(['udp', 'tcp'] as const)),
    username: Opt(Type.String()),
    password: Opt(Type.String()),
    numberFormat: Opt(Literals(NUMBER_FORMATS)),
    trusted: Opt(Type.Boolean()),
    presentCallerId: Opt(Literals(PRESENT_CALLER_IDS)),
    ownNumbersOnly: Opt(Type.Boolean()),
    inbound: Opt(Type.Record(Type.String(), NumberDoc)),
  },
  strict,
);
export type TrunkDocument = Static<typeof TrunkSchema>;

export const DirectoryDocumentSchema = Type.Object(
  {
    country: Opt(Type.String()),
    timezone: Opt(Type.String()),
    language: Opt(Literals(['fr', 'en'] as const)),
    maxExceptions: Opt(Type.Integer()),
    officeHours: Opt(ScheduleDoc),
    holidays: Opt(
      Type.Array(
        Type.Union([
          Type.String(),
          Type.Object({ date: Type.String(), name: Opt(Type.String()) }, strict),
        ]),
      ),
    ),
    outboundPolicy: Opt(Type.Object({ allow: Type.Array(Literals(NUMBER_CLASSES)) }, strict)),
    outsideCalls: Opt(
      Type.Object(
        {
          allow: Opt(Type.Boolean()),
          concurrent: Opt(Type.Integer()),
          perMinute: Opt(Type.Integer()),
          keepDays: Opt(Type.Integer()),
        },
        strict,
      ),
    ),
    extensions: Opt(Type.Array(ExtensionSchema)),
    ringGroups: Opt(Type.Array(RingGroupSchema)),
    trunks: Opt(Type.Array(TrunkSchema)),
    phonebook: Opt(Type.Array(ContactSchema)),
    smtp: Opt(SmtpDocumentSchema),
  },
  strict,
);
export type DirectoryDocument = Static<typeof DirectoryDocumentSchema>;

// ---------------------------------------------------------------------------
// Defaults

export const DEFAULT_COUNTRY = 'FR';
export const DEFAULT_TIMEZONE = 'Europe/Paris';
export const DEFAULT_LANGUAGE: Language = 'fr';
/** 3CX's limit (design §3). */
export const DEFAULT_MAX_EXCEPTIONS = 15;
export const MAX_EXCEPTIONS_LIMIT = 100;
export const DEFAULT_OUTBOUND_ALLOW: readonly NumberClass[] = ['fixed', 'mobile'];
/** Outside SIP calls refused; when allowed, a few at once per address (a person, not a robot). */
export const DEFAULT_OUTSIDE_CALLS: Readonly<OutsideCalls> = {
  allow: false,
  concurrent: 2,
  perMinute: 10,
  keepDays: 30,
};
const OUTSIDE_CALLS_RANGES = {
  concurrent: { min: 1, max: 10_000 },
  perMinute: { min: 1, max: 1_000_000 },
  keepDays: { min: 0, max: 3650 },
} as const;
export const DEFAULT_RING_TIMEOUT = 20;
export const DEFAULT_GROUP_TIMEOUT = 20;
export const DEFAULT_SIP_PORT = 5060;
export const MIN_PASSWORD_LENGTH = 8;
const TIMEOUT_RANGE = { min: 5, max: 600 } as const;

export function defaultSettings(): Settings {
  return {
    country: DEFAULT_COUNTRY,
    timezone: DEFAULT_TIMEZONE,
    officeHours: {},
    holidays: [],
    outboundPolicy: { allow: [...DEFAULT_OUTBOUND_ALLOW] },
    maxExceptions: DEFAULT_MAX_EXCEPTIONS,
    language: DEFAULT_LANGUAGE,
    outsideCalls: { ...DEFAULT_OUTSIDE_CALLS },
    smtp: null,
  };
}

export function defaultForwarding(): StatusForwarding {
  return {
    noAnswer: { type: 'voicemail' },
    busy: { type: 'voicemail' },
    away: { type: 'voicemail' },
    dnd: { type: 'voicemail' },
    lunch: { type: 'voicemail' },
    'business-trip': { type: 'voicemail' },
  };
}

/** A ring group without a fallback leaves a message in its first member's box. */
export function defaultGroupFallback(members: readonly string[]): Action {
  const first = members[0];
  return first === undefined ? { type: 'voicemail' } : { type: 'voicemail', mailbox: first };
}

// ---------------------------------------------------------------------------
// Reading: every reader records its problems and returns a usable value (a default when the input
// is wrong), so that one mistake does not hide the others nor cause follow-on problems.

type Obj = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? '[…]' : '{…}';
  return JSON.stringify(value);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

export class Reader {
  readonly problems: Problem[] = [];

  add(path: string, code: string, params: Problem['params'] = {}): void {
    this.problems.push({ path, code, params });
  }

  mapping(value: unknown, path: string): Obj | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, 'directory.not-object', { value: describe(value) });
      return null;
    }
    return value as Obj;
  }

  /** A mapping with only `keys`; each unknown key is reported, with the closest known one. */
  object(value: unknown, path: string, keys: readonly string[]): Obj | null {
    if (this.mapping(value, path) === null) return null;
    for (const key of Object.keys(value as Obj)) {
      if (keys.includes(key)) continue;
      const closest = keys.map((k) => ({ k, d: distance(key, k) })).sort((a, b) => a.d - b.d)[0];
      if (closest !== undefined && closest.d <= Math.max(1, Math.floor(key.length / 3))) {
        this.add(at(path, key), 'directory.unknown-key-suggest', { key, suggestion: closest.k });
      } else {
        this.add(at(path, key), 'directory.unknown-key', { key, allowed: keys.join(', ') });
      }
    }
    return value as Obj;
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.add(path, 'directory.not-list', { value: describe(value) });
      return [];
    }
    return value;
  }

  string(value: unknown, path: string, fallback: string): string {
    if (typeof value === 'string') return value;
    if (value === undefined || value === null) this.add(path, 'directory.required');
    else this.add(path, 'directory.not-string', { value: describe(value) });
    return fallback;
  }

  /** Text that must be given and not blank. */
  text(value: unknown, path: string): string {
    const text = this.string(value, path, '');
    if (typeof value === 'string' && text.trim() === '') this.add(path, 'directory.empty');
    return text;
  }

  /**
   * Digits that may start with 0 (a phone number, a PIN): a YAML integer has already lost its
   * leading 0, so it is refused with a hint to quote it.
   */
  quoted(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number') {
      this.add(path, 'directory.quote-it', { value: String(value) });
      return null;
    }
    return this.string(value, path, '');
  }

  integer(value: unknown, path: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(path, 'directory.not-integer', { value: describe(value) });
      return fallback;
    }
    if (value < min || value > max) {
      this.add(path, 'directory.out-of-range', { value, min, max });
      return fallback;
    }
    return value;
  }

  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.add(path, 'directory.not-boolean', { value: describe(value) });
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) {
      return value as T;
    }
    this.add(path, 'directory.not-one-of', { value: describe(value), allowed: allowed.join(', ') });
    return fallback;
  }

  /** An extension or ring-group number: 2 to 6 digits; a YAML integer is read as its digits. */
  number(value: unknown, path: string): string | null {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) value = String(value);
    if (value === undefined || value === null) {
      this.add(path, 'directory.required');
      return null;
    }
    if (typeof value !== 'string' || !/^\d{2,6}$/.test(value)) {
      this.add(path, 'directory.bad-extension-number', {
        value: typeof value === 'string' ? value : describe(value),
      });
      return null;
    }
    return value;
  }

  schedule(value: unknown, path: string): WeeklySchedule {
    if (value === undefined) return {};
    const parsed = parseSchedule(value, path);
    if (parsed.ok) return parsed.schedule;
    this.problems.push(...parsed.problems);
    return {};
  }

  repeat(value: unknown, path: string): Repeat | null {
    if (value === undefined) return null;
    const obj = this.object(value, path, ['calls', 'minutes']);
    if (obj === null) return null;
    const read = (key: 'calls' | 'minutes', range: { min: number; max: number }) => {
      if (obj[key] === undefined) this.add(at(path, key), 'directory.required');
      return this.integer(obj[key], at(path, key), range.min, range.min, range.max);
    };
    return { calls: read('calls', REPEAT_CALLS), minutes: read('minutes', REPEAT_MINUTES) };
  }

  action(value: unknown, path: string): Action | null {
    const obj = this.object(value, path, [
      'type',
      'mailbox',
      'bounce',
      'target',
      'voicemail',
      'number',
      ...FORWARD_OPTION_KEYS,
    ]);
    if (obj === null) return null;
    const types = ['voicemail', 'mobile', 'extension', 'external', 'system', 'busy'] as const;
    if (obj.type === undefined) {
      this.add(at(path, 'type'), 'directory.required');
      return null;
    }
    const type = this.oneOf(obj.type, at(path, 'type'), types, 'busy');
    if (type !== obj.type) return null;
    const allowed: Record<(typeof types)[number], readonly string[]> = {
      voicemail: ['mailbox'],
      mobile: ['bounce', ...FORWARD_OPTION_KEYS],
      extension: ['target', 'voicemail'],
      external: ['number', 'bounce', ...FORWARD_OPTION_KEYS],
      system: ['target'],
      busy: [],
    };
    for (const key of Object.keys(obj)) {
      if (key !== 'type' && !allowed[type].includes(key)) {
        this.add(at(path, key), 'directory.key-not-for-action', { key, type });
      }
    }
    switch (type) {
      case 'voicemail': {
        if (obj.mailbox === undefined) return { type };
        const mailbox = this.number(obj.mailbox, at(path, 'mailbox'));
        return mailbox === null ? null : { type, mailbox };
      }
      case 'mobile':
        return {
          type,
          bounce: this.boolean(obj.bounce, at(path, 'bounce'), false),
          ...readForwardOptions(this, obj, path),
        };
      case 'extension': {
        const target = this.number(obj.target, at(path, 'target'));
        const voicemail = this.boolean(obj.voicemail, at(path, 'voicemail'), false);
        return target === null ? null : { type, target, voicemail };
      }
      case 'external': {
        const number = this.quoted(obj.number, at(path, 'number'));
        if (obj.number === undefined || obj.number === null)
          this.add(at(path, 'number'), 'directory.required');
        const bounce = this.boolean(obj.bounce, at(path, 'bounce'), false);
        const options = readForwardOptions(this, obj, path);
        return number === null ? null : { type, number, bounce, ...options };
      }
      case 'system': {
        const target = this.number(obj.target, at(path, 'target'));
        return target === null ? null : { type, target };
      }
      case 'busy':
        return { type };
    }
  }
}

function readSettings(r: Reader, doc: Obj): Settings {
  const settings = defaultSettings();
  if (doc.country !== undefined) {
    const country = r.string(doc.country, 'country', DEFAULT_COUNTRY).toUpperCase();
    if (isSupportedCountry(country)) settings.country = country;
    else if (typeof doc.country === 'string')
      r.add('country', 'directory.bad-country', { value: doc.country });
  }
  if (doc.timezone !== undefined) {
    const timezone = r.string(doc.timezone, 'timezone', DEFAULT_TIMEZONE);
    if (isValidTimeZone(timezone)) settings.timezone = timezone;
    else r.add('timezone', 'directory.bad-timezone', { value: timezone });
  }
  settings.language = r.oneOf(doc.language, 'language', ['fr', 'en'] as const, DEFAULT_LANGUAGE);
  settings.maxExceptions = r.integer(
    doc.maxExceptions,
    'maxExceptions',
    DEFAULT_MAX_EXCEPTIONS,
    1,
    MAX_EXCEPTIONS_LIMIT,
  );
  settings.officeHours = r.schedule(doc.officeHours, 'officeHours');
  settings.holidays = readHolidays(r, doc.holidays);
  if (doc.outboundPolicy !== undefined) {
    const policy = r.object(doc.outboundPolicy, 'outboundPolicy', ['allow']);
    if (policy !== null) {
      const allow: NumberClass[] = [];
      r.list(policy.allow, 'outboundPolicy.allow').forEach((item, i) => {
        const path = at('outboundPolicy.allow', i);
        const numberClass = r.oneOf(item, path, NUMBER_CLASSES, 'other');
        if (numberClass !== item) return;
        if (allow.includes(numberClass)) r.add(path, 'directory.duplicate', { value: numberClass });
        else allow.push(numberClass);
      });
      settings.outboundPolicy = { allow };
    }
  }
  settings.outsideCalls = readOutsideCalls(r, doc.outsideCalls);
  settings.smtp = readSmtp(r, doc.smtp);
  return settings;
}

function readOutsideCalls(r: Reader, value: unknown): OutsideCalls {
  const outside = { ...DEFAULT_OUTSIDE_CALLS };
  if (value === undefined) return outside;
  const obj = r.object(value, 'outsideCalls', OUTSIDE_CALLS_KEYS);
  if (obj === null) return outside;
  outside.allow = r.boolean(obj.allow, 'outsideCalls.allow', outside.allow);
  for (const key of ['concurrent', 'perMinute', 'keepDays'] as const) {
    const { min, max } = OUTSIDE_CALLS_RANGES[key];
    outside[key] = r.integer(obj[key], at('outsideCalls', key), outside[key], min, max);
  }
  return outside;
}

function isRealDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text;
}

function readHolidays(r: Reader, value: unknown): Holiday[] {
  const holidays: Holiday[] = [];
  r.list(value, 'holidays').forEach((item, i) => {
    const path = at('holidays', i);
    let holiday: Holiday;
    if (typeof item === 'string') {
      holiday = { date: item };
    } else {
      const obj = r.object(item, path, ['date', 'name']);
      if (obj === null) return;
      holiday = { date: r.string(obj.date, at(path, 'date'), '') };
      if (obj.name !== undefined) holiday.name = r.text(obj.name, at(path, 'name'));
      if (typeof obj.date !== 'string') return;
    }
    const datePath = typeof item === 'string' ? path : at(path, 'date');
    if (!isRealDate(holiday.date)) {
      r.add(datePath, 'directory.bad-date', { value: holiday.date });
    } else if (holidays.some((h) => h.date === holiday.date)) {
      r.add(datePath, 'directory.duplicate', { value: holiday.date });
    } else {
      holidays.push(holiday);
    }
  });
  return holidays;
}

const EXTENSION_KEYS = [
  'number',
  'name',
  'password',
  'passwordHash',
  'mobile',
  'voicemailPin',
  'voicemailPinHash',
  'ringTimeout',
  'status',
  'language',
  'role',
  'forwarding',
  'exceptions',
  'temporaryStatus',
  'statusSchedule',
  'contacts',
  'email',
  'deleteAfterEmail',
] as const;
const EXCEPTION_KEYS = [
  'callerId',
  'action',
  'hours',
  'periods',
  'statuses',
  'enabled',
  'from',
  'until',
  'repeat',
] as const;
const GROUP_KEYS = ['number', 'name', 'strategy', 'members', 'timeout', 'fallback'] as const;
const TRUNK_KEYS = [
  'name',
  'host',
  'port',
  'transport',
  'username',
  'password',
  'numberFormat',
  'trusted',
  ...TRUNK_CALLER_ID_KEYS,
  'inbound',
] as const;
const OUTSIDE_CALLS_KEYS = ['allow', 'concurrent', 'perMinute', 'keepDays'] as const;
const DOCUMENT_KEYS = [
  'country',
  'timezone',
  'language',
  'maxExceptions',
  'officeHours',
  'holidays',
  'outboundPolicy',
  'outsideCalls',
  'extensions',
  'ringGroups',
  'trunks',
  'phonebook',
  'smtp',
] as const;

/** `password` in clear or else `passwordHash` as exported. */
function readPassword(r: Reader, obj: Obj, path: string): SipPassword {
  // A password typed into an exported document replaces the hash it holds.
  if (obj.passwordHash !== undefined && obj.password === undefined) {
    const text = r.string(obj.passwordHash, at(path, 'passwordHash'), '');
    const digests = parsePasswordHash(text);
    if (digests !== null) return { digests };
    if (typeof obj.passwordHash === 'string') {
      r.add(at(path, 'passwordHash'), 'directory.bad-password-hash', { realm: REALM });
    }
    return { plain: '' };
  }
  const plain = r.string(obj.password, at(path, 'password'), '');
  if (typeof obj.password === 'string' && plain.length < MIN_PASSWORD_LENGTH) {
    r.add(at(path, 'password'), 'directory.password-too-short', { min: MIN_PASSWORD_LENGTH });
  }
  return { plain };
}

/** `voicemailPin` in clear or else `voicemailPinHash` as exported, or neither. */
function readPin(r: Reader, obj: Obj, path: string): VoicemailPin | null {
  if (obj.voicemailPinHash !== undefined && obj.voicemailPin === undefined) {
    const text = r.string(obj.voicemailPinHash, at(path, 'voicemailPinHash'), '');
    if (PIN_HASH.test(text)) return { hash: text };
    if (typeof obj.voicemailPinHash === 'string') {
      r.add(at(path, 'voicemailPinHash'), 'directory.bad-pin-hash');
    }
    return null;
  }
  const plain = r.quoted(obj.voicemailPin, at(path, 'voicemailPin'));
  if (plain === null) return null;
  if (!/^\d{4,10}$/.test(plain)) {
    r.add(at(path, 'voicemailPin'), 'directory.bad-pin', { value: plain });
    return null;
  }
  return { plain };
}

/** "Until 14:00, then back": a status and the instant it ends (local to the zone, or absolute). */
function readTemporaryStatus(
  r: Reader,
  value: unknown,
  path: string,
  settings: Settings,
): TemporaryStatus | null {
  if (value === undefined || value === null) return null;
  const obj = r.object(value, path, ['status', 'until']);
  if (obj === null) return null;
  if (obj.status === undefined) r.add(at(path, 'status'), 'directory.required');
  const status = r.oneOf(obj.status, at(path, 'status'), STATUSES, 'available');
  const text = r.string(obj.until, at(path, 'until'), '');
  const until = typeof obj.until === 'string' ? parseInstant(text, settings.timezone) : null;
  if (typeof obj.until === 'string' && until === null) {
    r.add(at(path, 'until'), 'directory.bad-instant', { value: text });
  }
  return until === null || status !== obj.status ? null : { status, until: until.getTime() };
}

/** One entry of the weekly schedule of statuses. */
function readScheduledStatus(r: Reader, value: unknown, path: string): ScheduledStatus | null {
  const obj = r.object(value, path, ['status', 'hours', 'periods']);
  if (obj === null) return null;
  if (obj.status === undefined) r.add(at(path, 'status'), 'directory.required');
  const status = r.oneOf(obj.status, at(path, 'status'), STATUSES, 'available');
  if (status === 'available' && obj.status === 'available') {
    r.add(at(path, 'status'), 'directory.schedule-available');
  }
  const periods = r.schedule(obj.periods, at(path, 'periods'));
  const given = !isEmptySchedule(periods);
  const hours = r.oneOf(obj.hours, at(path, 'hours'), HOURS, given ? 'specific' : 'all');
  const specific = hours === 'specific' || hours === 'outside-specific';
  if (specific && !given && obj.periods === undefined) {
    r.add(at(path, 'periods'), 'directory.periods-required', { hours });
  } else if (!specific && given) {
    r.add(at(path, 'periods'), 'directory.periods-not-allowed', { hours });
  }
  return status === obj.status ? { status, hours, periods } : null;
}

/** An extension as read, with the parts semantic checks need to locate and skip. */
interface ReadExtension {
  path: string;
  extension: Extension;
  /** False when the number is unreadable: the extension is checked but not part of the directory. */
  numbered: boolean;
  /** Forwarding actions that were readable, with their paths, for semantic checks. */
  actions: { action: Action; path: string }[];
  mobileReadable: boolean;
}

function readExtension(
  r: Reader,
  value: unknown,
  path: string,
  settings: Settings,
): ReadExtension | null {
  const obj = r.object(value, path, EXTENSION_KEYS);
  if (obj === null) return null;
  const number = r.number(obj.number, at(path, 'number'));
  const name = r.text(obj.name, at(path, 'name'));
  const password = readPassword(r, obj, path);
  const mobile = r.quoted(obj.mobile, at(path, 'mobile'));
  const voicemailPin = readPin(r, obj, path);
  const forwarding = defaultForwarding();
  const actions: ReadExtension['actions'] = [];
  if (obj.forwarding !== undefined) {
    const fwd = r.object(obj.forwarding, at(path, 'forwarding'), FORWARDING_KEYS);
    if (fwd !== null) {
      for (const key of FORWARDING_KEYS) {
        if (fwd[key] === undefined) continue;
        const actionPath = at(at(path, 'forwarding'), key);
        const action = r.action(fwd[key], actionPath);
        if (action !== null) {
          forwarding[key] = action;
          actions.push({ action, path: actionPath });
        }
      }
    }
  }
  const extension: Extension = {
    number: number ?? '',
    name,
    password,
    // An unreadable mobile (reported) still counts as given, so "mobile" actions are not refused too;
    // an empty one is no mobile, as when a form's field is cleared.
    mobile:
      obj.mobile === undefined || obj.mobile === null || obj.mobile === ''
        ? null
        : (mobile ?? String(obj.mobile)),
    voicemailPin,
    ringTimeout: r.integer(
      obj.ringTimeout,
      at(path, 'ringTimeout'),
      DEFAULT_RING_TIMEOUT,
      TIMEOUT_RANGE.min,
      TIMEOUT_RANGE.max,
    ),
    status: r.oneOf(obj.status, at(path, 'status'), STATUSES, 'available'),
    language: r.oneOf(obj.language, at(path, 'language'), ['fr', 'en'] as const, settings.language),
    role: r.oneOf(obj.role, at(path, 'role'), ['user', 'admin'] as const, 'user'),
    forwarding,
    exceptions: [],
    temporaryStatus: readTemporaryStatus(
      r,
      obj.temporaryStatus,
      at(path, 'temporaryStatus'),
      settings,
    ),
    statusSchedule: r
      .list(obj.statusSchedule, at(path, 'statusSchedule'))
      .map((item, k) => readScheduledStatus(r, item, at(at(path, 'statusSchedule'), k)))
      .filter((entry): entry is ScheduledStatus => entry !== null),
    contacts: readContacts(
      obj.contacts,
      at(path, 'contacts'),
      settings.country,
      MAX_PERSONAL_CONTACTS,
      r.problems,
    ),
    ...readExtensionMail(r, obj, path),
  };
  r.list(obj.exceptions, at(path, 'exceptions')).forEach((item, j) => {
    const exPath = at(at(path, 'exceptions'), j);
    const ex = r.object(item, exPath, EXCEPTION_KEYS);
    if (ex === null) return;
    const callerIdText = typeof ex.callerId === 'string';
    const callerId = r.string(ex.callerId, at(exPath, 'callerId'), '');
    const parsed = callerIdText ? parseCallerId(callerId, settings.country) : null;
    if (parsed?.ok === false)
      r.problems.push(...placeProblems(parsed.problems, at(exPath, 'callerId')));
    if (ex.action === undefined) r.add(at(exPath, 'action'), 'directory.required');
    const action = ex.action === undefined ? null : r.action(ex.action, at(exPath, 'action'));
    const periods = r.schedule(ex.periods, at(exPath, 'periods'));
    // An unreadable `hours` falls back to what agrees with `periods`, so as to report it alone.
    const hours =
      ex.hours === undefined
        ? 'all'
        : r.oneOf(
            ex.hours,
            at(exPath, 'hours'),
            HOURS,
            isEmptySchedule(periods) ? 'all' : 'specific',
          );
    const statuses = r.list(ex.statuses, at(exPath, 'statuses')).map((s, k) => {
      if (typeof s !== 'string')
        r.add(at(at(exPath, 'statuses'), k), 'directory.not-string', { value: describe(s) });
      return typeof s === 'string' ? s : 'available';
    });
    extension.exceptions.push({
      callerId,
      patterns: parsed?.ok ? parsed.patterns : [],
      hours,
      periods,
      // checkExceptionRules reports the values outside STATUSES.
      statuses: statuses as ForwardingException['statuses'],
      enabled: r.boolean(ex.enabled, at(exPath, 'enabled'), true),
      // checkExceptionRules reports dates that are not dates.
      from: ex.from === undefined ? null : r.string(ex.from, at(exPath, 'from'), ''),
      until: ex.until === undefined ? null : r.string(ex.until, at(exPath, 'until'), ''),
      repeat: r.repeat(ex.repeat, at(exPath, 'repeat')),
      // A placeholder that no rule refuses: the unreadable action was reported when read.
      action: action ?? { type: 'busy' },
    });
  });
  return {
    path,
    extension,
    numbered: number !== null,
    actions,
    mobileReadable: typeof obj.mobile === 'string' && obj.mobile !== '',
  };
}

interface ReadGroup {
  path: string;
  group: RingGroup;
  numbered: boolean;
  fallbackGiven: boolean;
  fallbackOk: boolean;
  /** Members that were readable numbers, with their index in the document. */
  memberIndexes: number[];
}

function readGroup(r: Reader, value: unknown, path: string): ReadGroup | null {
  const obj = r.object(value, path, GROUP_KEYS);
  if (obj === null) return null;
  const number = r.number(obj.number, at(path, 'number'));
  const name = r.text(obj.name, at(path, 'name'));
  const members: string[] = [];
  const memberIndexes: number[] = [];
  if (obj.members === undefined) r.add(at(path, 'members'), 'directory.required');
  r.list(obj.members, at(path, 'members')).forEach((item, i) => {
    const member = r.number(item, at(at(path, 'members'), i));
    if (member === null) return;
    members.push(member);
    memberIndexes.push(i);
  });
  const fallbackGiven = obj.fallback !== undefined;
  const fallback = fallbackGiven ? r.action(obj.fallback, at(path, 'fallback')) : null;
  return {
    path,
    numbered: number !== null,
    fallbackGiven,
    fallbackOk: fallback !== null,
    memberIndexes,
    group: {
      number: number ?? '',
      name,
      strategy: r.oneOf(obj.strategy, at(path, 'strategy'), RING_STRATEGIES, 'ring-all'),
      members,
      timeout: r.integer(
        obj.timeout,
        at(path, 'timeout'),
        DEFAULT_GROUP_TIMEOUT,
        TIMEOUT_RANGE.min,
        TIMEOUT_RANGE.max,
      ),
      fallback: fallback ?? defaultGroupFallback(members),
    },
  };
}

interface ReadTrunk {
  path: string;
  trunk: Trunk;
  /** Inbound destinations by DID as read, with the document key for locating problems. */
  inbound: { key: string; destination: string }[];
}

function readTrunk(r: Reader, value: unknown, path: string, settings: Settings): ReadTrunk | null {
  const obj = r.object(value, path, TRUNK_KEYS);
  if (obj === null) return null;
  const username = obj.username === undefined ? null : r.text(obj.username, at(path, 'username'));
  const password = obj.password === undefined ? null : r.text(obj.password, at(path, 'password'));
  if ((username === null) !== (password === null)) {
    r.add(at(path, username === null ? 'username' : 'password'), 'directory.credentials-pair');
  }
  const trunk: Trunk = {
    name: r.text(obj.name, at(path, 'name')),
    host: r.text(obj.host, at(path, 'host')),
    port: r.integer(obj.port, at(path, 'port'), DEFAULT_SIP_PORT, 1, 65535),
    transport: r.oneOf(obj.transport, at(path, 'transport'), ['udp', 'tcp'] as const, 'udp'),
    username,
    password,
    numberFormat: r.oneOf(obj.numberFormat, at(path, 'numberFormat'), NUMBER_FORMATS, 'national'),
    trusted: r.boolean(obj.trusted, at(path, 'trusted'), false),
    ...readTrunkCallerId(r, obj, path),
    inbound: {},
  };
  const inbound: ReadTrunk['inbound'] = [];
  if (obj.inbound !== undefined) {
    const map = r.mapping(obj.inbound, at(path, 'inbound'));
    for (const [key, target] of Object.entries(map ?? {})) {
      const keyPath = at(at(path, 'inbound'), key);
      const destination = r.number(target, keyPath);
      const did = canonicalNumber(key, settings.country);
      if (did === null) {
        r.add(keyPath, 'directory.bad-did', { value: key });
      } else if (did in trunk.inbound) {
        r.add(keyPath, 'directory.duplicate-did', { value: key, did });
      } else if (destination !== null) {
        trunk.inbound[did] = destination;
        inbound.push({ key, destination });
      }
    }
  }
  return { path, trunk, inbound };
}

export type BuildResult = { ok: true; directory: Directory } | { ok: false; problems: Problem[] };

/**
 * Reads and validates a directory document (already parsed from YAML or JSON). Every problem is
 * reported, not only the first.
 */
export function buildDirectory(input: unknown): BuildResult {
  const r = new Reader();
  const doc = r.object(input, '', DOCUMENT_KEYS);
  if (doc === null) return { ok: false, problems: r.problems };
  const settings = readSettings(r, doc);

  const exts = r
    .list(doc.extensions, 'extensions')
    .map((item, i) => readExtension(r, item, at('extensions', i), settings))
    .filter((e): e is ReadExtension => e !== null);
  const groups = r
    .list(doc.ringGroups, 'ringGroups')
    .map((item, i) => readGroup(r, item, at('ringGroups', i)))
    .filter((g): g is ReadGroup => g !== null);
  const trunks = r
    .list(doc.trunks, 'trunks')
    .map((item, i) => readTrunk(r, item, at('trunks', i), settings))
    .filter((t): t is ReadTrunk => t !== null);

  const directory: Directory = {
    settings,
    extensions: new Map(),
    ringGroups: new Map(),
    trunks: trunks.map((t) => t.trunk),
    phonebook: readContacts(
      doc.phonebook,
      'phonebook',
      settings.country,
      MAX_PHONEBOOK,
      r.problems,
    ),
  };
  const numbers = new Map<string, string>();
  const claim = (number: string, path: string): boolean => {
    const first = numbers.get(number);
    if (first !== undefined) {
      r.add(at(path, 'number'), 'directory.duplicate-number', { value: number, first });
      return false;
    }
    numbers.set(number, path);
    return true;
  };
  for (const e of exts) {
    if (e.numbered && claim(e.extension.number, e.path)) {
      directory.extensions.set(e.extension.number, e.extension);
    }
  }
  for (const g of groups) {
    if (g.numbered && claim(g.group.number, g.path))
      directory.ringGroups.set(g.group.number, g.group);
  }
  const trunkNames = new Set<string>();
  for (const t of trunks) {
    if (t.trunk.name === '') continue;
    if (trunkNames.has(t.trunk.name)) {
      r.add(at(t.path, 'name'), 'directory.duplicate', { value: t.trunk.name });
    }
    trunkNames.add(t.trunk.name);
  }

  // Semantic rules, now that every number is known.
  for (const e of exts) {
    const ext = e.extension;
    if (ext.mobile !== null && e.mobileReadable) {
      r.problems.push(...checkOutsideNumber(ext.mobile, settings, at(e.path, 'mobile')));
    }
    const owner = { kind: 'extension', extension: ext } as const;
    for (const { action, path } of e.actions) {
      r.problems.push(...checkAction(action, owner, directory, path));
    }
    if (ext.exceptions.length > settings.maxExceptions) {
      r.add(at(e.path, 'exceptions'), 'directory.too-many-exceptions', {
        count: ext.exceptions.length,
        max: settings.maxExceptions,
      });
    }
    ext.exceptions.forEach((exception, j) => {
      const path = at(at(e.path, 'exceptions'), j);
      r.problems.push(...checkExceptionRules(ext, exception, directory, path));
    });
  }
  for (const g of groups) {
    const group = g.group;
    if (group.members.length === 0 && g.memberIndexes.length === 0) {
      r.add(at(g.path, 'members'), 'directory.empty-members');
    }
    const seen = new Set<string>();
    group.members.forEach((member, k) => {
      const path = at(at(g.path, 'members'), g.memberIndexes[k] ?? k);
      if (seen.has(member)) {
        r.add(path, 'directory.duplicate', { value: member });
      } else if (!directory.extensions.has(member)) {
        r.add(path, 'directory.unknown-extension', { value: member });
      }
      seen.add(member);
    });
    if (g.fallbackGiven ? g.fallbackOk : group.members.length > 0) {
      r.problems.push(
        ...checkAction(
          group.fallback,
          { kind: 'ring-group', group },
          directory,
          at(g.path, 'fallback'),
        ),
      );
    }
  }
  for (const t of trunks) {
    for (const { key, destination } of t.inbound) {
      if (!directory.extensions.has(destination) && !directory.ringGroups.has(destination)) {
        r.add(at(at(t.path, 'inbound'), key), 'directory.unknown-destination', {
          value: destination,
        });
      }
    }
  }

  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return { ok: true, directory };
}

// ---------------------------------------------------------------------------
// Writing

function actionDocument(action: Action): ActionDocument {
  switch (action.type) {
    case 'voicemail':
      return action.mailbox === undefined
        ? { type: 'voicemail' }
        : { type: 'voicemail', mailbox: action.mailbox };
    case 'mobile':
      return {
        type: 'mobile',
        ...(action.bounce ? { bounce: true } : {}),
        ...forwardOptionsDocument(action),
      };
    case 'extension':
      return action.voicemail
        ? { type: 'extension', target: action.target, voicemail: true }
        : { type: 'extension', target: action.target };
    case 'external':
      return {
        type: 'external',
        number: action.number,
        ...(action.bounce ? { bounce: true } : {}),
        ...forwardOptionsDocument(action),
      };
    case 'system':
      return { type: 'system', target: action.target };
    case 'busy':
      return { type: 'busy' };
  }
}

function sameAction(a: Action, b: Action): boolean {
  return JSON.stringify(actionDocument(a)) === JSON.stringify(actionDocument(b));
}

function isEmptySchedule(s: WeeklySchedule): boolean {
  return Object.values(s).every((ranges) => ranges.length === 0);
}

/**
 * A DID in the shortest form that reads back as the same number: national when it is in the
 * system's country, E.164 otherwise.
 */
function didDocument(e164: string, country: string): string {
  const national = formatNumber(e164, 'national', country);
  return canonicalNumber(national, country) === e164 ? national : e164;
}

/** The document of a directory, leaving out every value equal to its default. */
export function toDocument(directory: Directory): DirectoryDocument {
  const { settings } = directory;
  const doc: DirectoryDocument = {};
  if (settings.country !== DEFAULT_COUNTRY) doc.country = settings.country;
  if (settings.timezone !== DEFAULT_TIMEZONE) doc.timezone = settings.timezone;
  if (settings.language !== DEFAULT_LANGUAGE) doc.language = settings.language;
  if (settings.maxExceptions !== DEFAULT_MAX_EXCEPTIONS) doc.maxExceptions = settings.maxExceptions;
  if (!isEmptySchedule(settings.officeHours))
    doc.officeHours = formatSchedule(settings.officeHours);
  if (settings.holidays.length > 0) {
    doc.holidays = settings.holidays.map((h) =>
      h.name === undefined ? h.date : { date: h.date, name: h.name },
    );
  }
  if (settings.outboundPolicy.allow.join() !== DEFAULT_OUTBOUND_ALLOW.join()) {
    doc.outboundPolicy = { allow: [...settings.outboundPolicy.allow] };
  }
  const outside = Object.fromEntries(
    OUTSIDE_CALLS_KEYS.filter((k) => settings.outsideCalls[k] !== DEFAULT_OUTSIDE_CALLS[k]).map(
      (k) => [k, settings.outsideCalls[k]],
    ),
  ) as Partial<OutsideCalls>;
  if (Object.keys(outside).length > 0) doc.outsideCalls = outside;
  if (settings.smtp !== null) doc.smtp = smtpDocument(settings.smtp);

  const extensions: ExtensionDocument[] = [];
  for (const ext of directory.extensions.values()) {
    // A stored extension has only hashes: they are written as such, under names of their own, so
    // that nobody takes them for passwords and the import recognises them.
    const e: ExtensionDocument =
      'plain' in ext.password
        ? { number: ext.number, name: ext.name, password: ext.password.plain }
        : {
            number: ext.number,
            name: ext.name,
            passwordHash: formatPasswordHash(ext.password.digests),
          };
    if (ext.mobile !== null) e.mobile = ext.mobile;
    if (ext.voicemailPin !== null) {
      if ('plain' in ext.voicemailPin) e.voicemailPin = ext.voicemailPin.plain;
      else e.voicemailPinHash = ext.voicemailPin.hash;
    }
    if (ext.ringTimeout !== DEFAULT_RING_TIMEOUT) e.ringTimeout = ext.ringTimeout;
    if (ext.status !== 'available') e.status = ext.status;
    if (ext.language !== settings.language) e.language = ext.language;
    if (ext.role !== 'user') e.role = ext.role;
    const forwarding: Record<string, ActionDocument> = {};
    for (const key of FORWARDING_KEYS) {
      if (!sameAction(ext.forwarding[key], { type: 'voicemail' })) {
        forwarding[key] = actionDocument(ext.forwarding[key]);
      }
    }
    if (Object.keys(forwarding).length > 0) e.forwarding = forwarding;
    if (ext.temporaryStatus !== null) {
      e.temporaryStatus = {
        status: ext.temporaryStatus.status,
        until: new Date(ext.temporaryStatus.until).toISOString(),
      };
    }
    if (ext.statusSchedule.length > 0) {
      e.statusSchedule = ext.statusSchedule.map((entry) => {
        const doc: ScheduledStatusDocument = { status: entry.status };
        if (entry.hours !== (isEmptySchedule(entry.periods) ? 'all' : 'specific')) {
          doc.hours = entry.hours;
        }
        if (!isEmptySchedule(entry.periods)) doc.periods = formatSchedule(entry.periods);
        return doc;
      });
    }
    if (ext.email !== null) e.email = ext.email;
    if (ext.deleteAfterEmail) e.deleteAfterEmail = true;
    if (ext.exceptions.length > 0) {
      e.exceptions = ext.exceptions.map((exception) => {
        const x: ExceptionDocument = {
          callerId: exception.callerId,
          action: actionDocument(exception.action),
        };
        if (exception.hours !== 'all') x.hours = exception.hours;
        if (!isEmptySchedule(exception.periods)) x.periods = formatSchedule(exception.periods);
        if (exception.statuses.length > 0) x.statuses = [...exception.statuses];
        if (!exception.enabled) x.enabled = false;
        if (exception.from !== null) x.from = exception.from;
        if (exception.until !== null) x.until = exception.until;
        if (exception.repeat !== null) x.repeat = { ...exception.repeat };
        return x;
      });
    }
    if (ext.contacts.length > 0) e.contacts = ext.contacts.map(contactDocument);
    extensions.push(e);
  }
  if (extensions.length > 0) doc.extensions = extensions;

  const groups: RingGroupDocument[] = [];
  for (const group of directory.ringGroups.values()) {
    const g: RingGroupDocument = {
      number: group.number,
      name: group.name,
      members: [...group.members],
    };
    if (group.strategy !== 'ring-all') g.strategy = group.strategy;
    if (group.timeout !== DEFAULT_GROUP_TIMEOUT) g.timeout = group.timeout;
    if (!sameAction(group.fallback, defaultGroupFallback(group.members))) {
      g.fallback = actionDocument(group.fallback);
    }
    groups.push(g);
  }
  if (groups.length > 0) doc.ringGroups = groups;

  if (directory.trunks.length > 0) {
    doc.trunks = directory.trunks.map((trunk) => {
      const t: TrunkDocument = { name: trunk.name, host: trunk.host };
      if (trunk.port !== DEFAULT_SIP_PORT) t.port = trunk.port;
      if (trunk.transport !== 'udp') t.transport = trunk.transport;
      if (trunk.username !== null) t.username = trunk.username;
      if (trunk.password !== null) t.password = trunk.password;
      if (trunk.numberFormat !== 'national') t.numberFormat = trunk.numberFormat;
      if (trunk.trusted) t.trusted = true;
      Object.assign(t, trunkCallerIdDocument(trunk));
      const inbound = Object.entries(trunk.inbound);
      if (inbound.length > 0) {
        t.inbound = Object.fromEntries(
          inbound.map(([did, to]) => [didDocument(did, settings.country), to]),
        );
      }
      return t;
    });
  }
  if (directory.phonebook.length > 0) doc.phonebook = directory.phonebook.map(contactDocument);
  return doc;
}
