/**
 * The API's shapes as the web client reads them. Those the API describes with a TypeBox schema
 * (src/api/schemas.ts) are that schema's static type: a change to the API's contract is a type
 * error here, not a surprise at run time. The imports are type-only, so nothing of the server
 * reaches the bundle (test/e2e/web-contract.test.ts checks the built client).
 *
 * An action and a plan step are the domain's unions (src/domain/types.ts): the API's schemas say
 * them loosely (one object with optional fields, for one validation error naming every field),
 * but it only ever answers with well-formed ones, which the pages narrow by `type` and `do`.
 * The lists the pages offer stay here, as values, checked against the domain's.
 */
import type { Static } from '@fastify/type-provider-typebox';
import type * as Api from '../../../src/api/schemas.js';
import type * as Domain from '../../../src/domain/types.js';
import type { Action, Step } from '../../../src/domain/types.js';
import type { PatternKind } from '../../../src/api/views.js';
import type { ContactSchema } from '../../../src/domain/contacts-document.js';
import type { CallOutcome } from '../../../src/store/call-history-repository.js';

type WithAction<T> = Omit<T, 'action'> & { action: Action };

export type Language = Static<typeof Api.LanguageSchema>;
export type Role = Session['role'];

export const STATUSES = [
  'available',
  'away',
  'dnd',
  'lunch',
  'business-trip',
] as const satisfies readonly Domain.Status[];
export type Status = (typeof STATUSES)[number];

export const HOURS = [
  'all',
  'office',
  'outside-office',
  'specific',
  'outside-specific',
] as const satisfies readonly Domain.Hours[];
export type Hours = (typeof HOURS)[number];

export const WEEKDAYS = [
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
] as const satisfies readonly Domain.Weekday[];
export type Weekday = (typeof WEEKDAYS)[number];

export const ACTION_TYPES = [
  'voicemail',
  'extension',
  'system',
  'mobile',
  'external',
  'busy',
] as const satisfies readonly Action['type'][];
export type ActionType = (typeof ACTION_TYPES)[number];

/** An action and a plan step (design §4) are the domain's own: the API answers them as they are. */
export type { Action, Step };
export type PresentCallerId = Domain.PresentCallerId;
export const PRESENT_CALLER_IDS = [
  'caller',
  'company',
  'extension',
  'private',
] as const satisfies readonly PresentCallerId[];

/** An entry of a user's contacts or of the phonebook. */
export type Contact = Static<typeof ContactSchema>;

export type Session = Static<typeof Api.SessionSchema>;

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

/** GET /api/extensions/:ext: the status calls go by now, the schedule, voicemail by e-mail. */
export type ExtensionInfo = Omit<Static<typeof Api.ExtensionSchema>, 'forwarding'> & {
  forwarding: Forwarding;
};

/** GET /api/admin/mail: the relay, and voicemail e-mails that failed and are not delivered. */
export type MailFailures = Static<typeof Api.MailFailuresSchema>;

export type Targets = Static<typeof Api.TargetsSchema>;

export type Period = Static<typeof Api.PeriodSchema>;

export type ExceptionItem = WithAction<Static<typeof Api.ExceptionSchema>>;

export type Warning = ExceptionItem['warnings'][number];

/** Fires only for the same caller's `calls`-th call within `minutes`. */
export type Repeat = NonNullable<ExceptionItem['repeat']>;

/** What the exception form sends: every field of the API's body, none left to its default. */
export type ExceptionBody = WithAction<Required<Static<typeof Api.ExceptionBodySchema>>>;

export interface ExceptionList {
  max: Static<typeof Api.ExceptionListSchema>['max'];
  exceptions: ExceptionItem[];
}

/** The shape of one caller-ID pattern, as the API's parse view names it. */
export type { PatternKind };

/** `kind` is one of PatternKind: the API's schema says it as text. */
export type ParsedCallerId = Omit<Static<typeof Api.ParsedCallerIdSchema>, 'patterns'> & {
  patterns: (Static<typeof Api.ParsedCallerIdSchema>['patterns'][number] & {
    kind: PatternKind;
  })[];
};

export type Simulation = Omit<Static<typeof Api.SimulationSchema>, 'action' | 'plan'> & {
  action: Action | null;
  plan: Step[];
};

export type VoicemailMessage = Static<typeof Api.VoicemailMessageSchema>;

/** How a call ended (the PBX's call history); null while it lasts. */
export type { CallOutcome };

/** The API says a plan step and an outcome loosely (objects and text); these are their kinds. */
export type CallRecord = Omit<Static<typeof Api.CallRecordSchema>, 'outcome' | 'plan'> & {
  outcome: CallOutcome | null;
  plan: Step[];
};

/** One problem of a 400 answer, worded in the reader's language. */
export type Problem = NonNullable<Static<typeof Api.ErrorSchema>['problems']>[number];

/** What /api/events sends: the PBX's live events as they are. */
export type { LiveEvent } from '../../../src/pbx/events.js';
