import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Hours, Settings, Weekday, WeeklySchedule } from '../../src/domain/types.js';
import { HOURS, WEEKDAYS } from '../../src/domain/types.js';
import {
  formatSchedule,
  hoursApply,
  hoursCover,
  inSchedule,
  isOfficeHours,
  isValidTimeZone,
  localTime,
  parseSchedule,
  scheduleCovers,
} from '../../src/domain/schedule.js';
import { message, missingTranslations } from '../../src/i18n/index.js';

function parsed(input: unknown): WeeklySchedule {
  const r = parseSchedule(input, 'officeHours');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.schedule;
}

function problems(input: unknown) {
  const r = parseSchedule(input, 'officeHours');
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

const h = (hh: number, mm = 0) => hh * 60 + mm;

describe('parseSchedule', () => {
  it('reads the document form', () => {
    expect(parsed({ 'mon-fri': ['09:00-12:30', '14:00-18:00'], sat: ['09:00-12:00'] })).toEqual({
      mon: [
        { start: h(9), end: h(12, 30) },
        { start: h(14), end: h(18) },
      ],
      tue: [
        { start: h(9), end: h(12, 30) },
        { start: h(14), end: h(18) },
      ],
      wed: [
        { start: h(9), end: h(12, 30) },
        { start: h(14), end: h(18) },
      ],
      thu: [
        { start: h(9), end: h(12, 30) },
        { start: h(14), end: h(18) },
      ],
      fri: [
        { start: h(9), end: h(12, 30) },
        { start: h(14), end: h(18) },
      ],
      sat: [{ start: h(9), end: h(12) }],
    });
  });

  it('reads comma lists, wrapping day ranges, case and spaces', () => {
    expect(Object.keys(parsed({ 'sat,sun': ['10:00-11:00'] }))).toEqual(['sat', 'sun']);
    expect(Object.keys(parsed({ 'fri-mon': ['10:00-11:00'] }))).toEqual([
      'mon',
      'fri',
      'sat',
      'sun',
    ]);
    expect(Object.keys(parsed({ ' Mon - Wed , FRI ': ['10:00-11:00'] }))).toEqual([
      'mon',
      'tue',
      'wed',
      'fri',
    ]);
    expect(Object.keys(parsed({ 'sun-sun': ['10:00-11:00'] }))).toEqual(['sun']);
  });

  it('accepts 24:00 as an end and a single string as a list of one', () => {
    expect(parsed({ sun: '00:00-24:00' })).toEqual({ sun: [{ start: 0, end: 1440 }] });
    expect(parsed({ mon: [' 9:05 - 17:45 '] })).toEqual({
      mon: [{ start: h(9, 5), end: h(17, 45) }],
    });
  });

  it('splits a range crossing midnight over two days, sunday wrapping to monday', () => {
    expect(parsed({ 'sat-sun': ['22:00-06:00'] })).toEqual({
      mon: [{ start: 0, end: h(6) }],
      sat: [{ start: h(22), end: 1440 }],
      sun: [
        { start: 0, end: h(6) },
        { start: h(22), end: 1440 },
      ],
    });
    expect(parsed({ fri: ['18:00-00:00'] })).toEqual({ fri: [{ start: h(18), end: 1440 }] });
  });

  it('merges overlapping and touching ranges, and days named twice', () => {
    expect(
      parsed({ mon: ['14:00-18:00', '09:00-12:00', '11:00-14:00'], 'mon-tue': ['20:00-21:00'] }),
    ).toEqual({
      mon: [
        { start: h(9), end: h(18) },
        { start: h(20), end: h(21) },
      ],
      tue: [{ start: h(20), end: h(21) }],
    });
  });

  it('drops days without periods', () => {
    expect(parsed({ sat: [], sun: [] })).toEqual({});
    expect(parsed({})).toEqual({});
  });

  it('names the path and the offending part of every error', () => {
    expect(
      problems({
        'mon-fri': ['09:00-12:30', '14:00-25:00'],
        'mon-fry': ['09:00-10:00'],
        sat: ['9h-12h', '10:00-10:00', 'noon', 7],
        sun: 'closed',
        tue: { from: '09:00' },
      }),
    ).toEqual([
      {
        path: 'officeHours.mon-fri[1]',
        code: 'schedule.bad-time',
        params: { range: '14:00-25:00', part: '25:00' },
      },
      { path: 'officeHours.mon-fry', code: 'schedule.bad-day', params: { part: 'fry' } },
      {
        path: 'officeHours.sat[0]',
        code: 'schedule.bad-time',
        params: { range: '9h-12h', part: '9h' },
      },
      {
        path: 'officeHours.sat[1]',
        code: 'schedule.empty-range',
        params: { range: '10:00-10:00' },
      },
      { path: 'officeHours.sat[2]', code: 'schedule.not-range', params: { range: 'noon' } },
      { path: 'officeHours.sat[3]', code: 'schedule.not-range', params: { range: '7' } },
      { path: 'officeHours.sun', code: 'schedule.not-range', params: { range: 'closed' } },
      { path: 'officeHours.tue', code: 'schedule.not-list', params: {} },
    ]);
  });

  it('refuses 24:00 as a start, minutes over 59 and a non-object', () => {
    expect(problems({ mon: ['24:00-24:00'] })[0]?.params.part).toBe('24:00');
    expect(problems({ mon: ['10:60-11:00'] })[0]?.params.part).toBe('10:60');
    expect(problems({ mon: ['10:00-24:30'] })[0]?.params.part).toBe('24:30');
    expect(problems(['mon'])).toEqual([
      { path: 'officeHours', code: 'schedule.not-object', params: {} },
    ]);
    expect(problems(null)[0]?.code).toBe('schedule.not-object');
    const top = parseSchedule({ xyz: [] }, '');
    expect(!top.ok && top.problems[0]?.path).toBe('xyz');
  });

  it('has French and English words for every problem', () => {
    expect(missingTranslations()).toEqual([]);
    for (const code of [
      'not-object',
      'bad-day',
      'not-list',
      'not-range',
      'bad-time',
      'empty-range',
    ]) {
      expect(message('fr', `schedule.${code}`)).not.toBe(`schedule.${code}`);
    }
    expect(message('fr', 'schedule.bad-day', { part: 'fry' })).toContain('« fry »');
  });
});

describe('formatSchedule', () => {
  it('groups consecutive days with the same ranges', () => {
    const s = parsed({ 'mon-fri': ['09:00-12:30', '14:00-18:00'], sat: ['09:00-12:00'] });
    expect(formatSchedule(s)).toEqual({
      'mon-fri': ['09:00-12:30', '14:00-18:00'],
      sat: ['09:00-12:00'],
    });
    expect(formatSchedule(parsed({ 'mon,wed': ['00:00-24:00'] }))).toEqual({
      mon: ['00:00-24:00'],
      wed: ['00:00-24:00'],
    });
    expect(formatSchedule({})).toEqual({});
  });

  const rawSchedule = fc
    .array(
      fc.tuple(
        fc.constantFrom(...WEEKDAYS),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1440 }),
      ),
      { maxLength: 20 },
    )
    .map((items) => {
      const s: WeeklySchedule = {};
      for (const [day, a, b] of items) {
        if (a === b) continue;
        (s[day] ??= []).push({ start: Math.min(a, b), end: Math.max(a, b) });
      }
      return s;
    });

  it('round-trips: parse(format(s)) is s for a parsed schedule, and means the same as s', () => {
    fc.assert(
      fc.property(
        rawSchedule,
        fc.constantFrom(...WEEKDAYS),
        fc.integer({ min: 0, max: 1439 }),
        (raw, weekday, minutes) => {
          const normal = parsed(formatSchedule(raw));
          expect(parsed(formatSchedule(normal))).toEqual(normal);
          expect(inSchedule(normal, { weekday, minutes })).toBe(
            inSchedule(raw, { weekday, minutes }),
          );
        },
      ),
    );
  });
});

