/**
 * Weekly schedules, office hours, holidays and time zones (design §3). Pure: the clock is a
 * parameter.
 *
 * Document form of a schedule: `{ "mon-fri": ["09:00-12:30", "14:00-18:00"], "sat,sun": [] }`.
 * - A key is a day (`mon` … `sun`), a range of days (`mon-fri`; a range may wrap over the week
 *   end: `fri-mon` is fri, sat, sun, mon), or a comma list of those (`mon-wed,fri`). Case and
 *   spaces around names do not matter. A day named by several keys gets the periods of all.
 * - A value is a list of "HH:MM-HH:MM" ranges (a single string is read as a list of one).
 *   "24:00" is allowed as an end. Start equal to end is refused (an empty range is always a
 *   mistake; "00:00-24:00" is the whole day).
 * - A range crossing midnight ("22:00-06:00") is split: 22:00-24:00 on the day named, 00:00-06:00
 *   on the next (sun wraps to mon). That is what a night shift written that way means.
 * - Overlapping or touching ranges are merged; the parsed schedule is normalised (each day sorted,
 *   merged, days without periods absent), so `parseSchedule(formatSchedule(s))` gives back `s`.
 */
import type {
  Holiday,
  Hours,
  Problem,
  Settings,
  TimeRange,
  Weekday,
  WeeklySchedule,
} from './types.js';
import { WEEKDAYS } from './types.js';

const DAY_MINUTES = 1440;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export type ParsedSchedule =
  { ok: true; schedule: WeeklySchedule } | { ok: false; problems: Problem[] };

function dayIndex(name: string): number {
  return (WEEKDAYS as readonly string[]).indexOf(name.trim().toLowerCase());
}

/** The weekday indexes a key names, or the offending part. */
function readDays(key: string): { days: number[] } | { bad: string } {
  const days: number[] = [];
  for (const part of key.split(',')) {
    const bounds = part.split('-');
    if (bounds.length === 1) {
      const d = dayIndex(part);
      if (d < 0) return { bad: part.trim() };
      days.push(d);
    } else if (bounds.length === 2) {
      const [fromText = '', toText = ''] = bounds;
      const from = dayIndex(fromText);
      const to = dayIndex(toText);
      if (from < 0) return { bad: fromText.trim() === '' ? part.trim() : fromText.trim() };
      if (to < 0) return { bad: toText.trim() === '' ? part.trim() : toText.trim() };
      for (let d = from; ; d = (d + 1) % 7) {
        days.push(d);
        if (d === to) break;
      }
    } else {
      return { bad: part.trim() };
    }
  }
  return { days };
}

const TIME = /^(\d{1,2}):(\d{2})$/;

