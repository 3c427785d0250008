/**
 * What the API answers: extensions, exceptions and caller-ID texts as the web client shows them,
 * and the reverse for what it sends (periods, forwarding keys). Pure.
 */
import type {
  Action,
  CallerPattern,
  Directory,
  Extension,
  ForwardingException,
  Language,
  Problem,
  Repeat,
  Status,
  StatusForwarding,
  Weekday,
  WeeklySchedule,
} from '../domain/types.js';
import { WEEKDAYS } from '../domain/types.js';
import type { Finding } from '../domain/check.js';
import type { ExceptionDocument } from '../domain/document.js';
import { parseCallerId } from '../domain/patterns.js';
import { canonicalNumber, displayNumber } from '../domain/numbers.js';
import { describeAction } from '../i18n/describe.js';
import { message } from '../i18n/index.js';
import { describeFinding } from '../i18n/finding.js';
import { localText } from '../i18n/trace.js';
import { validityAt } from '../domain/validity.js';
import { effectiveStatus } from '../domain/status.js';
import { say } from './messages.js';

/** The contract's forwarding keys: camelCase where the directory says "business-trip". */
export const FORWARDING_KEYS = {
  noAnswer: 'noAnswer',
  busy: 'busy',
  away: 'away',
  dnd: 'dnd',
  lunch: 'lunch',
  businessTrip: 'business-trip',
} as const satisfies Record<string, keyof StatusForwarding>;
export type ForwardingKey = keyof typeof FORWARDING_KEYS;

export interface Period {
  days: Weekday[];
  from: string;
  to: string;
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A schedule as periods: days that share the same ranges are grouped, one period per range. */
export function periodsOf(schedule: WeeklySchedule): Period[] {
  const groups = new Map<string, { days: Weekday[]; ranges: { start: number; end: number }[] }>();
  for (const day of WEEKDAYS) {
    const ranges = schedule[day] ?? [];
    if (ranges.length === 0) continue;
    const key = ranges.map((r) => `${r.start}-${r.end}`).join(',');
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { days: [day], ranges });
    else group.days.push(day);
  }
  return [...groups.values()].flatMap((g) =>
    g.ranges.map((r) => ({ days: [...g.days], from: clock(r.start), to: clock(r.end) })),
  );
}

/** Periods as the document's schedule: `{ "mon,tue": ["09:00-12:30"] }`. */
export function scheduleDocument(periods: readonly Period[]): Record<string, string[]> {
  const doc: Record<string, string[]> = {};
  for (const period of periods) {
    const key = period.days.join(',');
    (doc[key] ??= []).push(`${period.from}-${period.to}`);
  }
  return doc;
}

export interface ExceptionBody {
  callerId: string;
  hours?: ForwardingException['hours'];
  periods?: Period[];
  statuses?: Status[];
  enabled?: boolean;
  from?: string | null;
  until?: string | null;
  repeat?: Repeat | null;
  action: Record<string, unknown> | Action;
}

/** The body of a create or update as an exception of the directory document. */
export function exceptionDocument(body: ExceptionBody): ExceptionDocument {
  const doc: Record<string, unknown> = { callerId: body.callerId, action: body.action };
  if (body.hours !== undefined) doc.hours = body.hours;
  if (body.periods !== undefined && body.periods.length > 0) {
    doc.periods = scheduleDocument(body.periods);
  }
  if (body.statuses !== undefined && body.statuses.length > 0) doc.statuses = body.statuses;
  if (body.enabled !== undefined) doc.enabled = body.enabled;
  // An empty field of the form is no bound.
  if (body.from !== undefined && body.from !== null && body.from !== '') doc.from = body.from;
  if (body.until !== undefined && body.until !== null && body.until !== '') doc.until = body.until;
  if (body.repeat !== undefined && body.repeat !== null) doc.repeat = body.repeat;
  // buildDirectory checks every field and says what is wrong with it.
  return doc as ExceptionDocument;
}

/** A problem under `…periods.mon,tue[0]` is shown on the periods field. */
export function periodsProblem(problem: Problem): Problem {
  const at = problem.path.indexOf('periods.');
  return at === -1 ? problem : { ...problem, path: problem.path.slice(0, at + 'periods'.length) };
}

/** A status schedule's entries as the web client edits them (periods like an exception's). */
function scheduleView(ext: Extension) {
  return ext.statusSchedule.map((entry) => ({
    status: entry.status,
    hours: entry.hours,
    periods: periodsOf(entry.periods),
  }));
}

export function extensionView(ext: Extension, directory: Directory, now: Date) {
  const effective = effectiveStatus(ext, directory.settings, now);
  const forwarding = Object.fromEntries(
    Object.entries(FORWARDING_KEYS).map(([key, status]) => [key, ext.forwarding[status]]),
  ) as Record<ForwardingKey, Action>;
  return {
    number: ext.number,
    name: ext.name,
    mobile: ext.mobile,
    status: ext.status,
    language: ext.language,
    role: ext.role,
    ringTimeout: ext.ringTimeout,
    forwarding,
    maxExceptions: directory.settings.maxExceptions,
    hasMobile: ext.mobile !== null,
    hasVoicemailPin: ext.voicemailPin !== null,
    effectiveStatus: {
      status: effective.status,
      source: effective.source,
      until: effective.until === undefined ? null : new Date(effective.until).toISOString(),
    },
    statusSchedule: scheduleView(ext),
    email: ext.email,
    deleteAfterEmail: ext.deleteAfterEmail,
  };
}

/** The short words of a pattern in a summary: the text as understood, or the special word. */
function patternWords(lang: Language, pattern: CallerPattern): string {
  if (pattern.kind === 'number') return pattern.raw;
  if (pattern.kind === 'group') return say(lang, 'pattern.kind.group', { name: pattern.name });
  return say(lang, `pattern.kind.${pattern.kind}`);
}

