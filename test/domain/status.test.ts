/**
 * Issue 13 §6 in the engine: a status chosen "until" a time, a weekly schedule of statuses, the
 * effective status computed from them and the instant, and routing that uses it and says so.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildDirectory, toDocument } from '../../src/domain/document.js';
import { effectiveStatus } from '../../src/domain/status.js';
import { route } from '../../src/domain/route.js';
import { normalizeCaller } from '../../src/domain/numbers.js';
import type { Directory, Extension, TraceEntry } from '../../src/domain/types.js';
import { describeTrace } from '../../src/i18n/trace.js';

function build(extra: Record<string, unknown>): Directory {
  const r = buildDirectory({
    officeHours: { 'mon-fri': ['09:00-12:30', '14:00-18:00'] },
    holidays: ['2026-12-25'],
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'change-me-100' },
      {
        number: '101',
        name: 'Alice',
        password: 'change-me-101',
        forwarding: { lunch: { type: 'extension', target: '100' } },
        ...extra,
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.directory;
}

const alice = (d: Directory) => d.extensions.get('101') as Extension;

/** Thursday 3 December 2026 in Paris (UTC+1). */
const at = (local: string) => new Date(`2026-12-03T${local}:00+01:00`);

const SCHEDULE = [
  { status: 'lunch', periods: { 'mon-fri': ['12:30-14:00'] } },
  { status: 'away', hours: 'outside-office' },
];

