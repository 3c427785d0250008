/**
 * The domain model of Renvoi (design §1–§4). Pure data: no I/O, no clock.
 * Names follow the glossary of design §1.
 */
import type { SipPassword, VoicemailPin } from './credentials.js';

/** ISO 3166-1 alpha-2 country, as libphonenumber-js knows it ("FR"). */
export type Country = string;

export type Language = 'fr' | 'en';

export const STATUSES = ['available', 'away', 'dnd', 'lunch', 'business-trip'] as const;
export type Status = (typeof STATUSES)[number];

export type Role = 'user' | 'admin';

// ---------------------------------------------------------------------------
// Caller-ID patterns (design §2)

/**
 * One pattern of the "Appels de l'ID d'appelant" field, as understood.
 * - `any`: `*` alone, every caller.
 * - `number`: a digit pattern. `canonical` is the form compared with external callers' canonical
 *   E.164 ("+336*"), or null when the pattern has no national or international form (a short number
 *   such as "101"); `raw` is the digits and wildcards as typed without formatting ("06*"), compared
 *   with extension numbers and with external callers' digits as received.
 * - `anonymous` | `internal` | `external`: the special words.
 * - `contacts` | `phonebook` | `group` | `unknown`: who the caller is rather than their digits
 *   (issue 13 §2): in the called user's contacts, in the company phonebook, in a contact group of
 *   either (`name` folded to lower case), or in neither.
 */
export type CallerPattern =
  | { kind: 'any' }
  | { kind: 'number'; raw: string; canonical: string | null }
  | { kind: 'anonymous' }
  | { kind: 'internal' }
  | { kind: 'external' }
  | { kind: 'contacts' }
  | { kind: 'phonebook' }
  | { kind: 'group'; name: string }
  | { kind: 'unknown' };

/** A person or company in the phonebook or in a user's contacts. */
export interface Contact {
  name: string;
  /** As written; matched through their canonical form, as caller-ID patterns are. */
  numbers: string[];
  /** Group names as written; `group:NAME` patterns compare them folded to lower case. */
  groups: string[];
}

/**
 * Where a caller was found, for the extension whose exceptions are being evaluated: the first
 * matching entry of that user's contacts and of the phonebook, and the groups of every match.
 */
export interface CallerBook {
  personal: Contact | null;
  phonebook: Contact | null;
  groups: ReadonlySet<string>;
}

/** Who is calling, normalised once per call. */
export type Caller =
  | { kind: 'internal'; extension: string }
  /**
   * `e164`: the canonical form every written form of the caller shares: E.164 for a phone
   * number, the same "+CC…" rewrite for other digits written with "+", the IDD or the national
   * prefix, null for digits with no such form (short codes). `digits`: as received.
   */
  | { kind: 'external'; e164: string | null; digits: string }
  | { kind: 'anonymous' };

// ---------------------------------------------------------------------------
// Time

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes since local midnight, [start, end). end may be 1440. */
export interface TimeRange {
  start: number;
  end: number;
}

/** Periods per weekday, in the system's time zone. A day absent or empty has no period. */
export type WeeklySchedule = Partial<Record<Weekday, TimeRange[]>>;

export const HOURS = ['all', 'office', 'outside-office', 'specific', 'outside-specific'] as const;
export type Hours = (typeof HOURS)[number];

/** A public holiday or closure day: counted as outside office hours all day. */
export interface Holiday {
  /** Local date "YYYY-MM-DD". */
  date: string;
  name?: string;
}

// ---------------------------------------------------------------------------
// Actions (design §1, §4)

/**
 * Who the called party sees when the PBX forwards a call out through a trunk (issue 13 §5): the
 * caller's number, the company's number (the trunk's first inbound number), the forwarding
 * extension's outbound number (the trunk's inbound number that rings it, else the company's), or
 * a private number (RFC 3323).
 */
export const PRESENT_CALLER_IDS = ['caller', 'company', 'extension', 'private'] as const;
export type PresentCallerId = (typeof PRESENT_CALLER_IDS)[number];

