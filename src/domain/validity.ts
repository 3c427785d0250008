/**
 * Two conditions of an exception that 3CX does not have (issue 13): validity dates ("Du … au …")
 * and the repeat caller ("3 appels en 10 min"). Pure: the clock and the caller's earlier calls are
 * parameters.
 *
 * Choices:
 * - `from` and `until` are local to the directory's time zone, as the user types them: a date
 *   `from` starts at that day's midnight, a date `until` includes that whole day (ends at the next
 *   midnight), a date-time `until` is the first instant the rule no longer fires. Midnight exists
 *   on every daylight-saving day of the zones we serve, so a date's bounds are exact.
 * - A repeat counts the caller's calls to the extension itself (the number called), whatever
 *   happened to them, within the last `minutes` up to now, this call included. An anonymous caller
 *   has no earlier calls.
 */
import type { Directory, ForwardingException, PastCall, Problem, Repeat } from './types.js';
import { at } from './problem-path.js';
import { parseInstant } from './zoned-time.js';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/;

export const REPEAT_CALLS = { min: 2, max: 20 } as const;
export const REPEAT_MINUTES = { min: 1, max: 1440 } as const;

/** Whether `text` is a real local date or date-time ("2026-12-20", "2026-12-20T08:00"). */
export function isLocalDateTime(text: string): boolean {
  const m = LOCAL.exec(text);
  if (m === null) return false;
  const [, y, mo, d, h = '0', mi = '0'] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  return (
    date.getUTCMonth() === Number(mo) - 1 &&
    date.getUTCDate() === Number(d) &&
    Number(h) <= 23 &&
    Number(mi) <= 59
  );
}

function isDate(text: string): boolean {
  return text.length === 10;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Epoch ms of a bound, or null when the text is not a local date or date-time. */
function boundAt(text: string, end: boolean, timeZone: string): number | null {
  if (!isLocalDateTime(text)) return null;
  const local = end && isDate(text) ? nextDay(text) : text;
  return parseInstant(local, timeZone)?.getTime() ?? null;
}

export interface Bounds {
  /** First instant the rule fires (epoch ms), or null: no lower bound. */
  start: number | null;
  /** First instant it no longer fires, or null: no end. */
  end: number | null;
}

const cache = new WeakMap<ForwardingException, { timeZone: string; bounds: Bounds }>();

/** The instants `from`/`until` name in `timeZone`; an unreadable bound counts as none. */
export function validityBounds(e: ForwardingException, timeZone: string): Bounds {
  const hit = cache.get(e);
  if (hit !== undefined && hit.timeZone === timeZone) return hit.bounds;
  const bounds: Bounds = {
    start: e.from === null ? null : boundAt(e.from, false, timeZone),
    end: e.until === null ? null : boundAt(e.until, true, timeZone),
  };
  cache.set(e, { timeZone, bounds });
  return bounds;
}

export type Validity = 'not-yet' | 'valid' | 'expired';

export function validityAt(e: ForwardingException, timeZone: string, now: Date): Validity {
  if (e.from === null && e.until === null) return 'valid';
  const { start, end } = validityBounds(e, timeZone);
  const t = now.getTime();
  if (start !== null && t < start) return 'not-yet';
  if (end !== null && t >= end) return 'expired';
  return 'valid';
}

/** `inner`'s period lies within `outer`'s (both in the same zone). */
export function boundsWithin(inner: Bounds, outer: Bounds): boolean {
  const startOk = outer.start === null || (inner.start !== null && inner.start >= outer.start);
  const endOk = outer.end === null || (inner.end !== null && inner.end <= outer.end);
  return startOk && endOk;
}

/** The problems of an exception's `from`/`until`, placed under `path` (the exception). */
export function checkValidity(e: ForwardingException, timeZone: string, path: string): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['from', 'until'] as const) {
    const text = e[key];
    if (text !== null && !isLocalDateTime(text)) {
      problems.push({
        path: at(path, key),
        code: 'directory.bad-validity',
        params: { value: text },
      });
    }
  }
  if (problems.length > 0 || e.from === null || e.until === null) return problems;
  const { start, end } = validityBounds(e, timeZone);
  if (start !== null && end !== null && end <= start) {
    problems.push({
      path: at(path, 'until'),
      code: 'directory.validity-empty',
      params: { from: e.from, until: e.until },
    });
  }
  return problems;
}

/**
 * The caller's earlier calls to `extension` that count towards `repeat` at `now`, oldest first.
 * The call being routed is not among `recent` (it is not in the history yet).
 */
export function repeatCalls(
  repeat: Repeat,
  extension: string,
  recent: readonly PastCall[],
  now: Date,
): PastCall[] {
  const t = now.getTime();
  const since = t - repeat.minutes * 60_000;
  return recent
    .filter((c) => c.called === extension && c.at > since && c.at <= t)
    .sort((a, b) => a.at - b.at);
}

/** `a` fires at least whenever `b` does, as far as the repeat condition goes. */
export function repeatCovers(a: Repeat | null, b: Repeat | null): boolean {
  if (a === null) return true;
  if (b === null) return false;
  return a.calls <= b.calls && a.minutes >= b.minutes;
}

const windows = new WeakMap<Directory, number>();

/**
 * The longest repeat window of the directory's enabled exceptions, in minutes (0: none): how far
 * back the router needs the caller's calls. Computed once per directory.
 */
export function maxRepeatMinutes(directory: Directory): number {
  let minutes = windows.get(directory);
  if (minutes === undefined) {
    minutes = 0;
    for (const ext of directory.extensions.values()) {
      for (const e of ext.exceptions) {
        if (e.enabled && e.repeat !== null) minutes = Math.max(minutes, e.repeat.minutes);
      }
    }
    windows.set(directory, minutes);
  }
  return minutes;
}