/** The wall clock as Intl says it, without any cache: the reference for localTime. */
function reference(now: Date, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return {
    weekday: String(parts.weekday).toLowerCase() as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

describe('localTime', () => {
  it('reads Paris in winter and summer time', () => {
    expect(localTime(new Date('2026-01-15T08:30:00Z'), 'Europe/Paris')).toEqual({
      weekday: 'thu',
      minutes: h(9, 30),
      date: '2026-01-15',
    });
    expect(localTime(new Date('2026-07-15T08:30:00Z'), 'Europe/Paris')).toEqual({
      weekday: 'wed',
      minutes: h(10, 30),
      date: '2026-07-15',
    });
  });

  it('follows the daylight-saving changes of Paris (29 March and 25 October 2026)', () => {
    const paris = (iso: string) => localTime(new Date(iso), 'Europe/Paris');
    expect(paris('2026-03-29T00:59:00Z')).toMatchObject({ weekday: 'sun', minutes: h(1, 59) });
    expect(paris('2026-03-29T01:00:00Z')).toMatchObject({ weekday: 'sun', minutes: h(3) });
    expect(paris('2026-03-29T07:00:00Z')).toMatchObject({ minutes: h(9) });
    expect(paris('2026-10-25T00:59:00Z')).toMatchObject({ weekday: 'sun', minutes: h(2, 59) });
    expect(paris('2026-10-25T01:00:00Z')).toMatchObject({ weekday: 'sun', minutes: h(2) });
    expect(paris('2026-10-25T08:00:00Z')).toMatchObject({ minutes: h(9) });
    expect(paris('2026-10-25T22:59:00Z')).toMatchObject({ weekday: 'sun', minutes: h(23, 59) });
    expect(paris('2026-10-25T23:00:00Z')).toMatchObject({ weekday: 'mon', date: '2026-10-26' });
  });

  it('reads other zones: New York, Kathmandu (+05:45), Lord Howe (30-minute DST)', () => {
    expect(localTime(new Date('2026-03-08T06:59:00Z'), 'America/New_York')).toMatchObject({
      weekday: 'sun',
      minutes: h(1, 59),
    });
    expect(localTime(new Date('2026-03-08T07:00:00Z'), 'America/New_York')).toMatchObject({
      minutes: h(3),
    });
    expect(localTime(new Date('2026-01-01T00:00:00Z'), 'Asia/Kathmandu')).toEqual({
      weekday: 'thu',
      minutes: h(5, 45),
      date: '2026-01-01',
    });
    expect(localTime(new Date('2026-10-03T15:30:00Z'), 'Australia/Lord_Howe')).toMatchObject({
      date: '2026-10-04',
      minutes: h(2, 30),
    });
  });

  it('agrees with Intl at any instant in any zone, cache or not', () => {
    const zones = [
      'Europe/Paris',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Pacific/Chatham',
      'America/St_Johns',
      'UTC',
    ];
    const start = Date.parse('2025-01-01T00:00:00Z');
    const end = Date.parse('2028-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: start, max: end }),
        fc.array(fc.integer({ min: -3_600_000, max: 3_600_000 }), { minLength: 1, maxLength: 5 }),
        (zone, t, deltas) => {
          for (const d of [0, ...deltas]) {
            const now = new Date(t + d);
            expect(localTime(now, zone)).toEqual(reference(now, zone));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with Intl minute by minute across both Paris changes', () => {
    for (const day of ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z']) {
      const from = Date.parse(day) - 3_600_000;
      for (let t = from; t < from + 4 * 3_600_000; t += 60_000) {
        expect(localTime(new Date(t), 'Europe/Paris')).toEqual(
          reference(new Date(t), 'Europe/Paris'),
        );
      }
    }
  });

  it('refuses an unknown zone', () => {
    expect(() => localTime(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA zones and nothing else', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

function settings(over: Partial<Settings> = {}): Settings {
  return {
    country: 'FR',
    timezone: 'Europe/Paris',
    officeHours: parsed({ 'mon-fri': ['09:00-12:30', '14:00-18:00'] }),
    holidays: [],
    outboundPolicy: { allow: ['fixed', 'mobile'] },
    maxExceptions: 15,
    language: 'fr',
    outsideCalls: { allow: false, concurrent: 2, perMinute: 10, keepDays: 30 },
    smtp: null,
    ...over,
  };
}

describe('office hours', () => {
  const s = settings({ holidays: [{ date: '2026-05-01', name: 'Fête du travail' }] });
  // Thursday 30 April 2026 and Friday 1 May 2026 (a holiday), summer time (UTC+2).
  const at = (iso: string) => new Date(iso);

  it('follows the weekly schedule with its boundaries in local time', () => {
    expect(isOfficeHours(s, at('2026-04-30T06:59:00Z'))).toBe(false);
    expect(isOfficeHours(s, at('2026-04-30T07:00:00Z'))).toBe(true);
    expect(isOfficeHours(s, at('2026-04-30T10:29:00Z'))).toBe(true);
    expect(isOfficeHours(s, at('2026-04-30T10:30:00Z'))).toBe(false);
    expect(isOfficeHours(s, at('2026-04-30T12:00:00Z'))).toBe(true);
    expect(isOfficeHours(s, at('2026-04-30T16:00:00Z'))).toBe(false);
    expect(isOfficeHours(s, at('2026-05-02T08:00:00Z'))).toBe(false);
  });

  it('is closed all day on a holiday, by local date', () => {
    expect(isOfficeHours(s, at('2026-05-01T08:00:00Z'))).toBe(false);
    expect(isOfficeHours(settings(), at('2026-05-01T08:00:00Z'))).toBe(true);
    // 1 May 00:30 in Paris is still 30 April in UTC.
    const late = settings({
      officeHours: parsed({ 'mon-sun': ['00:00-24:00'] }),
      holidays: [{ date: '2026-05-01' }],
    });
    expect(isOfficeHours(late, at('2026-04-30T22:30:00Z'))).toBe(false);
    expect(isOfficeHours(late, at('2026-04-30T21:30:00Z'))).toBe(true);
  });

  it('counts a DST change day in local time (Sunday 29 March 2026 open 09:00-10:00)', () => {
    const sunday = settings({ officeHours: parsed({ sun: ['09:00-10:00'] }) });
    expect(isOfficeHours(sunday, at('2026-03-29T07:00:00Z'))).toBe(true);
    expect(isOfficeHours(sunday, at('2026-03-29T08:00:00Z'))).toBe(false);
    expect(isOfficeHours(sunday, at('2026-03-29T06:59:00Z'))).toBe(false);
  });

  it('uses the settings time zone', () => {
    const ny = settings({ timezone: 'America/New_York' });
    // 14:00 UTC on a Thursday is 10:00 in New York (EDT) and 16:00 in Paris.
    expect(isOfficeHours(ny, at('2026-04-30T14:00:00Z'))).toBe(true);
    expect(isOfficeHours(ny, at('2026-04-30T22:30:00Z'))).toBe(false);
    expect(isOfficeHours(settings(), at('2026-04-30T17:00:00Z'))).toBe(false);
  });

  it('applies every kind of time condition', () => {
    const periods = parsed({ thu: ['13:00-14:00'] });
    const during = at('2026-04-30T11:15:00Z'); // Thursday 13:15 in Paris: lunch, office closed.
    const office = at('2026-04-30T08:00:00Z'); // 10:00
    expect(hoursApply('all', {}, s, during)).toBe(true);
    expect(hoursApply('office', {}, s, office)).toBe(true);
    expect(hoursApply('office', {}, s, during)).toBe(false);
    expect(hoursApply('outside-office', {}, s, during)).toBe(true);
    expect(hoursApply('outside-office', {}, s, office)).toBe(false);
    expect(hoursApply('specific', periods, s, during)).toBe(true);
    expect(hoursApply('specific', periods, s, office)).toBe(false);
    expect(hoursApply('outside-specific', periods, s, during)).toBe(false);
    expect(hoursApply('outside-specific', periods, s, office)).toBe(true);
    // Holidays close the office; they leave specific periods alone.
    const holiday = at('2026-05-01T08:00:00Z');
    expect(hoursApply('outside-office', {}, s, holiday)).toBe(true);
    expect(hoursApply('specific', parsed({ fri: ['10:00-11:00'] }), s, holiday)).toBe(true);
  });
});

describe('inSchedule', () => {
  it('is half-open: start in, end out', () => {
    const s = parsed({ mon: ['09:00-10:00', '22:00-24:00'] });
    expect(inSchedule(s, { weekday: 'mon', minutes: h(9) })).toBe(true);
    expect(inSchedule(s, { weekday: 'mon', minutes: h(10) })).toBe(false);
    expect(inSchedule(s, { weekday: 'mon', minutes: 1439 })).toBe(true);
    expect(inSchedule(s, { weekday: 'tue', minutes: h(9) })).toBe(false);
  });
});

describe('coverage', () => {
  it('scheduleCovers: every range of b inside a range of a, day by day', () => {
    const office = parsed({ 'mon-fri': ['09:00-18:00'] });
    expect(scheduleCovers(office, parsed({ mon: ['10:00-12:00'], fri: ['17:00-18:00'] }))).toBe(
      true,
    );
    expect(scheduleCovers(office, parsed({ mon: ['08:00-12:00'] }))).toBe(false);
    expect(scheduleCovers(office, parsed({ sat: ['10:00-11:00'] }))).toBe(false);
    expect(scheduleCovers(office, {})).toBe(true);
    expect(scheduleCovers({}, office)).toBe(false);
    expect(
      scheduleCovers(
        parsed({ mon: ['09:00-12:00', '12:00-18:00'] }),
        parsed({ mon: ['11:00-13:00'] }),
      ),
    ).toBe(true);
  });

  const c = (hours: Hours, periods: WeeklySchedule = {}) => ({ hours, periods });
  const morning = parsed({ 'mon-fri': ['09:00-12:00'] });

  it('hoursCover: the cases a check can be sure of', () => {
    expect(hoursCover(c('all'), c('office'))).toBe(true);
    expect(hoursCover(c('all'), c('outside-specific', morning))).toBe(true);
    expect(hoursCover(c('office'), c('office'))).toBe(true);
    expect(hoursCover(c('outside-office'), c('outside-office'))).toBe(true);
    expect(
      hoursCover(c('specific', morning), c('specific', parsed({ mon: ['10:00-11:00'] }))),
    ).toBe(true);
    expect(
      hoursCover(
        c('outside-specific', parsed({ mon: ['10:00-11:00'] })),
        c('outside-specific', morning),
      ),
    ).toBe(true);
    expect(hoursCover(c('specific', parsed({ 'mon-sun': ['00:00-24:00'] })), c('office'))).toBe(
      true,
    );
    expect(hoursCover(c('office'), c('specific', {}))).toBe(true);
  });

  it('hoursCover: false when it depends on the settings or does not hold', () => {
    expect(hoursCover(c('office'), c('all'))).toBe(false);
    expect(hoursCover(c('office'), c('outside-office'))).toBe(false);
    expect(hoursCover(c('office'), c('specific', morning))).toBe(false);
    expect(hoursCover(c('specific', morning), c('office'))).toBe(false);
    expect(hoursCover(c('specific', morning), c('all'))).toBe(false);
    expect(
      hoursCover(c('specific', parsed({ mon: ['10:00-11:00'] })), c('specific', morning)),
    ).toBe(false);
    expect(hoursCover(c('outside-specific', morning), c('specific', morning))).toBe(false);
  });

  const schedule = fc
    .array(
      fc.tuple(
        fc.constantFrom(...WEEKDAYS),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 24 }),
      ),
      { maxLength: 6 },
    )
    .map((items) => {
      const s: WeeklySchedule = {};
      for (const [day, a, b] of items) {
        if (a < b) (s[day] ??= []).push({ start: a * 60, end: b * 60 });
      }
      return parsed(formatSchedule(s));
    });
  const condition = fc.record({ hours: fc.constantFrom(...HOURS), periods: schedule });

  it('hoursCover is sound: where b applies, a applies, whatever the settings and instant', () => {
    fc.assert(
      fc.property(
        condition,
        condition,
        schedule,
        fc.integer({
          min: Date.parse('2026-01-01T00:00:00Z'),
          max: Date.parse('2027-01-01T00:00:00Z'),
        }),
        fc.boolean(),
        (a, b, officeHours, t, holiday) => {
          fc.pre(hoursCover(a, b));
          const now = new Date(t);
          const s = settings({
            officeHours,
            holidays: holiday ? [{ date: localTime(now, 'Europe/Paris').date }] : [],
          });
          if (hoursApply(b.hours, b.periods, s, now)) {
            expect(hoursApply(a.hours, a.periods, s, now)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