/**
 * Options of a forward to a mobile or external number. Absent `presentCallerId`: private with a
 * bounce (design §4), else the trunk's choice. `confirm` (issue 13 §4): the answering person must
 * press 1, so that a mobile's own voicemail does not take the call.
 */
export interface ForwardOptions {
  presentCallerId?: PresentCallerId;
  confirm?: boolean;
}

export type Action =
  /** `mailbox` is absent for an extension's own box; ring-group fallbacks name one. */
  | { type: 'voicemail'; mailbox?: string }
  | ({ type: 'mobile'; bounce: boolean } & ForwardOptions)
  | { type: 'extension'; target: string; voicemail: boolean }
  | ({ type: 'external'; number: string; bounce: boolean } & ForwardOptions)
  | { type: 'system'; target: string }
  | { type: 'busy' };

export type ActionType = Action['type'];

export interface ForwardingException {
  /** The caller-ID text exactly as the user wrote it. */
  callerId: string;
  /** `callerId` as understood; never empty. */
  patterns: CallerPattern[];
  hours: Hours;
  /** Used when `hours` is `specific` or `outside-specific`. */
  periods: WeeklySchedule;
  /** Empty: whatever the status. */
  statuses: Status[];
  enabled: boolean;
  /**
   * Validity, as written: a local date ("2026-12-20") or date-time ("2026-12-20T08:00") in the
   * directory's time zone, or null for no bound. A date `until` includes that whole day.
   */
  from: string | null;
  until: string | null;
  /** Fires only for a caller's `calls`-th call (or later) to the extension within `minutes`. */
  repeat: Repeat | null;
  action: Action;
}

export interface Repeat {
  calls: number;
  minutes: number;
}

/** An earlier call from the same caller, from the call history (the router passes them in). */
export interface PastCall {
  /** The history's call id. */
  id: string;
  /** Epoch ms the call started. */
  at: number;
  /** Extension or ring-group number it called. */
  called: string;
}

/** Where calls go when no exception fires (design §3). */
export interface StatusForwarding {
  /** Available, rang for ringTimeout, not answered. */
  noAnswer: Action;
  /** Busy or not registered. */
  busy: Action;
  away: Action;
  dnd: Action;
  lunch: Action;
  'business-trip': Action;
}

export interface Extension {
  number: string;
  name: string;
  /** SIP and web password: in clear from a document, as digests once stored (credentials.ts). */
  password: SipPassword;
  /** As written by the user, or null. */
  mobile: string | null;
  /** In clear from a document, as a hash once stored. */
  voicemailPin: VoicemailPin | null;
  /** Seconds. */
  ringTimeout: number;
  status: Status;
  language: Language;
  role: Role;
  forwarding: StatusForwarding;
  exceptions: ForwardingException[];
  /** Where a new voicemail message is sent (issue 13 §7), or null: not sent. */
  email: string | null;
  /** The message leaves the mailbox once its e-mail is delivered. */
  deleteAfterEmail: boolean;
  /** A status chosen until an instant, then back to `status` (issue 13 §6); null: none. */
  temporaryStatus: TemporaryStatus | null;
  /** Statuses taken by themselves while `status` is available; the first that holds wins. */
  statusSchedule: ScheduledStatus[];
  /** The user's own contacts (issue 13 §2). */
  contacts: Contact[];
}

export interface TemporaryStatus {
  status: Status;
  /** Epoch ms: from then on, `status` again. */
  until: number;
}

/** "Away outside office hours", "Lunch 12:30–14:00". */
export interface ScheduledStatus {
  status: Status;
  hours: Hours;
  /** Used when `hours` is `specific` or `outside-specific`. */
  periods: WeeklySchedule;
}

/** Where the status routing uses comes from: chosen, chosen until a time, or the schedule. */
export type StatusSource = 'set' | 'until' | 'schedule';

export const RING_STRATEGIES = ['ring-all', 'hunt'] as const;
export type RingStrategy = (typeof RING_STRATEGIES)[number];