function periodsWords(lang: Language, periods: Period[]): string {
  return periods
    .map((p) => `${p.days.map((d) => say(lang, `day.${d}`)).join(', ')} ${p.from}-${p.to}`)
    .join(' ; ');
}

/** The findings of `renvoi check` that concern exception `index` of `ext`. */
function warningsOf(
  lang: Language,
  ext: Extension,
  index: number,
  findings: Finding[],
  directory: Directory,
): { code: string; message: string }[] {
  const exception = ext.exceptions[index];
  const target =
    exception?.action.type === 'extension' || exception?.action.type === 'system'
      ? exception.action.target
      : null;
  return findings
    .filter((f) => {
      if (f.kind === 'loop') {
        // The exception that sends the call into the cycle.
        const at = f.cycle.indexOf(ext.number);
        return at !== -1 && target !== null && f.cycle[at + 1] === target;
      }
      // The relay is the directory's, no exception's.
      if (f.kind === 'no-relay') return false;
      return f.extension === ext.number && 'exception' in f && f.exception === index;
    })
    .map((f) => ({ code: f.kind, message: describeFinding(lang, f, directory) }));
}

/** "du 20/12/2026 au 31/12/2026", "3ᵉ appel en 10 min": the conditions issue 13 adds. */
function conditionWords(lang: Language, exception: ForwardingException): string[] {
  const words: string[] = [];
  const { from, until, repeat } = exception;
  if (from !== null && until !== null) {
    words.push(say(lang, 'summary.from-until', { from: localText(from), until: localText(until) }));
  } else if (from !== null) {
    words.push(say(lang, 'summary.from', { from: localText(from) }));
  } else if (until !== null) {
    words.push(say(lang, 'summary.until', { until: localText(until) }));
  }
  if (repeat !== null) words.push(say(lang, 'summary.repeat', { ...repeat }));
  return words;
}

export function exceptionView(
  lang: Language,
  ext: Extension,
  index: number,
  directory: Directory,
  findings: Finding[],
  now: Date,
) {
  const exception = ext.exceptions[index];
  if (exception === undefined) throw new Error(`no exception ${index} in ${ext.number}`);
  const periods = periodsOf(exception.periods);
  const hours = message(lang, `hours.${exception.hours}`);
  const withPeriods =
    periods.length > 0
      ? say(lang, 'summary.periods', { hours, periods: periodsWords(lang, periods) })
      : hours;
  return {
    index,
    callerId: exception.callerId,
    hours: exception.hours,
    periods,
    statuses: exception.statuses,
    enabled: exception.enabled,
    from: exception.from,
    until: exception.until,
    repeat: exception.repeat,
    validity: validityAt(exception, directory.settings.timezone, now),
    action: exception.action,
    summary: {
      callerId: exception.patterns.map((p) => patternWords(lang, p)).join(', '),
      hours: [
        exception.statuses.length > 0
          ? say(lang, 'summary.statuses', {
              hours: withPeriods,
              statuses: exception.statuses.map((s) => message(lang, `status.${s}`)).join(', '),
            })
          : withPeriods,
        ...conditionWords(lang, exception),
      ].join(', '),
      action: describeAction(lang, exception.action),
    },
    warnings: warningsOf(lang, ext, index, findings, directory),
  };
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

/** Which shape a digit pattern has: "06*" prefix, "*99" suffix, "*12*" contains… */
export function numberKind(raw: string): PatternKind {
  if (!/[*?]/.test(raw)) return 'exact';
  if (raw.includes('?')) return 'wildcard';
  const stars = raw.split('*').length - 1;
  if (stars === 1 && raw.endsWith('*')) return 'prefix';
  if (stars === 1 && raw.startsWith('*')) return 'suffix';
  if (stars === 2 && raw.startsWith('*') && raw.endsWith('*') && raw.length > 2) return 'contains';
  return 'wildcard';
}

/** The caller-ID field as understood while typing: one chip per pattern, or each error's place. */
export function parseView(lang: Language, text: string, country: string) {
  const parsed = parseCallerId(text, country);
  if (!parsed.ok) {
    let from = 0;
    const errors = parsed.problems.map((problem) => {
      const part = String(problem.params.part ?? '');
      const found = part === '' ? -1 : text.indexOf(part, from);
      const start = found === -1 ? 0 : found;
      const end = found === -1 ? text.length : found + part.length;
      if (found !== -1) from = end;
      return { message: say(lang, problem.code, problem.params), start, end };
    });
    return { ok: false, patterns: [], errors };
  }
  const patterns = parsed.patterns.map((pattern) => {
    if (pattern.kind === 'group') {
      const text = `group:${pattern.name}`;
      return {
        text,
        kind: pattern.kind,
        canonical: text,
        description: say(lang, 'pattern.kind.group', { name: pattern.name }),
      };
    }
    if (pattern.kind !== 'number') {
      const text = pattern.kind === 'any' ? '*' : pattern.kind;
      return {
        text,
        kind: pattern.kind,
        canonical: text,
        description: say(lang, `pattern.kind.${pattern.kind}`),
      };
    }
    const kind = numberKind(pattern.raw);
    const canonical = pattern.canonical ?? pattern.raw;
    const whole = canonicalNumber(pattern.raw, country);
    const shown = whole === null ? pattern.raw : displayNumber(whole, country);
    const part = pattern.raw.replace(/^\*|\*$/g, '');
    return {
      text: pattern.raw,
      kind,
      canonical,
      description: say(lang, `pattern.kind.${kind}`, {
        shown,
        part: kind === 'wildcard' ? pattern.raw : part,
      }),
    };
  });
  return { ok: true, patterns, errors: [] };
}