/** Minutes since midnight, or null. "24:00" only where `allowEnd`. */
function readTime(text: string, allowEnd: boolean): number | null {
  const m = TIME.exec(text.trim());
  if (m === null) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return null;
  if (h === 24 && min === 0 && allowEnd) return DAY_MINUTES;
  if (h > 23) return null;
  return h * 60 + min;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Sorted, overlapping and touching ranges merged. */
function normalise(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges
    .filter((r) => r.end > r.start)
    .map((r) => ({ start: r.start, end: r.end }))
    .sort((a, b) => a.start - b.start);
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

export function parseSchedule(input: unknown, path: string): ParsedSchedule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ path, code: 'schedule.not-object', params: {} }] };
  }
  const problems: Problem[] = [];
  const perDay: TimeRange[][] = WEEKDAYS.map(() => []);
  for (const [key, value] of Object.entries(input)) {
    const keyPath = join(path, key);
    const days = readDays(key);
    if ('bad' in days) {
      problems.push({ path: keyPath, code: 'schedule.bad-day', params: { part: days.bad } });
      continue;
    }
    if (typeof value !== 'string' && !Array.isArray(value)) {
      problems.push({ path: keyPath, code: 'schedule.not-list', params: {} });
      continue;
    }
    const list: unknown[] = typeof value === 'string' ? [value] : value;
    list.forEach((item, i) => {
      const itemPath = typeof value === 'string' ? keyPath : `${keyPath}[${i}]`;
      if (typeof item !== 'string') {
        problems.push({
          path: itemPath,
          code: 'schedule.not-range',
          params: { range: String(item) },
        });
        return;
      }
      const bounds = item.split('-');
      if (bounds.length !== 2) {
        problems.push({ path: itemPath, code: 'schedule.not-range', params: { range: item } });
        return;
      }
      const [startText = '', endText = ''] = bounds;
      const start = readTime(startText, false);
      const end = readTime(endText, true);
      if (start === null || end === null) {
        const part = (start === null ? startText : endText).trim();
        problems.push({ path: itemPath, code: 'schedule.bad-time', params: { range: item, part } });
        return;
      }
      if (start === end) {
        problems.push({ path: itemPath, code: 'schedule.empty-range', params: { range: item } });
        return;
      }
      for (const d of days.days) {
        if (end > start) {
          perDay[d]?.push({ start, end });
        } else {
          perDay[d]?.push({ start, end: DAY_MINUTES });
          if (end > 0) perDay[(d + 1) % 7]?.push({ start: 0, end });
        }
      }
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const schedule: WeeklySchedule = {};
  WEEKDAYS.forEach((day, d) => {
    const ranges = normalise(perDay[d] ?? []);
    if (ranges.length > 0) schedule[day] = ranges;
  });
  return { ok: true, schedule };
}

function formatTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

export function formatSchedule(s: WeeklySchedule): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const texts = WEEKDAYS.map((day) =>
    normalise(s[day] ?? []).map((r) => `${formatTime(r.start)}-${formatTime(r.end)}`),
  );
  let d = 0;
  while (d < 7) {
    const ranges = texts[d] ?? [];
    let last = d;
    while (last + 1 < 7 && (texts[last + 1] ?? []).join() === ranges.join()) last++;
    if (ranges.length > 0) {
      const first = WEEKDAYS[d] ?? '';
      out[last === d ? first : `${first}-${WEEKDAYS[last] ?? ''}`] = ranges;
    }
    d = last + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Time zones

/**
 * Per zone: the formatter, and the UTC offsets of recent 15-minute buckets. Every zone offset in
 * use is a multiple of 15 minutes and changes on a 15-minute boundary, so one formatToParts (about
 * 6 µs) serves a whole bucket; a bucket where the offset does change is never cached. Several
 * buckets are kept because simulations and the web tester ask about other instants than now.
 */
interface ZoneCache {
  format: Intl.DateTimeFormat;
  offsets: Map<number, number>;
}

const MAX_BUCKETS = 256;
const BUCKET_MS = 15 * MINUTE_MS;
const zones = new Map<string, ZoneCache | null>();

function zone(timeZone: string): ZoneCache | null {
  let z = zones.get(timeZone);
  if (z === undefined) {
    try {
      z = {
        format: new Intl.DateTimeFormat('en-US', {
          timeZone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        }),
        offsets: new Map(),
      };
    } catch {
      z = null;
    }
    zones.set(timeZone, z);
  }
  return z;
}

export function isValidTimeZone(tz: string): boolean {
  return tz !== '' && zone(tz) !== null;
}

/** Milliseconds to add to UTC to get the wall clock at `instant` (a whole second). */
function offsetAt(format: Intl.DateTimeFormat, instant: number): number {
  let y = 1970;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of format.formatToParts(instant)) {
    const v = Number(p.value);
    switch (p.type) {
      case 'year':
        y = v;
        break;
      case 'month':
        mo = v;
        break;
      case 'day':
        d = v;
        break;
      case 'hour':
        h = v;
        break;
      case 'minute':
        mi = v;
        break;
      case 'second':
        s = v;
        break;
      default:
        break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - instant;
}

/** The wall clock of `timeZone` at `instant`, as milliseconds since 1970-01-01T00:00 local. */
function localMillis(instant: number, z: ZoneCache): number {
  const bucket = Math.floor(instant / BUCKET_MS);
  const cached = z.offsets.get(bucket);
  if (cached !== undefined) return instant + cached;
  const start = bucket * BUCKET_MS;
  const offset = offsetAt(z.format, start);
  if (offsetAt(z.format, start + BUCKET_MS - 1000) === offset) {
    if (z.offsets.size >= MAX_BUCKETS) z.offsets.clear();
    z.offsets.set(bucket, offset);
    return instant + offset;
  }
  const whole = Math.floor(instant / 1000) * 1000;
  return instant + offsetAt(z.format, whole);
}

/** A local wall-clock time, computed once and then asked many questions. */
export interface Clock {
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
  /** Local days since 1970-01-01. */
  day: number;
}

/**
 * The wall clock of `timeZone` at `now`. An unknown zone reads as UTC: routing must decide
 * something, and zones are checked when a directory is saved.
 */
export function clockAt(now: Date, timeZone: string): Clock {
  const z = zone(timeZone);
  const instant = now.getTime();
  const local = z === null ? instant : localMillis(instant, z);
  const day = Math.floor(local / DAY_MS);
  return {
    // 1970-01-01 was a Thursday, index 3 from Monday.
    weekday: WEEKDAYS[(((day + 3) % 7) + 7) % 7] as Weekday,
    minutes: Math.floor((local - day * DAY_MS) / MINUTE_MS),
    day,
  };
}

export interface LocalTime {
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
  /** Local date "YYYY-MM-DD". */
  date: string;
}

/** The wall clock of `timeZone` at `now`. Throws RangeError for an unknown zone. */
export function localTime(now: Date, timeZone: string): LocalTime {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone: ${timeZone}`);
  const { weekday, minutes, day } = clockAt(now, timeZone);
  return { weekday, minutes, date: new Date(day * DAY_MS).toISOString().slice(0, 10) };
}

export function inSchedule(s: WeeklySchedule, t: { weekday: Weekday; minutes: number }): boolean {
  const ranges = s[t.weekday];
  if (ranges === undefined) return false;
  for (const r of ranges) {
    if (t.minutes >= r.start && t.minutes < r.end) return true;
  }
  return false;
}

/** Holiday local days, computed once per holiday list (recomputed if the list grows or shrinks). */
const holidayDays = new WeakMap<readonly Holiday[], { length: number; days: Set<number> }>();

function isHoliday(holidays: readonly Holiday[], day: number): boolean {
  if (holidays.length === 0) return false;
  let cached = holidayDays.get(holidays);
  if (cached === undefined || cached.length !== holidays.length) {
    const days = new Set<number>();
    for (const h of holidays) {
      const t = Date.parse(`${h.date}T00:00:00Z`);
      if (!Number.isNaN(t)) days.add(Math.floor(t / DAY_MS));
    }
    cached = { length: holidays.length, days };
    holidayDays.set(holidays, cached);
  }
  return cached.days.has(day);
}

/** Office hours at a local clock: holidays are closed all day. */
export function isOfficeHoursAt(settings: Settings, clock: Clock): boolean {
  return !isHoliday(settings.holidays, clock.day) && inSchedule(settings.officeHours, clock);
}

export function isOfficeHours(settings: Settings, now: Date): boolean {
  return isOfficeHoursAt(settings, clockAt(now, settings.timezone));
}

/**
 * Whether a time condition holds. Holidays close the office; they do not change `specific`
 * periods, which say exactly when they apply.
 */
export function hoursApply(
  hours: Hours,
  periods: WeeklySchedule,
  settings: Settings,
  now: Date,
): boolean {
  if (hours === 'all') return true;
  const clock = clockAt(now, settings.timezone);
  switch (hours) {
    case 'office':
      return isOfficeHoursAt(settings, clock);
    case 'outside-office':
      return !isOfficeHoursAt(settings, clock);
    case 'specific':
      return inSchedule(periods, clock);
    case 'outside-specific':
      return !inSchedule(periods, clock);
  }
}

// ---------------------------------------------------------------------------
// Coverage, for finding exceptions that can never fire

/** Every instant of `b` is in `a`. */
export function scheduleCovers(a: WeeklySchedule, b: WeeklySchedule): boolean {
  for (const day of WEEKDAYS) {
    const outer = normalise(a[day] ?? []);
    for (const r of normalise(b[day] ?? [])) {
      if (!outer.some((o) => o.start <= r.start && r.end <= o.end)) return false;
    }
  }
  return true;
}

const WHOLE_WEEK: WeeklySchedule = Object.fromEntries(
  WEEKDAYS.map((day) => [day, [{ start: 0, end: DAY_MINUTES }]]),
);

function complement(s: WeeklySchedule): WeeklySchedule {
  const out: WeeklySchedule = {};
  for (const day of WEEKDAYS) {
    const gaps: TimeRange[] = [];
    let from = 0;
    for (const r of normalise(s[day] ?? [])) {
      if (r.start > from) gaps.push({ start: from, end: r.start });
      from = r.end;
    }
    if (from < DAY_MINUTES) gaps.push({ start: from, end: DAY_MINUTES });
    if (gaps.length > 0) out[day] = gaps;
  }
  return out;
}

/** When a condition applies, as a schedule; null when that depends on the settings. */
function effective(c: { hours: Hours; periods: WeeklySchedule }): WeeklySchedule | null {
  switch (c.hours) {
    case 'all':
      return WHOLE_WEEK;
    case 'specific':
      return c.periods;
    case 'outside-specific':
      return complement(c.periods);
    case 'office':
    case 'outside-office':
      return null;
  }
}

function isEmpty(s: WeeklySchedule): boolean {
  return WEEKDAYS.every((day) => normalise(s[day] ?? []).length === 0);
}

/**
 * Sound: true only when every instant where `b` applies, `a` applies too, whatever the office
 * hours and holidays are. Unsure is false.
 */
export function hoursCover(
  a: { hours: Hours; periods: WeeklySchedule },
  b: { hours: Hours; periods: WeeklySchedule },
): boolean {
  const ea = effective(a);
  const eb = effective(b);
  if (eb !== null && isEmpty(eb)) return true;
  if (ea !== null && scheduleCovers(ea, WHOLE_WEEK)) return true;
  if (ea !== null && eb !== null) return scheduleCovers(ea, eb);
  return a.hours === b.hours && ea === null;
}
