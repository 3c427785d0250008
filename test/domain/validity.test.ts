/**
 * Issue 13 §1 and §3 in the engine: validity dates ("Du … au …") and the repeat caller, from the
 * document through route() and renvoi check.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildDirectory, toDocument } from '../../src/domain/document.js';
import { route } from '../../src/domain/route.js';
import { checkDirectory } from '../../src/domain/check.js';
import { normalizeCaller } from '../../src/domain/numbers.js';
import type { Directory, PastCall, Problem, TraceEntry } from '../../src/domain/types.js';
import type { Finding } from '../../src/domain/check.js';
import { describeTrace } from '../../src/i18n/trace.js';
import { describeFinding } from '../../src/i18n/finding.js';

const ZONE = 'Europe/Paris';
const MOBILE_CALLER = '0612345678';

function doc(exceptions: unknown[], extra: Record<string, unknown> = {}) {
  return {
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'change-me-100' },
      {
        number: '101',
        name: 'Alice',
        password: 'change-me-101',
        mobile: '06 11 22 33 44',
        exceptions,
        ...extra,
      },
    ],
  };
}

function build(exceptions: unknown[], extra: Record<string, unknown> = {}): Directory {
  const r = buildDirectory(doc(exceptions, extra));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.directory;
}

function problems(exceptions: unknown[]): Problem[] {
  const r = buildDirectory(doc(exceptions));
  return r.ok ? [] : r.problems;
}

function decide(d: Directory, now: Date, recentCalls: PastCall[] = [], from = MOBILE_CALLER) {
  const caller = normalizeCaller({ user: from }, 'FR', (n) => d.extensions.has(n));
  return route({ to: '101', from: caller, recentCalls }, d, now);
}

const TO_100 = { type: 'extension', target: '100' };

/** "*" in DND → voicemail, preceded by "3 calls in 10 min → my mobile". */
const rules = [
  { callerId: '*', repeat: { calls: 3, minutes: 10 }, action: { type: 'mobile' } },
  { callerId: '*', statuses: ['dnd'], action: { type: 'voicemail' } },
];

/** The local calendar date of an instant in Paris, computed without the code under test. */
function parisDate(t: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(t);
}

describe('validity dates in the document', () => {
  it('reads from/until as dates or date-times, and round-trips them', () => {
    const d = build([
      { callerId: '*', from: '2026-12-20', until: '2026-12-31', action: TO_100 },
      { callerId: '06*', from: '2026-12-20T08:00', action: TO_100 },
      { callerId: '07*', until: '2026-12-24T12:30', action: TO_100 },
    ]);
    const list = d.extensions.get('101')?.exceptions ?? [];
    expect(list.map((e) => [e.from, e.until])).toEqual([
      ['2026-12-20', '2026-12-31'],
      ['2026-12-20T08:00', null],
      [null, '2026-12-24T12:30'],
    ]);
    const again = buildDirectory(toDocument(d));
    expect(again.ok && toDocument(again.directory)).toEqual(toDocument(d));
    expect(toDocument(d).extensions?.[1]?.exceptions?.[0]).toMatchObject({
      from: '2026-12-20',
      until: '2026-12-31',
    });
  });

  it('names each bad date by its path, and an end before the start', () => {
    expect(
      problems([
        { callerId: '*', from: '2026-02-30', action: TO_100 },
        { callerId: '*', until: '31/12/2026', action: TO_100 },
        { callerId: '*', from: '2026-12-20T25:00', action: TO_100 },
        { callerId: '*', from: '2026-12-31', until: '2026-12-20', action: TO_100 },
        { callerId: '*', from: 20261220, action: TO_100 },
      ]),
    ).toEqual([
      {
        path: 'extensions[1].exceptions[4].from',
        code: 'directory.not-string',
        params: { value: '20261220' },
      },
      {
        path: 'extensions[1].exceptions[0].from',
        code: 'directory.bad-validity',
        params: { value: '2026-02-30' },
      },
      {
        path: 'extensions[1].exceptions[1].until',
        code: 'directory.bad-validity',
        params: { value: '31/12/2026' },
      },
      {
        path: 'extensions[1].exceptions[2].from',
        code: 'directory.bad-validity',
        params: { value: '2026-12-20T25:00' },
      },
      {
        path: 'extensions[1].exceptions[3].until',
        code: 'directory.validity-empty',
        params: { from: '2026-12-31', until: '2026-12-20' },
      },
      {
        path: 'extensions[1].exceptions[4].from',
        code: 'directory.bad-validity',
        params: { value: '' },
      },
    ]);
  });

  it('accepts a one-day rule (from and until the same date)', () => {
    expect(
      problems([{ callerId: '*', from: '2026-12-25', until: '2026-12-25', action: TO_100 }]),
    ).toEqual([]);
  });
});