/** A system extension (design glossary "Extension système"). */
export interface RingGroup {
  number: string;
  name: string;
  strategy: RingStrategy;
  members: string[];
  /** Seconds: the whole group for ring-all, each member for hunt. */
  timeout: number;
  fallback: Action;
}

export const NUMBER_FORMATS = ['e164', 'national', 'international'] as const;
/** How a trunk wants numbers: "+33612345678", "0612345678", "0033612345678". */
export type NumberFormat = (typeof NUMBER_FORMATS)[number];

export interface Trunk {
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** With a username the trunk registers; without, it is IP-authenticated. */
  username: string | null;
  password: string | null;
  numberFormat: NumberFormat;
  /** A trusted trunk receives P-Asserted-Identity on anonymous calls (RFC 3325). */
  trusted: boolean;
  /** What forwarded calls present through this trunk unless the exception says; absent: caller. */
  presentCallerId?: PresentCallerId;
  /**
   * The carrier refuses a From or P-Asserted-Identity that is not one of the trunk's own inbound
   * numbers (issue 13 §5): presenting the caller's number is reported by `check`.
   */
  ownNumbersOnly?: boolean;
  /** Inbound numbers (DIDs, canonical E.164) → extension or ring-group number. */
  inbound: Record<string, string>;
}

export const NUMBER_CLASSES = [
  'fixed',
  'mobile',
  'toll-free',
  'shared-cost',
  'premium-rate',
  'voip',
  'international',
  'other',
] as const;
/** What the outbound policy allows or refuses (design §5). */
export type NumberClass = (typeof NUMBER_CLASSES)[number];

export interface OutboundPolicy {
  allow: NumberClass[];
}

/**
 * SIP calls from an address that is neither a trunk nor an authenticated extension (issue 14).
 * Refused by default: such a caller is challenged like anyone else, whatever it dials, so nothing
 * tells a scanner which numbers exist.
 */
export interface OutsideCalls {
  allow: boolean;
  /** Calls one source address may have in progress at once. */
  concurrent: number;
  /** Calls one source address may start within a minute. */
  perMinute: number;
  /** Days the history keeps an outside caller's calls that nobody answered. */
  keepDays: number;
}

export interface Settings {
  country: Country;
  timezone: string;
  officeHours: WeeklySchedule;
  holidays: Holiday[];
  outboundPolicy: OutboundPolicy;
  /** 15 as in 3CX; an admin may raise it. */
  maxExceptions: number;
  language: Language;
  outsideCalls: OutsideCalls;
  /** The relay voicemail e-mails go through; null: none configured, nothing is sent. */
  smtp: SmtpSettings | null;
}

/** STARTTLS upgrade (RFC 3207), TLS from the first byte (RFC 8314 §3.3), or neither. */
export const SMTP_SECURITIES = ['starttls', 'tls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITIES)[number];

/**
 * The relay's password: in clear as a document or form gives it, sealed (encrypted with the
 * PBX's own key, store/sealed-secret.ts) once stored. The clear form never reaches the store.
 */
export type SmtpPassword = { plain: string } | { sealed: string };

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** SMTP AUTH (RFC 4954) user; null: the relay takes mail without it. */
  username: string | null;
  password: SmtpPassword | null;
  /** The sender address of the e-mails. */
  from: string;
}

/** The whole configuration, validated. Keyed by number for O(1) lookups. */
export interface Directory {
  settings: Settings;
  extensions: Map<string, Extension>;
  ringGroups: Map<string, RingGroup>;
  trunks: Trunk[];
  /** The company phonebook, shared by all. */
  phonebook: Contact[];
}

// ---------------------------------------------------------------------------
// Routing (design §4)

export type Prompt = 'locating' | 'unavailable';

/** The identity a `dial` step presents: `PresentCallerId` with `private` as RFC 3323 says it. */
export type DialPresentation = 'caller' | 'company' | 'extension' | 'anonymous';

