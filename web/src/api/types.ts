/** The shapes of /work/api-contract.md, as the web client reads them. */

export type Language = 'fr' | 'en';
export type Role = 'user' | 'admin';

export const STATUSES = ['available', 'away', 'dnd', 'lunch', 'business-trip'] as const;
export type Status = (typeof STATUSES)[number];

export const HOURS = ['all', 'office', 'outside-office', 'specific', 'outside-specific'] as const;
export type Hours = (typeof HOURS)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const ACTION_TYPES = [
  'voicemail',
  'extension',
  'system',
  'mobile',
  'external',
  'busy',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export type Action =
  | { type: 'voicemail'; mailbox?: string }
  | { type: 'extension'; target: string; voicemail: boolean }
  | { type: 'system'; target: string }
  | { type: 'mobile'; bounce: boolean }
  | { type: 'external'; number: string; bounce: boolean }
  | { type: 'busy' };

/** An entry of a user's contacts or of the phonebook (ContactSchema). */
export interface Contact {
  name: string;
  numbers: string[];
  groups?: string[];
}

export interface Session {
  extension: string;
  name: string;
  role: Role;
  language: Language;
  csrfToken: string;
}

export const FORWARDING_KEYS = [
  'noAnswer',
  'busy',
  'away',
  'dnd',
  'lunch',
  'businessTrip',
] as const;
export type ForwardingKey = (typeof FORWARDING_KEYS)[number];
export type Forwarding = Record<ForwardingKey, Action | null>;

export interface ExtensionInfo {
  number: string;
  name: string;
  mobile: string | null;
  status: Status;
  language: Language;
  ringTimeout: number;
  forwarding: Forwarding;
  maxExceptions: number;
  hasMobile: boolean;
  hasVoicemailPin: boolean;
  /** The status calls go by now: `status`, one chosen until a time, or the schedule's. */
  effectiveStatus: { status: Status; source: 'set' | 'until' | 'schedule'; until: string | null };
  statusSchedule: { status: Status; hours: Hours; periods: Period[] }[];
  /** Where new voicemail messages are sent, or null. */
  email: string | null;
  deleteAfterEmail: boolean;
}

/** GET /api/admin/mail: the relay, and voicemail e-mails that failed and are not delivered. */
export interface MailFailures {
  smtp: { host: string; port: number; security: string } | null;
  failures: {
    id: string;
    mailbox: string;
    recipient: string;
    receivedAt: string;
    state: 'pending' | 'failed';
    attempts: number;
    nextAttemptAt: string | null;
    error: string;
  }[];
}

export interface Targets {
  extensions: { number: string; name: string }[];
  system: { number: string; name: string; kind: 'ring-group' | 'extension' }[];
}

export interface Period {
  days: Weekday[];
  from: string;
  to: string;
}

export interface Warning {
  code: string;
  message: string;
}

/** Fires only for the same caller's `calls`-th call within `minutes`. */
export interface Repeat {
  calls: number;
  minutes: number;
}

export interface ExceptionBody {
  callerId: string;
  hours: Hours;
  periods: Period[];
  statuses: Status[];
  enabled: boolean;
  /** "Du … au …": local "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM", or null. */
  from: string | null;
  until: string | null;
  repeat: Repeat | null;
  action: Action;
}

export interface ExceptionItem extends ExceptionBody {
  index: number;
  validity: 'not-yet' | 'valid' | 'expired';
  summary: { callerId: string; hours: string; action: string };
  warnings: Warning[];
}

export interface ExceptionList {
  max: number;
  exceptions: ExceptionItem[];
}

export type PatternKind =
  | 'any'
  | 'exact'
  | 'prefix'
  | 'suffix'
  | 'contains'
  | 'wildcard'
  | 'anonymous'
  | 'internal'
  | 'external'
  | 'contacts'
  | 'phonebook'
  | 'group'
  | 'unknown';

export interface ParsedCallerId {
  ok: boolean;
  patterns: { text: string; kind: PatternKind; canonical: string; description: string }[];
  errors: { message: string; start: number; end: number }[];
}

/** A plan step as `renvoi simulate --json` prints it (design §4). */
export type Step =
  | { do: 'ring'; extensions: string[]; timeout: number }
  | { do: 'dial'; number: string; presentation: 'caller' | 'anonymous'; timeout: number | null }
  | { do: 'announce'; prompt: string; extension?: string }
  | { do: 'voicemail'; mailbox: string }
  | { do: 'busy' };

export interface Simulation {
  to: string;
  from: string;
  /** The caller's name in the user's contacts or the phonebook. */
  fromName: string | null;
  exception: number | null;
  action: Action | null;
  plan: Step[];
  trace: unknown[];
  sentence: string;
}

export interface VoicemailMessage {
  id: string;
  caller: string;
  callerDisplay: string;
  callerName: string | null;
  receivedAt: string;
  durationMs: number;
  read: boolean;
}

/** How a call ended (the PBX's call history); null while it lasts. */
export type CallOutcome =
  | 'answered'
  | 'busy'
  | 'no-answer'
  | 'cancelled'
  | 'failed'
  | 'unavailable'
  | 'voicemail'
  | 'interrupted';

export interface CallRecord {
  id: string;
  caller: string;
  callerDisplay: string;
  callerName: string | null;
  callee: string;
  startedAt: string;
  endedAt: string | null;
  outcome: CallOutcome | null;
  exception: number | null;
  plan: Step[];
  sentence: string;
}

export interface Problem {
  path: string;
  message: string;
}

export type LiveEvent =
  | { type: 'voicemail'; extension: string }
  | { type: 'status'; extension: string; status: Status }
  | { type: 'directory' }
  | { type: 'mail' };