describe('effective status', () => {
  it('a status chosen until 14:00 holds until then, then the status set before is back', () => {
    const d = build({ temporaryStatus: { status: 'dnd', until: '2026-12-03T14:00' } });
    const settings = d.settings;
    expect(effectiveStatus(alice(d), settings, at('13:59'))).toEqual({
      status: 'dnd',
      source: 'until',
      until: at('14:00').getTime(),
    });
    expect(effectiveStatus(alice(d), settings, at('14:00'))).toEqual({
      status: 'available',
      source: 'set',
    });
  });

  it('the schedule gives lunch at 12:30–14:00 and away outside office hours, holidays included', () => {
    const d = build({ statusSchedule: SCHEDULE });
    const s = (now: Date) => effectiveStatus(alice(d), d.settings, now);
    expect(s(at('10:00'))).toEqual({ status: 'available', source: 'set' });
    expect(s(at('12:30'))).toEqual({ status: 'lunch', source: 'schedule' });
    expect(s(at('13:59'))).toEqual({ status: 'lunch', source: 'schedule' });
    expect(s(at('14:00'))).toEqual({ status: 'available', source: 'set' });
    expect(s(at('18:00'))).toEqual({ status: 'away', source: 'schedule' });
    // Christmas is a Friday and a holiday: away all day, lunch first at lunchtime (first wins).
    expect(s(new Date('2026-12-25T10:00:00+01:00'))).toEqual({
      status: 'away',
      source: 'schedule',
    });
    expect(s(new Date('2026-12-25T13:00:00+01:00'))).toEqual({
      status: 'lunch',
      source: 'schedule',
    });
  });

  it('the schedule does not undo a status chosen on purpose; a temporary one beats the schedule', () => {
    const trip = build({ status: 'business-trip', statusSchedule: SCHEDULE });
    expect(effectiveStatus(alice(trip), trip.settings, at('13:00')).status).toBe('business-trip');
    const dnd = build({
      statusSchedule: SCHEDULE,
      temporaryStatus: { status: 'dnd', until: '2026-12-03T13:30' },
    });
    expect(effectiveStatus(alice(dnd), dnd.settings, at('13:00')).status).toBe('dnd');
    expect(effectiveStatus(alice(dnd), dnd.settings, at('13:30')).status).toBe('lunch');
  });

  it('is a function of (set status, until, schedule, now) only: any instant gives one of them', () => {
    const d = build({
      statusSchedule: SCHEDULE,
      temporaryStatus: { status: 'dnd', until: '2026-12-10T09:00' },
    });
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2026-12-01'), max: Date.parse('2026-12-20') }),
        (t) => {
          const e = effectiveStatus(alice(d), d.settings, new Date(t));
          if (t < Date.parse('2026-12-10T08:00:00Z')) expect(e).toMatchObject({ status: 'dnd' });
          else expect(['available', 'lunch', 'away']).toContain(e.status);
          expect(effectiveStatus(alice(d), d.settings, new Date(t))).toEqual(e);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('routing with the effective status', () => {
  const caller = normalizeCaller({ user: '0491000000' }, 'FR', () => false);

  it('forwards by the scheduled status and names it in the explanation', () => {
    const d = build({ statusSchedule: SCHEDULE });
    const lunch = route({ to: '101', from: caller }, d, at('13:00'));
    expect(lunch.trace[0]).toEqual({ code: 'status-scheduled', extension: '101', status: 'lunch' });
    expect(describeTrace('fr', lunch.trace[0] as TraceEntry, d)).toBe(
      '101 : statut Déjeuner, selon son planning de statuts',
    );
    expect(lunch.plan[0]).toEqual({ do: 'ring', extensions: ['100'], timeout: 20 });
    const morning = route({ to: '101', from: caller }, d, at('10:00'));
    expect(morning.plan[0]).toEqual({ do: 'ring', extensions: ['101'], timeout: 20 });
  });

  it('says until when a temporary status holds and what comes after it', () => {
    const d = build({ temporaryStatus: { status: 'lunch', until: '2026-12-03T14:00' } });
    const decision = route({ to: '101', from: caller }, d, at('13:00'));
    expect(decision.trace[0]).toEqual({
      code: 'status-until',
      extension: '101',
      status: 'lunch',
      statusUntil: at('14:00').getTime(),
      after: 'available',
    });
    expect(describeTrace('fr', decision.trace[0] as TraceEntry, d)).toBe(
      '101 : statut Déjeuner jusqu’au jeudi 3 décembre à 14:00, puis de nouveau Disponible',
    );
    expect(describeTrace('en', decision.trace[0] as TraceEntry, d)).toBe(
      '101: status Lunch until Thursday 3 December at 14:00, then Available again',
    );
  });

  it('an exception limited to a status fires in the scheduled one', () => {
    const d = build({
      statusSchedule: SCHEDULE,
      exceptions: [{ callerId: '*', statuses: ['away'], action: { type: 'busy' } }],
    });
    expect(route({ to: '101', from: caller }, d, at('20:00')).plan).toEqual([{ do: 'busy' }]);
    expect(route({ to: '101', from: caller }, d, at('10:00')).exception).toBeNull();
  });
});

describe('the document', () => {
  it('round-trips a temporary status and a schedule', () => {
    const d = build({
      statusSchedule: SCHEDULE,
      temporaryStatus: { status: 'dnd', until: '2026-12-03T14:00' },
    });
    const doc = toDocument(d).extensions?.[1];
    expect(doc).toMatchObject({
      temporaryStatus: { status: 'dnd', until: '2026-12-03T13:00:00.000Z' },
      statusSchedule: [
        { status: 'lunch', periods: { 'mon-fri': ['12:30-14:00'] } },
        { status: 'away', hours: 'outside-office' },
      ],
    });
    const again = buildDirectory(toDocument(d));
    expect(again.ok && toDocument(again.directory)).toEqual(toDocument(d));
  });

  it('names each mistake by its path', () => {
    const r = buildDirectory({
      extensions: [
        {
          number: '101',
          name: 'Alice',
          password: 'change-me-101',
          temporaryStatus: { status: 'dnd', until: 'à 14h' },
          statusSchedule: [
            { status: 'available', hours: 'office' },
            { status: 'lunch', hours: 'specific' },
            { status: 'gone', periods: { mon: ['12:00-13:00'] } },
          ],
        },
      ],
    });
    expect(r.ok ? [] : r.problems.map((p) => [p.path, p.code])).toEqual([
      ['extensions[0].temporaryStatus.until', 'directory.bad-instant'],
      ['extensions[0].statusSchedule[0].status', 'directory.schedule-available'],
      ['extensions[0].statusSchedule[1].periods', 'directory.periods-required'],
      ['extensions[0].statusSchedule[2].status', 'directory.not-one-of'],
    ]);
  });
});