describe('validity dates in route()', () => {
  const holiday = build([
    { callerId: '*', from: '2026-12-20', until: '2026-12-31', action: TO_100 },
  ]);

  it('fires from the first day’s midnight to the last day’s end, local time', () => {
    // Paris is UTC+1 in December.
    expect(decide(holiday, new Date('2026-12-19T22:59:59Z')).exception).toBeNull();
    expect(decide(holiday, new Date('2026-12-19T23:00:00Z')).exception).toBe(0);
    expect(decide(holiday, new Date('2026-12-31T22:59:59Z')).exception).toBe(0);
    expect(decide(holiday, new Date('2026-12-31T23:00:00Z')).exception).toBeNull();
  });

  it('says why it did not fire: not yet, or expired (with the date as people write it)', () => {
    const before = decide(holiday, new Date('2026-12-01T10:00:00Z'));
    expect(before.trace[0]).toEqual({
      code: 'exception-not-yet',
      extension: '101',
      exception: 0,
      from: '2026-12-20',
    });
    expect(describeTrace('fr', before.trace[0] as TraceEntry, holiday)).toBe(
      '101 : exception 1 ignorée : elle ne vaut qu’à partir du 20/12/2026',
    );
    const after = decide(holiday, new Date('2027-01-02T10:00:00Z'));
    expect(after.trace[0]?.code).toBe('exception-expired');
    expect(describeTrace('en', after.trace[0] as TraceEntry, holiday)).toBe(
      '101: exception 1 skipped: it has expired (valid until 31/12/2026)',
    );
  });

  for (const day of ['2026-03-29', '2026-10-25']) {
    it(`a one-day rule on ${day} (a daylight-saving day) fires exactly on that local day`, () => {
      const d = build([{ callerId: '*', from: day, until: day, action: TO_100 }]);
      const centre = Date.parse(`${day}T12:00:00Z`);
      fc.assert(
        fc.property(fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }), (offset) => {
          const t = centre + offset;
          const fired = decide(d, new Date(t)).exception === 0;
          expect(fired).toBe(parisDate(t) === day);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('the 2026-03-29 day lasts 23 hours and the 2026-10-25 day 25 hours', () => {
    const spring = build([
      { callerId: '*', from: '2026-03-29', until: '2026-03-29', action: TO_100 },
    ]);
    expect(decide(spring, new Date('2026-03-28T22:59:59Z')).exception).toBeNull();
    expect(decide(spring, new Date('2026-03-28T23:00:00Z')).exception).toBe(0);
    expect(decide(spring, new Date('2026-03-29T21:59:59Z')).exception).toBe(0);
    expect(decide(spring, new Date('2026-03-29T22:00:00Z')).exception).toBeNull();
    const autumn = build([
      { callerId: '*', from: '2026-10-25', until: '2026-10-25', action: TO_100 },
    ]);
    expect(decide(autumn, new Date('2026-10-24T21:59:59Z')).exception).toBeNull();
    expect(decide(autumn, new Date('2026-10-24T22:00:00Z')).exception).toBe(0);
    expect(decide(autumn, new Date('2026-10-25T22:59:59Z')).exception).toBe(0);
    expect(decide(autumn, new Date('2026-10-25T23:00:00Z')).exception).toBeNull();
  });

  it('date-time bounds across the changes: a skipped hour is read after the change, a repeated one at its first occurrence', () => {
    // 02:30 does not exist on 29 March: it is read as 03:30 CEST (01:30Z).
    const spring = build([
      { callerId: '*', from: '2026-03-29T01:30', until: '2026-03-29T02:30', action: TO_100 },
    ]);
    expect(decide(spring, new Date('2026-03-29T00:29:59Z')).exception).toBeNull();
    expect(decide(spring, new Date('2026-03-29T00:30:00Z')).exception).toBe(0);
    expect(decide(spring, new Date('2026-03-29T01:29:59Z')).exception).toBe(0);
    expect(decide(spring, new Date('2026-03-29T01:30:00Z')).exception).toBeNull();
    // 02:30 happens twice on 25 October: the first time (00:30Z, CEST) ends the rule.
    const autumn = build([{ callerId: '*', until: '2026-10-25T02:30', action: TO_100 }]);
    expect(decide(autumn, new Date('2026-10-25T00:29:59Z')).exception).toBe(0);
    expect(decide(autumn, new Date('2026-10-25T00:30:00Z')).exception).toBeNull();
  });
});

describe('repeat caller', () => {
  const dnd = build(rules, { status: 'dnd' });
  const now = new Date('2026-05-04T08:00:00Z');
  const ago = (minutes: number, id: string, called = '101'): PastCall => ({
    id,
    at: now.getTime() - minutes * 60_000,
    called,
  });

  it('breaks through DND on the third call within 10 minutes, and says which calls counted', () => {
    const first = decide(dnd, now, []);
    expect(first.plan).toEqual([{ do: 'voicemail', mailbox: '101' }]);
    expect(first.trace[0]).toMatchObject({
      code: 'exception-repeat-mismatch',
      repeat: { count: 1, calls: 3, minutes: 10, earlier: [] },
    });
    const third = decide(dnd, now, [ago(2, 'b'), ago(7, 'a')]);
    expect(third.exception).toBe(0);
    expect(third.plan).toEqual([
      { do: 'dial', number: '+33611223344', presentation: 'caller', timeout: null },
    ]);
    expect(third.trace[0]).toEqual({
      code: 'exception-repeat-reached',
      extension: '101',
      exception: 0,
      repeat: { count: 3, calls: 3, minutes: 10, earlier: [ago(7, 'a'), ago(2, 'b')] },
    });
    // Paris is UTC+2 in May: 09:53 and 09:58.
    expect(describeTrace('fr', third.trace[0] as TraceEntry, dnd)).toBe(
      '101 : appel n° 3 de ce numéro en 10 min (il en faut 3) ; appels précédents comptés : 09:53:00, 09:58:00',
    );
  });

  it('does not count calls outside the window, nor calls to another number', () => {
    const d = decide(dnd, now, [ago(2, 'b'), ago(10, 'old'), ago(1, 'c', '100')]);
    expect(d.exception).toBe(1);
    expect(d.trace[0]).toMatchObject({ repeat: { count: 2, earlier: [ago(2, 'b')] } });
  });

  it('fires exactly when the calls to the extension within the window reach the count', () => {
    const called = fc.constantFrom('101', '100', '800');
    const past = fc.record({
      id: fc.uuid(),
      minutes: fc.double({ min: 0, max: 30, noNaN: true }),
      called,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(past, { maxLength: 12 }),
        (calls, minutes, history) => {
          const d = build([
            { callerId: '*', repeat: { calls, minutes }, action: { type: 'busy' } },
          ]);
          const recent = history.map((h) => ago(h.minutes, h.id, h.called));
          const counted = history.filter((h) => h.called === '101' && h.minutes < minutes).length;
          expect(decide(d, now, recent).exception === 0).toBe(counted + 1 >= calls);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never fires for an anonymous caller, who has no earlier calls', () => {
    expect(decide(dnd, now, [], 'anonymous').exception).toBe(1);
  });

  it('validates calls and minutes with their paths', () => {
    expect(
      problems([
        { callerId: '*', repeat: { calls: 1, minutes: 10 }, action: TO_100 },
        { callerId: '*', repeat: { calls: 3 }, action: TO_100 },
        { callerId: '*', repeat: { calls: 3, minutes: 10, per: 'day' }, action: TO_100 },
      ]).map((p) => [p.path, p.code]),
    ).toEqual([
      ['extensions[1].exceptions[0].repeat.calls', 'directory.out-of-range'],
      ['extensions[1].exceptions[1].repeat.minutes', 'directory.required'],
      ['extensions[1].exceptions[2].repeat.per', 'directory.unknown-key'],
    ]);
  });

  it('round-trips through the document', () => {
    const again = buildDirectory(toDocument(dnd));
    expect(again.ok && again.directory.extensions.get('101')?.exceptions[0]?.repeat).toEqual({
      calls: 3,
      minutes: 10,
    });
  });
});

describe('renvoi check: expired rules and shadowed repeat rules', () => {
  const NOW = new Date('2027-01-05T10:00:00Z');

  it('reports an expired rule without deleting it', () => {
    const d = build([{ callerId: '*', from: '2026-12-20', until: '2026-12-31', action: TO_100 }]);
    expect(checkDirectory(d, NOW)).toEqual([
      { kind: 'expired', extension: '101', exception: 0, until: '2026-12-31' },
    ]);
    expect(checkDirectory(d, new Date('2026-12-25T10:00:00Z'))).toEqual([]);
    expect(d.extensions.get('101')?.exceptions).toHaveLength(1);
  });

  it('an expired rule hides nothing after it', () => {
    const d = build([
      { callerId: '*', until: '2026-12-31', action: TO_100 },
      { callerId: '06*', action: { type: 'busy' } },
    ]);
    expect(checkDirectory(d, NOW).map((f) => f.kind)).toEqual(['expired']);
    expect(checkDirectory(d, new Date('2026-12-01T10:00:00Z'))).toEqual([]);
  });

  it('a dated rule is shadowed only by one whose period contains it', () => {
    const inside = build([
      { callerId: '*', from: '2026-12-01', until: '2027-01-31', action: TO_100 },
      { callerId: '06*', from: '2027-01-10', until: '2027-01-20', action: { type: 'busy' } },
    ]);
    expect(checkDirectory(inside, NOW)).toEqual([
      { kind: 'shadowed', extension: '101', exception: 1, by: 0 },
    ]);
    const overlapping = build([
      { callerId: '*', from: '2026-12-01', until: '2027-01-15', action: TO_100 },
      { callerId: '06*', from: '2027-01-10', until: '2027-01-20', action: { type: 'busy' } },
    ]);
    expect(checkDirectory(overlapping, NOW)).toEqual([]);
  });

  it('reports a repeat rule placed after the rule that takes its calls', () => {
    const d = build([...rules.slice(1), rules[0]], { status: 'dnd' });
    const findings = checkDirectory(d, NOW);
    expect(findings).toEqual([
      { kind: 'repeat-shadowed', extension: '101', exception: 1, by: 0, statuses: ['dnd'] },
    ]);
    expect(describeFinding('fr', findings[0] as Finding, d)).toBe(
      '101, exception 2 (« * », appels répétés) ne s’appliquera jamais en statut Ne pas déranger : l’exception 1 (« * ») prend ces appels avant elle ; placez-la avant.',
    );
    // In the right order, nothing to say: the repeat rule hides nothing.
    expect(checkDirectory(build(rules, { status: 'dnd' }), NOW)).toEqual([]);
  });

  it('a repeat rule shadows a stricter one (more calls, shorter window)', () => {
    const d = build([
      { callerId: '*', repeat: { calls: 2, minutes: 10 }, action: TO_100 },
      { callerId: '*', repeat: { calls: 3, minutes: 5 }, action: { type: 'busy' } },
    ]);
    expect(checkDirectory(d, NOW).map((f) => f.kind)).toEqual(['repeat-shadowed']);
  });
});