export type Step =
  | { do: 'ring'; extensions: string[]; timeout: number }
  | {
      do: 'dial';
      /** Canonical E.164. */
      number: string;
      presentation: DialPresentation;
      /** Seconds, or null: until the far end answers or gives up. */
      timeout: number | null;
      /** The extension whose forward this is (its outbound number, its name in `confirm`). */
      extension?: string;
      /** The answering person must press 1 before the caller is connected (issue 13 §4). */
      confirm?: boolean;
    }
  | { do: 'announce'; prompt: Prompt; extension?: string }
  | { do: 'voicemail'; mailbox: string }
  | { do: 'busy' };

/** Live state of an extension at decision time; absent means idle. */
export type ExtensionState = 'idle' | 'busy' | 'offline';

export interface IncomingCall {
  /** Extension or ring-group number called. */
  to: string;
  from: Caller;
  /** Overrides the extension's stored status (e.g. `renvoi simulate --status`). */
  status?: Status;
  states?: Readonly<Record<string, ExtensionState>>;
  /**
   * The caller's earlier calls, for `repeat` conditions: at least those of the last
   * `maxRepeatMinutes(directory)` minutes. Absent: none.
   */
  recentCalls?: readonly PastCall[];
  /**
   * The caller came over SIP from an address that is neither a trunk nor an authenticated
   * extension: its caller ID is only its own claim, so it never makes the PBX dial out.
   */
  outsideSip?: boolean;
}

/**
 * One line of the explanation. `code` names what happened; the other fields are its parameters,
 * rendered into words by the i18n layer.
 */
export interface TraceEntry {
  code: TraceCode;
  extension?: string;
  /** 0-based exception index in that extension's list. */
  exception?: number;
  target?: string;
  status?: Status;
  hours?: Hours;
  number?: string;
  reason?: string;
  /** `exception-dates-mismatch`: the bound not met, as written. */
  from?: string;
  until?: string;
  /** `status-until`: when the temporary status ends (epoch ms), and the status after it. */
  statusUntil?: number;
  after?: Status;
  /** `exception-repeat-*`: calls counted (this one included), needed, window, earlier calls. */
  repeat?: { count: number; calls: number; minutes: number; earlier: PastCall[] };
  /** `caller-contact`: the caller's name, and whose book it is in. */
  contact?: string;
  book?: 'contacts' | 'phonebook';
  /** `caller-id-presented`: the identity a forward presents, and the number shown (none: private). */
  presentation?: DialPresentation;
}

export type TraceCode =
  | 'exception-matched'
  | 'exception-disabled'
  | 'exception-caller-mismatch'
  | 'exception-hours-mismatch'
  | 'exception-status-mismatch'
  | 'exception-not-yet'
  | 'exception-expired'
  | 'exception-repeat-mismatch'
  | 'exception-repeat-reached'
  | 'exception-broken'
  /** Before `exception-matched`, for an exception naming the books (contacts, group:, unknown). */
  | 'caller-contact'
  | 'caller-unknown'
  /** A status-forwarding destination or ring-group fallback that cannot be carried out. */
  | 'forwarding-broken'
  | 'no-exception'
  /** The extension's status is a temporary one (`status-until`) or its schedule's. */
  | 'status-until'
  | 'status-scheduled'
  | 'status-forwarding'
  | 'follow-extension'
  | 'follow-system'
  | 'loop-detected'
  | 'hop-limit'
  | 'unknown-destination'
  | 'outbound-refused'
  /** A forward to a mobile or external number, refused to an outside SIP caller. */
  | 'outside-no-dial'
  /** What the called party of a forward through a trunk sees (issue 13 §5). */
  | 'caller-id-presented'
  /** The call was transferred (RFC 3515) by `extension` to `target`. */
  | 'transferred';

export interface Decision {
  to: string;
  /** 0-based index of the exception that fired in the called extension's list, or null. */
  exception: number | null;
  action: Action | null;
  plan: Step[];
  trace: TraceEntry[];
}

// ---------------------------------------------------------------------------
// Errors

/**
 * A problem with user input, located and coded so the UI can say it in the user's language.
 * `path` is where in a document or form, e.g. "extensions[1].exceptions[0].callerId".
 */
export interface Problem {
  path: string;
  code: string;
  params: Record<string, string | number>;
}
