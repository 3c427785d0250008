/**
 * TypeBox schemas of the API's bodies and answers, for validation and the OpenAPI document. What
 * only the whole directory can judge (a caller-ID text, a target, the outbound policy) is left to
 * buildDirectory, which words each problem better than a schema could.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { TSchema } from '@fastify/type-provider-typebox';
import { HOURS, PRESENT_CALLER_IDS, STATUSES, WEEKDAYS } from '../domain/types.js';

/** A string among `values`, as one JSON-schema enum (one error naming them all). */
export function OneOf<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    ...(description === undefined ? {} : { description }),
  });
}

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LanguageSchema = OneOf(['fr', 'en'] as const);
export const StatusSchema = OneOf(STATUSES);

export const ErrorSchema = Type.Object({
  error: Type.String(),
  message: Type.String(),
  problems: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export const ActionSchema = Type.Object(
  {
    type: OneOf(['voicemail', 'mobile', 'extension', 'external', 'system', 'busy'] as const),
    mailbox: Type.Optional(Type.String()),
    target: Type.Optional(Type.String()),
    voicemail: Type.Optional(Type.Boolean()),
    number: Type.Optional(Type.String()),
    bounce: Type.Optional(Type.Boolean()),
    presentCallerId: Type.Optional(OneOf(PRESENT_CALLER_IDS)),
    confirm: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description:
      '{type:"voicemail"} | {type:"extension",target,voicemail} | {type:"system",target} | ' +
      '{type:"mobile",bounce,presentCallerId,confirm} | ' +
      '{type:"external",number,bounce,presentCallerId,confirm} | {type:"busy"}; ' +
      'presentCallerId: caller | company | extension | private (issue 13 §5); confirm: the ' +
      'answering person must press 1 (issue 13 §4)',
  },
);

export const PeriodSchema = Type.Object(
  {
    days: Type.Array(OneOf(WEEKDAYS), { minItems: 1, maxItems: 7 }),
    from: Type.String({ description: 'HH:MM' }),
    to: Type.String({ description: 'HH:MM (24:00 allowed)' }),
  },
  { additionalProperties: false },
);

/** "Du … au …": a local date or date-time in the directory's time zone; a date `until` is included. */
export const ValiditySchema = Nullable(
  Type.String({ maxLength: 40, description: 'YYYY-MM-DD or YYYY-MM-DDTHH:MM, local time' }),
);

export const RepeatSchema = Nullable(
  Type.Object(
    { calls: Type.Integer(), minutes: Type.Integer() },
    {
      additionalProperties: false,
      description: 'fires only for the same caller’s `calls`-th call within `minutes`',
    },
  ),
);

export const ExceptionBodySchema = Type.Object(
  {
    callerId: Type.String({ maxLength: 2000 }),
    hours: Type.Optional(OneOf(HOURS)),
    periods: Type.Optional(Type.Array(PeriodSchema, { maxItems: 100 })),
    statuses: Type.Optional(Type.Array(StatusSchema, { maxItems: 5 })),
    enabled: Type.Optional(Type.Boolean()),
    from: Type.Optional(ValiditySchema),
    until: Type.Optional(ValiditySchema),
    repeat: Type.Optional(RepeatSchema),
    action: ActionSchema,
  },
  { additionalProperties: false },
);

export const ExceptionPatchSchema = Type.Partial(ExceptionBodySchema, {
  additionalProperties: false,
});

export const ExceptionSchema = Type.Object({
  index: Type.Integer(),
  callerId: Type.String(),
  hours: OneOf(HOURS),
  periods: Type.Array(PeriodSchema),
  statuses: Type.Array(StatusSchema),
  enabled: Type.Boolean(),
  from: ValiditySchema,
  until: ValiditySchema,
  repeat: RepeatSchema,
  validity: OneOf(['not-yet', 'valid', 'expired'] as const),
  action: ActionSchema,
  summary: Type.Object({ callerId: Type.String(), hours: Type.String(), action: Type.String() }),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
});

export const ExceptionListSchema = Type.Object({
  max: Type.Integer(),
  exceptions: Type.Array(ExceptionSchema),
});

const Forwarding = Type.Object({
  noAnswer: Nullable(ActionSchema),
  busy: Nullable(ActionSchema),
  away: Nullable(ActionSchema),
  dnd: Nullable(ActionSchema),
  lunch: Nullable(ActionSchema),
  businessTrip: Nullable(ActionSchema),
});

export const ForwardingBodySchema = Type.Partial(Forwarding, { additionalProperties: false });

export const ExtensionSchema = Type.Object({
  number: Type.String(),
  name: Type.String(),
  mobile: Nullable(Type.String()),
  status: StatusSchema,
  language: LanguageSchema,
  role: OneOf(['user', 'admin'] as const),
  ringTimeout: Type.Integer(),
  forwarding: Forwarding,
  maxExceptions: Type.Integer(),
  hasMobile: Type.Boolean(),
  hasVoicemailPin: Type.Boolean(),
  effectiveStatus: Type.Object(
    {
      status: StatusSchema,
      source: OneOf(['set', 'until', 'schedule'] as const),
      until: Nullable(Type.String({ description: 'ISO 8601: when a status chosen "until" ends' })),
    },
    { description: 'the status calls are routed by now: `status`, a temporary one, or scheduled' },
  ),
  statusSchedule: Type.Array(
    Type.Object({ status: StatusSchema, hours: OneOf(HOURS), periods: Type.Array(PeriodSchema) }),
  ),
  email: Nullable(Type.String({ description: 'where new voicemail messages are sent' })),
  deleteAfterEmail: Type.Boolean({ description: 'a message leaves the mailbox once mailed' }),
});

export const ProfileBodySchema = Type.Object(
  {
    language: Type.Optional(LanguageSchema),
    mobile: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    voicemailPin: Type.Optional(Nullable(Type.String({ pattern: '^\\d{4,10}$' }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    deleteAfterEmail: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** A voicemail e-mail not delivered yet that failed, or one the relay refused for good. */
export const MailFailureSchema = Type.Object({
  id: Type.String({ description: 'the voicemail message' }),
  mailbox: Type.String(),
  recipient: Type.String(),
  receivedAt: Type.String({ description: 'ISO 8601: when the message was left' }),
  state: OneOf(['pending', 'failed'] as const, 'pending: tried again later; failed: refused'),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ description: 'ISO 8601; null once refused' })),
  error: Type.String({ description: "the last failure, in the reader's language" }),
});

export const MailFailuresSchema = Type.Object({
  smtp: Nullable(
    Type.Object({ host: Type.String(), port: Type.Integer(), security: Type.String() }),
  ),
  failures: Type.Array(MailFailureSchema),
});

export const StatusBodySchema = Type.Object(
  {
    status: StatusSchema,
    until: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'keep it until then (local YYYY-MM-DDTHH:MM), then back to the current status',
      }),
    ),
    minutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10080, description: 'keep it for so many minutes' }),
    ),
  },
  { additionalProperties: false },
);

export const SessionSchema = Type.Object({
  extension: Type.String(),
  name: Type.String(),
  role: OneOf(['user', 'admin'] as const),
  language: LanguageSchema,
  csrfToken: Type.String(),
});

export const ExtParams = Type.Object({ ext: Type.String({ pattern: '^\\d{2,6}$' }) });
export const IndexParams = Type.Object({
  ext: Type.String({ pattern: '^\\d{2,6}$' }),
  index: Type.Integer({ minimum: 0 }),
});

export const StepSchema = Type.Object(
  { do: OneOf(['ring', 'dial', 'announce', 'voicemail', 'busy'] as const) },
  { additionalProperties: true, description: 'a plan step, as `renvoi simulate --json` prints it' },
);

/** What the "Transférer à" pickers offer. */
export const TargetsSchema = Type.Object({
  /**
   * What a forward out presents when the exception does not say (the trunk's setting), and
   * whether that trunk only accepts its own numbers (the form warns against the caller's).
   */
  forwards: Type.Object({
    presentCallerId: OneOf(PRESENT_CALLER_IDS),
    ownNumbersOnly: Type.Boolean(),
  }),
  extensions: Type.Array(Type.Object({ number: Type.String(), name: Type.String() })),
  system: Type.Array(
    Type.Object({
      number: Type.String(),
      name: Type.String(),
      kind: OneOf(['ring-group', 'extension'] as const),
    }),
  ),
});

export const VoicemailMessageSchema = Type.Object({
  id: Type.String(),
  caller: Type.String(),
  callerDisplay: Type.String({ description: 'the caller as people write it' }),
  callerName: Nullable(Type.String()),
  receivedAt: Type.String(),
  durationMs: Type.Integer(),
  read: Type.Boolean(),
});

export const VoicemailListSchema = Type.Object({ messages: Type.Array(VoicemailMessageSchema) });

/** One call of the history, with the decision that routed it. */
export const CallRecordSchema = Type.Object({
  id: Type.String(),
  caller: Type.String(),
  callerDisplay: Type.String({ description: 'the caller as people write it' }),
  callerName: Nullable(Type.String()),
  callee: Type.String(),
  startedAt: Type.String(),
  answeredAt: Nullable(Type.String()),
  endedAt: Nullable(Type.String()),
  outcome: Nullable(Type.String()),
  answeredBy: Nullable(Type.String()),
  exception: Nullable(Type.Integer()),
  plan: Type.Array(StepSchema),
  sentence: Type.String(),
});

export const CallListSchema = Type.Object({ calls: Type.Array(CallRecordSchema) });

/** How a caller-ID text is understood while typing: one pattern per chip, or the errors. */
export const ParsedCallerIdSchema = Type.Object({
  ok: Type.Boolean(),
  patterns: Type.Array(
    Type.Object({
      text: Type.String(),
      kind: Type.String(),
      canonical: Type.String(),
      description: Type.String(),
    }),
  ),
  errors: Type.Array(
    Type.Object({ message: Type.String(), start: Type.Integer(), end: Type.Integer() }),
  ),
});

/** The tester's answer: the decision, its steps and trace in words, and the sentence. */
export const SimulationSchema = Type.Object({
  to: Type.String(),
  from: Type.String(),
  fromName: Nullable(
    Type.String({ description: "the caller's name in the user's contacts or the phonebook" }),
  ),
  at: Type.String(),
  exception: Nullable(Type.Integer()),
  action: Nullable(Type.Object({}, { additionalProperties: true })),
  plan: Type.Array(StepSchema),
  steps: Type.Array(Type.String()),
  trace: Type.Array(
    Type.Object({ code: Type.String(), text: Type.String() }, { additionalProperties: true }),
  ),
  sentence: Type.String(),
});
