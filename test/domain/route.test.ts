import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type {
  Action,
  Caller,
  Directory,
  Extension,
  ExtensionState,
  ForwardingException,
  Hours,
  RingGroup,
  Settings,
  Status,
  Step,
  TraceCode,
  TraceEntry,
} from '../../src/domain/types.js';
import { NUMBER_CLASSES, STATUSES } from '../../src/domain/types.js';
import { parseCallerId } from '../../src/domain/patterns.js';
import { classifyNumber, normalizeCaller } from '../../src/domain/numbers.js';
import { parseSchedule } from '../../src/domain/schedule.js';
import { MAX_HOPS, actionProblem, forwardTargets, route } from '../../src/domain/route.js';
import { message } from '../../src/i18n/index.js';

// ---------------------------------------------------------------------------
// Builders

function patterns(text: string) {
  const r = parseCallerId(text, 'FR');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.patterns;
}

function periods(doc: Record<string, string[]>) {
  const r = parseSchedule(doc, 'periods');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.schedule;
}

function exc(
  callerId: string,
  action: Action,
  over: Partial<Omit<ForwardingException, 'callerId' | 'action'>> = {},
): ForwardingException {
  return {
    callerId,
    patterns: patterns(callerId),
    hours: 'all',
    periods: {},
    statuses: [],
    enabled: true,
    from: null,
    until: null,
    repeat: null,
    action,
    ...over,
  };
}

const VM: Action = { type: 'voicemail' };

function ext(number: string, over: Partial<Extension> = {}): Extension {
  return {
    number,
    name: `Ext ${number}`,
    password: { plain: 'x' },
    mobile: null,
    voicemailPin: null,
    ringTimeout: 20,
    status: 'available',
    language: 'fr',
    role: 'user',
    forwarding: {
      noAnswer: VM,
      busy: VM,
      away: VM,
      dnd: VM,
      lunch: VM,
      'business-trip': VM,
    },
    exceptions: [],
    temporaryStatus: null,
    statusSchedule: [],
    contacts: [],
    email: null,
    deleteAfterEmail: false,
    ...over,
  };
}

function group(number: string, over: Partial<RingGroup> = {}): RingGroup {
  return {
    number,
    name: `Group ${number}`,
    strategy: 'ring-all',
    members: [],
    timeout: 20,
    fallback: { type: 'voicemail', mailbox: '100' },
    ...over,
  };
}

function settings(over: Partial<Settings> = {}): Settings {
  return {
    country: 'FR',
    timezone: 'Europe/Paris',
    officeHours: periods({ 'mon-fri': ['09:00-12:30', '14:00-18:00'] }),
    holidays: [],
    outboundPolicy: { allow: ['fixed', 'mobile'] },
    maxExceptions: 15,
    language: 'fr',
    outsideCalls: { allow: false, concurrent: 2, perMinute: 10, keepDays: 30 },
    smtp: null,
    ...over,
  };
}

function directory(
  extensions: Extension[],
  groups: RingGroup[] = [],
  over: Partial<Settings> = {},
): Directory {
  return {
    settings: settings(over),
    extensions: new Map(extensions.map((e) => [e.number, e])),
    ringGroups: new Map(groups.map((g) => [g.number, g])),
    trunks: [],
    phonebook: [],
  };
}

function caller(d: Directory, from: string | null): Caller {
  return normalizeCaller({ user: from }, d.settings.country, (n) => d.extensions.has(n));
}

/** Thursday 30 April 2026: 10:00 and 22:00 in Paris (UTC+2). */
const OFFICE = new Date('2026-04-30T08:00:00Z');
const NIGHT = new Date('2026-04-30T20:00:00Z');

function call(
  d: Directory,
  to: string,
  from: string | null,
  now: Date = OFFICE,
  extra: { status?: Status; states?: Record<string, ExtensionState> } = {},
) {
  return route({ to, from: caller(d, from), ...extra }, d, now);
}

const codes = (trace: TraceEntry[]): TraceCode[] => trace.map((t) => t.code);
const vm = (mailbox: string): Step => ({ do: 'voicemail', mailbox });
const ring = (extensions: string[], timeout = 20): Step => ({ do: 'ring', extensions, timeout });

function bounce(own: string, number: string, timeout = 20): Step[] {
  return [
    { do: 'announce', prompt: 'locating', extension: own },
    { do: 'dial', number, presentation: 'anonymous', timeout },
    { do: 'announce', prompt: 'unavailable' },
    vm(own),
  ];
}

/** The design's example directory (§6), from the guide's three worked examples. */
function guide(order: 'as-written' | 'external-first' = 'as-written'): Directory {
  const mobiles = exc('06* 07*', { type: 'extension', target: '100', voicemail: true });
  const external = exc('06 00 00 00 00', {
    type: 'external',
    number: '04 42 93 06 98',
    bounce: true,
  });
  const everyone = exc('*', { type: 'mobile', bounce: true }, { hours: 'outside-office' });
  return directory(
    [
      ext('100', { name: 'Secrétariat' }),
      ext('101', {
        name: 'Alice Martin',
        mobile: '06 11 22 33 44',
        exceptions:
          order === 'as-written' ? [mobiles, external, everyone] : [external, mobiles, everyone],
      }),
    ],
    [group('800', { members: ['100', '101'] })],
  );
}

// ---------------------------------------------------------------------------

describe('the guide’s worked examples', () => {
  it('06* 07*: mobiles go to the voicemail of 100 (the secretariat)', () => {
    const d = guide();
    for (const from of ['0611223344', '0712345678']) {
      const decision = call(d, '101', from);
      expect(decision.exception).toBe(0);
      expect(decision.action).toEqual({ type: 'extension', target: '100', voicemail: true });
      expect(decision.plan).toEqual([vm('100')]);
    }
  });

  it('06 00 00 00 00 → external 04 42 93 06 98 with bounce: the four-step plan', () => {
    const decision = call(guide('external-first'), '101', '06 00 00 00 00');
    expect(decision.exception).toBe(0);
    expect(decision.plan).toEqual(bounce('101', '+33442930698'));
  });

  it('first match wins: as written, 06* takes 06 00 00 00 00 before its own exception', () => {
    const decision = call(guide(), '101', '0600000000');
    expect(decision.exception).toBe(0);
    expect(decision.plan).toEqual([vm('100')]);
    expect(codes(decision.trace)).toEqual(['exception-matched']);
  });

  it('* + mobile with bounce, outside office hours: the caller hears the prompts, mobile sees a private number', () => {
    const decision = call(guide(), '101', '0142000000', NIGHT);
    expect(decision.exception).toBe(2);
    expect(decision.action).toEqual({ type: 'mobile', bounce: true });
    expect(decision.plan).toEqual(bounce('101', '+33611223344'));
  });

  it('* + mobile in office hours does not fire: status forwarding rings 101 then voicemail', () => {
    const decision = call(guide(), '101', '0142000000', OFFICE);
    expect(decision.exception).toBeNull();
    expect(decision.action).toBeNull();
    expect(decision.plan).toEqual([ring(['101']), vm('101')]);
  });

  it('explains itself in order', () => {
    expect(call(guide(), '101', '0142000000', OFFICE).trace).toEqual([
      { code: 'exception-caller-mismatch', extension: '101', exception: 0 },
      { code: 'exception-caller-mismatch', extension: '101', exception: 1 },
      { code: 'exception-hours-mismatch', extension: '101', exception: 2, hours: 'outside-office' },
      { code: 'no-exception', extension: '101' },
      { code: 'status-forwarding', extension: '101', status: 'available', reason: 'idle' },
    ]);
    expect(call(guide(), '101', '0142000000', NIGHT).trace).toEqual([
      { code: 'exception-caller-mismatch', extension: '101', exception: 0 },
      { code: 'exception-caller-mismatch', extension: '101', exception: 1 },
      { code: 'exception-matched', extension: '101', exception: 2 },
    ]);
  });
});

describe('callers', () => {
  const d = directory([ext('101', { exceptions: [exc('06*', { type: 'busy' })] }), ext('102')]);

  it('+33…, 0033… and 06… are the same caller for 06*', () => {
    for (const from of ['+33612345678', '0033612345678', '0612345678', '06 12 34 56 78']) {
      expect(call(d, '101', from).exception).toBe(0);
    }
    for (const from of ['+33712345678', '0142000000', '+44612345678']) {
      expect(call(d, '101', from).exception).toBeNull();
    }
  });

  it('+336* is the same pattern as 06*', () => {
    const d2 = directory([ext('101', { exceptions: [exc('+336*', { type: 'busy' })] })]);
    expect(call(d2, '101', '0612345678').exception).toBe(0);
    expect(call(d2, '101', '0033612345678').exception).toBe(0);
  });

  it('internal callers: extension numbers as they are, and the word internal', () => {
    const d2 = directory([
      ext('101', {
        exceptions: [
          exc('06*', { type: 'busy' }),
          exc('102', { type: 'voicemail' }),
          exc('internal', { type: 'extension', target: '103', voicemail: true }),
        ],
      }),
      ext('102'),
      ext('103'),
      ext('104'),
    ]);
    expect(call(d2, '101', '102').exception).toBe(1);
    expect(call(d2, '101', '104').exception).toBe(2);
    expect(call(d2, '101', '0612345678').exception).toBe(0);
    expect(call(d2, '101', '0142000000').exception).toBeNull();
  });

  it('anonymous callers: the word anonymous and *, never a number pattern', () => {
    const d2 = directory([
      ext('101', { exceptions: [exc('06*', { type: 'busy' }), exc('anonymous', VM)] }),
      ext('102', { exceptions: [exc('*', { type: 'busy' })] }),
    ]);
    expect(call(d2, '101', null).exception).toBe(1);
    expect(call(d2, '101', 'anonymous').exception).toBe(1);
    expect(call(d2, '102', null).exception).toBe(0);
    expect(route({ to: '101', from: { kind: 'anonymous' } }, d2, OFFICE).plan).toEqual([vm('101')]);
  });

  it('the words external and internal split callers', () => {
    const d2 = directory([
      ext('101', { exceptions: [exc('external', { type: 'busy' })] }),
      ext('102'),
    ]);
    expect(call(d2, '101', '0142000000').exception).toBe(0);
    expect(call(d2, '101', '102').exception).toBeNull();
    expect(call(d2, '101', null).exception).toBeNull();
  });
});

describe('evaluation', () => {
  it('first match wins', () => {
    const d = directory([
      ext('101', {
        exceptions: [
          exc('01*', { type: 'busy' }),
          exc('06*', VM),
          exc('*', { type: 'extension', target: '102', voicemail: true }),
        ],
      }),
      ext('102'),
    ]);
    expect(call(d, '101', '0612345678').exception).toBe(1);
    expect(call(d, '101', '0142000000').exception).toBe(0);
    expect(call(d, '101', '0299999999').exception).toBe(2);
  });

  it('a disabled exception is skipped, with its reason', () => {
    const d = directory([
      ext('101', {
        exceptions: [exc('*', { type: 'busy' }, { enabled: false }), exc('*', VM)],
      }),
    ]);
    const decision = call(d, '101', '0612345678');
    expect(decision.exception).toBe(1);
    expect(decision.trace[0]).toEqual({
      code: 'exception-disabled',
      extension: '101',
      exception: 0,
    });
  });

  it('every time condition, in office hours and outside', () => {
    const slot = periods({ thu: ['21:00-23:00'] });
    const only = (hours: Hours) =>
      directory([
        ext('101', { exceptions: [exc('*', { type: 'busy' }, { hours, periods: slot })] }),
      ]);
    const fires = (hours: Hours, now: Date) =>
      call(only(hours), '101', '0142000000', now).exception;
    expect(fires('all', OFFICE)).toBe(0);
    expect(fires('office', OFFICE)).toBe(0);
    expect(fires('office', NIGHT)).toBeNull();
    expect(fires('outside-office', OFFICE)).toBeNull();
    expect(fires('outside-office', NIGHT)).toBe(0);
    expect(fires('specific', NIGHT)).toBe(0);
    expect(fires('specific', OFFICE)).toBeNull();
    expect(fires('outside-specific', NIGHT)).toBeNull();
    expect(fires('outside-specific', OFFICE)).toBe(0);
  });

  it('a holiday is outside office hours all day', () => {
    const d = directory(
      [ext('101', { exceptions: [exc('*', { type: 'busy' }, { hours: 'outside-office' })] })],
      [],
      { holidays: [{ date: '2026-05-01', name: 'Fête du travail' }] },
    );
    // Friday 1 May 2026, 10:00 in Paris; Thursday 30 April at the same hour is a working day.
    expect(call(d, '101', '0142000000', new Date('2026-05-01T08:00:00Z')).exception).toBe(0);
    expect(call(d, '101', '0142000000', OFFICE).exception).toBeNull();
  });

  it('reads hours in local time on the Paris daylight-saving days', () => {
    const d = directory([
      ext('101', {
        exceptions: [
          exc(
            '*',
            { type: 'busy' },
            { hours: 'specific', periods: periods({ sun: ['09:00-10:00'] }) },
          ),
        ],
      }),
    ]);
    const at = (iso: string) => call(d, '101', '0142000000', new Date(iso)).exception;
    // 29 March 2026: UTC+1 until 01:00Z, then UTC+2.
    expect(at('2026-03-29T07:30:00Z')).toBe(0);
    expect(at('2026-03-29T08:30:00Z')).toBeNull();
    // 25 October 2026: UTC+2 until 01:00Z, then UTC+1.
    expect(at('2026-10-25T08:30:00Z')).toBe(0);
    expect(at('2026-10-25T07:30:00Z')).toBeNull();
  });

  it('uses the system time zone', () => {
    const d = directory(
      [ext('101', { exceptions: [exc('*', { type: 'busy' }, { hours: 'office' })] })],
      [],
      { timezone: 'America/New_York' },
    );
    // 14:00Z on Thursday 30 April: 10:00 in New York, 16:00 in Paris; 22:00Z: 18:00 in New York.
    expect(call(d, '101', '0142000000', new Date('2026-04-30T14:00:00Z')).exception).toBe(0);
    expect(call(d, '101', '0142000000', new Date('2026-04-30T22:00:00Z')).exception).toBeNull();
  });

  it('statuses: empty means any status, Do Not Disturb included', () => {
    const d = directory([
      ext('101', { status: 'dnd', exceptions: [exc('06*', { type: 'busy' })] }),
    ]);
    expect(call(d, '101', '0612345678').plan).toEqual([{ do: 'busy' }]);
    expect(call(d, '101', '0142000000').plan).toEqual([vm('101')]);
  });

  it('statuses: a listed status limits the exception; the call may override the stored status', () => {
    const d = directory([
      ext('101', {
        status: 'available',
        exceptions: [exc('*', { type: 'busy' }, { statuses: ['lunch', 'away'] })],
      }),
    ]);
    const available = call(d, '101', '0142000000');
    expect(available.exception).toBeNull();
    expect(available.trace[0]).toEqual({
      code: 'exception-status-mismatch',
      extension: '101',
      exception: 0,
      status: 'available',
    });
    expect(call(d, '101', '0142000000', OFFICE, { status: 'lunch' }).exception).toBe(0);
    expect(call(d, '101', '0142000000', OFFICE, { status: 'dnd' }).exception).toBeNull();
  });

  it('exceptions apply to internal and external calls alike', () => {
    const d = directory([ext('101', { exceptions: [exc('*', { type: 'busy' })] }), ext('102')]);
    expect(call(d, '101', '102').plan).toEqual([{ do: 'busy' }]);
    expect(call(d, '101', '0142000000').plan).toEqual([{ do: 'busy' }]);
  });
});

describe('broken exceptions are skipped, never thrown on', () => {
  it('mobile without a mobile number', () => {
    const d = directory([
      ext('101', { exceptions: [exc('*', { type: 'mobile', bounce: false }), exc('*', VM)] }),
    ]);
    const decision = call(d, '101', '0142000000');
    expect(decision.exception).toBe(1);
    expect(decision.trace[0]).toEqual({
      code: 'exception-broken',
      extension: '101',
      exception: 0,
      reason: 'no-mobile',
    });
  });

  it('missing target extension, ring group and mailbox', () => {
    const d = directory([
      ext('101', {
        exceptions: [
          exc('*', { type: 'extension', target: '999', voicemail: false }),
          exc('*', { type: 'extension', target: '999', voicemail: true }),
          exc('*', { type: 'system', target: '899' }),
          exc('*', { type: 'voicemail', mailbox: '999' }),
          exc('*', { type: 'external', number: 'not a number', bounce: false }),
        ],
      }),
    ]);
    const decision = call(d, '101', '0142000000');
    expect(decision.exception).toBeNull();
    expect(decision.trace.slice(0, 5).map((t) => t.reason)).toEqual([
      'missing-extension',
      'missing-extension',
      'missing-system',
      'missing-mailbox',
      'bad-number',
    ]);
    expect(decision.plan).toEqual([ring(['101']), vm('101')]);
  });

  it('external numbers the outbound policy refuses: premium-rate and international by default', () => {
    const exceptions = [
      exc('*', { type: 'external', number: '08 99 23 45 67', bounce: false }),
      exc('*', { type: 'external', number: '+1 212 555 0100', bounce: false }),
      exc('*', { type: 'external', number: '01 42 00 00 00', bounce: false }),
    ];
    const d = directory([ext('101', { exceptions })]);
    const decision = call(d, '101', '0612345678');
    expect(decision.exception).toBe(2);
    expect(decision.plan).toEqual([
      { do: 'dial', number: '+33142000000', presentation: 'caller', timeout: null },
    ]);
    expect(decision.trace.slice(0, 2)).toEqual([
      {
        code: 'outbound-refused',
        extension: '101',
        exception: 0,
        number: '+33899234567',
        reason: 'premium-rate',
      },
      {
        code: 'outbound-refused',
        extension: '101',
        exception: 1,
        number: '+12125550100',
        reason: 'international',
      },
    ]);
    const open = directory([ext('101', { exceptions })], [], {
      outboundPolicy: { allow: [...NUMBER_CLASSES] },
    });
    expect(call(open, '101', '0612345678').exception).toBe(0);
  });

  it('a mobile the policy refuses is broken too', () => {
    const d = directory([
      ext('101', {
        mobile: '+44 7700 900123',
        exceptions: [exc('*', { type: 'mobile', bounce: true })],
      }),
    ]);
    expect(call(d, '101', '0142000000').trace[0]?.code).toBe('outbound-refused');
  });

  it('actionProblem says why, for renvoi check', () => {
    const d = directory([ext('101'), ext('102', { mobile: '06 11 22 33 44' })], [group('800')]);
    const e101 = d.extensions.get('101') as Extension;
    const e102 = d.extensions.get('102') as Extension;
    const g800 = d.ringGroups.get('800') as RingGroup;
    expect(actionProblem(e101, { type: 'mobile', bounce: true }, d)).toBe('no-mobile');
    expect(actionProblem(e102, { type: 'mobile', bounce: true }, d)).toBeNull();
    expect(
      actionProblem(e101, { type: 'extension', target: '102', voicemail: false }, d),
    ).toBeNull();
    expect(actionProblem(e101, { type: 'system', target: '800' }, d)).toBeNull();
    expect(actionProblem(e101, { type: 'system', target: '102' }, d)).toBe('missing-system');
    expect(actionProblem(e101, { type: 'extension', target: '800', voicemail: false }, d)).toBe(
      'missing-extension',
    );
    expect(actionProblem(g800, VM, d)).toBe('no-mailbox');
    expect(actionProblem(g800, { type: 'mobile', bounce: false }, d)).toBe('no-mobile');
    expect(actionProblem(e101, { type: 'busy' }, d)).toBeNull();
    expect(
      actionProblem(e101, { type: 'external', number: '3615', bounce: false }, d),
    ).not.toBeNull();
  });
});

describe('actions', () => {
  it('mobile and external without bounce: the caller’s number, no time limit', () => {
    const d = directory([
      ext('101', {
        mobile: '06 11 22 33 44',
        exceptions: [
          exc('01*', { type: 'mobile', bounce: false }),
          exc('02*', { type: 'external', number: '0033 4 42 93 06 98', bounce: false }),
        ],
      }),
    ]);
    expect(call(d, '101', '0142000000').plan).toEqual([
      { do: 'dial', number: '+33611223344', presentation: 'caller', timeout: null },
    ]);
    expect(call(d, '101', '0242000000').plan).toEqual([
      { do: 'dial', number: '+33442930698', presentation: 'caller', timeout: null },
    ]);
  });

  it('bounce rings the mobile for the extension’s own ring timeout', () => {
    const d = directory([
      ext('101', {
        mobile: '0611223344',
        ringTimeout: 35,
        exceptions: [exc('*', { type: 'mobile', bounce: true })],
      }),
    ]);
    expect(call(d, '101', '0142000000').plan).toEqual(bounce('101', '+33611223344', 35));
  });

  it('voicemail, busy, and extension with its voicemail box', () => {
    const d = directory([
      ext('101', {
        exceptions: [
          exc('01*', VM),
          exc('02*', { type: 'busy' }),
          exc('03*', { type: 'extension', target: '102', voicemail: true }),
        ],
      }),
      ext('102', { exceptions: [exc('*', { type: 'busy' })] }),
    ]);
    expect(call(d, '101', '0142000000').plan).toEqual([vm('101')]);
    expect(call(d, '101', '0242000000').plan).toEqual([{ do: 'busy' }]);
    // The target's box directly: its own exceptions do not apply.
    expect(call(d, '101', '0342000000').plan).toEqual([vm('102')]);
  });

  it('extension without voicemail box follows the target’s own rules with the same caller', () => {
    const d = directory([
      ext('101', {
        exceptions: [exc('*', { type: 'extension', target: '102', voicemail: false })],
      }),
      ext('102', {
        exceptions: [
          exc('06*', { type: 'busy' }),
          exc('*', { type: 'voicemail' }, { statuses: ['away'] }),
        ],
      }),
    ]);
    const mobile = call(d, '101', '0612345678');
    expect(mobile.exception).toBe(0);
    expect(mobile.action).toEqual({ type: 'extension', target: '102', voicemail: false });
    expect(mobile.plan).toEqual([{ do: 'busy' }]);
    expect(mobile.trace).toEqual([
      { code: 'exception-matched', extension: '101', exception: 0 },
      { code: 'follow-extension', extension: '101', target: '102' },
      { code: 'exception-matched', extension: '102', exception: 0 },
    ]);
    // 102 is in its own stored status (available), not the status given for 101.
    const fixed = call(d, '101', '0142000000', OFFICE, { status: 'away' });
    expect(fixed.plan).toEqual([ring(['102']), vm('102')]);
  });

  it('system: a ring group’s plan, ring-all then fallback', () => {
    const d = directory(
      [ext('100'), ext('101', { exceptions: [exc('*', { type: 'system', target: '800' })] })],
      [group('800', { members: ['100', '101'], timeout: 25 })],
    );
    const decision = call(d, '101', '0142000000');
    expect(decision.exception).toBe(0);
    expect(decision.plan).toEqual([ring(['100', '101'], 25), vm('100')]);
    expect(codes(decision.trace)).toEqual(['exception-matched', 'follow-system']);
  });
});

describe('status forwarding', () => {
  const to = (n: string): Action => ({ type: 'extension', target: n, voicemail: true });
  const d = directory([
    ext('101', {
      forwarding: {
        noAnswer: to('201'),
        busy: to('202'),
        away: to('203'),
        dnd: to('204'),
        lunch: to('205'),
        'business-trip': to('206'),
      },
    }),
    ...['201', '202', '203', '204', '205', '206'].map((n) => ext(n)),
  ]);

  it('available and idle: ring for the ring timeout, then the no-answer destination', () => {
    expect(call(d, '101', '0142000000').plan).toEqual([ring(['101']), vm('201')]);
    expect(call(d, '101', '0142000000', OFFICE, { states: { '101': 'idle' } }).plan).toEqual([
      ring(['101']),
      vm('201'),
    ]);
  });

  it('busy or not registered: the busy destination', () => {
    for (const state of ['busy', 'offline'] as const) {
      const decision = call(d, '101', '0142000000', OFFICE, { states: { '101': state } });
      expect(decision.plan).toEqual([vm('202')]);
      expect(decision.trace.at(-1)).toEqual({
        code: 'status-forwarding',
        extension: '101',
        status: 'available',
        reason: state,
      });
    }
  });

  it('away, dnd, lunch and business trip: that status’s destination', () => {
    const expected = { away: '203', dnd: '204', lunch: '205', 'business-trip': '206' };
    for (const [status, box] of Object.entries(expected) as [Status, string][]) {
      expect(call(d, '101', '0142000000', OFFICE, { status }).plan).toEqual([vm(box)]);
      const stored = directory([ext('101', { status })]);
      expect(call(stored, '101', '0142000000').plan).toEqual([vm('101')]);
    }
  });

  it('defaults are the extension’s voicemail, and the ring timeout is the extension’s', () => {
    const d2 = directory([ext('101', { ringTimeout: 12 })]);
    expect(call(d2, '101', '0142000000').plan).toEqual([ring(['101'], 12), vm('101')]);
    expect(call(d2, '101', '0142000000', OFFICE, { states: { '101': 'offline' } }).plan).toEqual([
      vm('101'),
    ]);
  });

  it('a broken destination falls back to the extension’s voicemail, explained', () => {
    const d2 = directory([
      ext('101', {
        forwarding: { ...ext('x').forwarding, noAnswer: { type: 'mobile', bounce: false } },
      }),
    ]);
    const decision = call(d2, '101', '0142000000');
    expect(decision.plan).toEqual([ring(['101']), vm('101')]);
    expect(decision.trace.at(-1)).toEqual({
      code: 'forwarding-broken',
      extension: '101',
      reason: 'no-mobile',
    });
  });

  it('forwarding to another extension follows its rules', () => {
    const d2 = directory([
      ext('101', {
        forwarding: {
          ...ext('x').forwarding,
          noAnswer: { type: 'extension', target: '102', voicemail: false },
        },
      }),
      ext('102', { status: 'dnd', forwarding: { ...ext('x').forwarding, dnd: { type: 'busy' } } }),
    ]);
    expect(call(d2, '101', '0142000000').plan).toEqual([ring(['101']), { do: 'busy' }]);
  });
});

describe('loops and hops', () => {
  const follow = (n: string): Action => ({ type: 'extension', target: n, voicemail: false });

  it('101 → 102 → 101 ends in the voicemail of 101', () => {
    const d = directory([
      ext('101', { exceptions: [exc('*', follow('102'))] }),
      ext('102', { exceptions: [exc('*', follow('101'))] }),
    ]);
    const decision = call(d, '101', '0142000000');
    expect(decision.plan).toEqual([vm('101')]);
    expect(decision.trace).toEqual([
      { code: 'exception-matched', extension: '101', exception: 0 },
      { code: 'follow-extension', extension: '101', target: '102' },
      { code: 'exception-matched', extension: '102', exception: 0 },
      { code: 'loop-detected', extension: '102', target: '101' },
    ]);
    // Called at 102, the first extension is 102.
    expect(call(d, '102', '0142000000').plan).toEqual([vm('102')]);
  });

  it('a no-answer loop rings each extension once, then the first one’s voicemail', () => {
    const noAnswer = (n: string) => ({ ...ext('x').forwarding, noAnswer: follow(n) });
    const d = directory([
      ext('101', { forwarding: noAnswer('102') }),
      ext('102', { forwarding: noAnswer('103') }),
      ext('103', { forwarding: noAnswer('102') }),
    ]);
    expect(call(d, '101', '0142000000').plan).toEqual([
      ring(['101']),
      ring(['102']),
      ring(['103']),
      vm('101'),
    ]);
  });

  it('an extension forwarding to itself is a loop', () => {
    const d = directory([ext('101', { exceptions: [exc('*', follow('101'))] })]);
    expect(call(d, '101', '0142000000').plan).toEqual([vm('101')]);
  });

  function chain(length: number): Directory {
    const numbers = Array.from({ length }, (_, i) => String(101 + i));
    return directory(
      numbers.map((n, i) => {
        const next = numbers[i + 1];
        return ext(n, { exceptions: next === undefined ? [] : [exc('*', follow(next))] });
      }),
    );
  }

  it(`follows up to ${MAX_HOPS} hops, then ends in the first extension’s voicemail`, () => {
    expect(MAX_HOPS).toBe(5);
    const five = call(chain(6), '101', '0142000000');
    expect(five.plan).toEqual([ring(['106']), vm('106')]);
    expect(codes(five.trace)).not.toContain('hop-limit');
    const six = call(chain(7), '101', '0142000000');
    expect(six.plan).toEqual([vm('101')]);
    expect(six.trace.at(-1)).toEqual({ code: 'hop-limit', extension: '106', target: '107' });
  });
});

describe('ring groups', () => {
  const members = ['100', '101', '102'];

  it('called directly, ring-all: every member at once, then the fallback', () => {
    const d = directory(
      members.map((n) => ext(n)),
      [group('800', { members })],
    );
    const decision = call(d, '800', '0142000000');
    expect(decision).toEqual({
      to: '800',
      exception: null,
      action: null,
      plan: [ring(members), vm('100')],
      trace: [{ code: 'follow-system', target: '800' }],
    });
  });

  it('hunt: one member after another for the group timeout each, then the fallback', () => {
    const d = directory(
      members.map((n) => ext(n)),
      [group('800', { members, strategy: 'hunt', timeout: 15, fallback: { type: 'busy' } })],
    );
    expect(call(d, '800', '0142000000').plan).toEqual([
      ring(['100'], 15),
      ring(['101'], 15),
      ring(['102'], 15),
      { do: 'busy' },
    ]);
  });

  it('members that are not extensions are left out', () => {
    const d = directory([ext('100')], [group('800', { members: ['100', '999'] })]);
    expect(call(d, '800', '0142000000').plan).toEqual([ring(['100']), vm('100')]);
    const none = directory([ext('100')], [group('800', { members: ['998'] })]);
    expect(call(none, '800', '0142000000').plan).toEqual([vm('100')]);
  });

  it('a fallback to an extension follows its rules; a broken one ends in the first extension’s voicemail', () => {
    const d = directory(
      [ext('100'), ext('101', { exceptions: [exc('*', { type: 'system', target: '801' })] })],
      [
        group('800', {
          members: ['100'],
          fallback: { type: 'extension', target: '101', voicemail: false },
        }),
        group('801', { members: ['100'], fallback: { type: 'mobile', bounce: true } }),
      ],
    );
    expect(call(d, '101', '0142000000').plan).toEqual([ring(['100']), vm('101')]);
    expect(call(d, '800', '0142000000').plan).toEqual([ring(['100']), ring(['100']), vm('101')]);
    const direct = call(d, '801', '0142000000');
    expect(direct.plan).toEqual([ring(['100'])]);
    expect(direct.trace.at(-1)).toEqual({
      code: 'forwarding-broken',
      extension: '801',
      reason: 'no-mobile',
    });
  });

  it('group → group → same group is a loop', () => {
    const d = directory(
      [ext('100')],
      [
        group('800', { members: ['100'], fallback: { type: 'system', target: '801' } }),
        group('801', { members: ['100'], fallback: { type: 'system', target: '800' } }),
      ],
    );
    const decision = call(d, '800', '0142000000');
    expect(decision.plan).toEqual([ring(['100']), ring(['100'])]);
    expect(decision.trace.at(-1)).toEqual({
      code: 'loop-detected',
      extension: '801',
      target: '800',
    });
  });
});

describe('unknown destinations and odd settings', () => {
  it('an unknown called number has an empty plan', () => {
    const decision = call(directory([ext('101')]), '555', '0142000000');
    expect(decision).toEqual({
      to: '555',
      exception: null,
      action: null,
      plan: [],
      trace: [{ code: 'unknown-destination', target: '555' }],
    });
  });

  it('an unknown time zone is read as UTC rather than thrown on', () => {
    const d = directory(
      [ext('101', { exceptions: [exc('*', { type: 'busy' }, { hours: 'office' })] })],
      [],
      { timezone: 'Mars/Olympus' },
    );
    expect(call(d, '101', '0142000000', new Date('2026-04-30T09:30:00Z')).exception).toBe(0);
    expect(call(d, '101', '0142000000', new Date('2026-04-30T08:30:00Z')).exception).toBeNull();
    expect(call(d, '101', '0142000000', new Date('2026-04-30T18:30:00Z')).exception).toBeNull();
  });

  it('notices a changed mobile number and caller-ID patterns on the same objects', () => {
    const e = ext('101', {
      mobile: '0611223344',
      exceptions: [exc('01*', { type: 'mobile', bounce: false })],
    });
    const d = directory([e]);
    expect(call(d, '101', '0142000000').plan[0]).toMatchObject({ number: '+33611223344' });
    e.mobile = '0799887766';
    expect(call(d, '101', '0142000000').plan[0]).toMatchObject({ number: '+33799887766' });
    (e.exceptions[0] as ForwardingException).patterns = patterns('02*');
    expect(call(d, '101', '0142000000').exception).toBeNull();
  });
});

describe('forwardTargets', () => {
  it('lists the numbers whose rules a call may be sent to', () => {
    const d = directory(
      [
        ext('101', {
          exceptions: [
            exc('01*', { type: 'extension', target: '102', voicemail: false }),
            exc('02*', { type: 'extension', target: '103', voicemail: true }),
            exc('03*', { type: 'system', target: '800' }),
            exc('04*', { type: 'extension', target: '104', voicemail: false }, { enabled: false }),
            exc('05*', { type: 'extension', target: '999', voicemail: false }),
          ],
          forwarding: {
            ...ext('x').forwarding,
            busy: { type: 'extension', target: '102', voicemail: false },
            dnd: { type: 'extension', target: '105', voicemail: false },
          },
        }),
        ...['102', '103', '104', '105'].map((n) => ext(n)),
      ],
      [group('800', { fallback: { type: 'extension', target: '101', voicemail: false } })],
    );
    expect(forwardTargets(d.extensions.get('101') as Extension, d).sort()).toEqual([
      '102',
      '105',
      '800',
    ]);
    expect(forwardTargets(d.ringGroups.get('800') as RingGroup, d)).toEqual(['101']);
    expect(forwardTargets(d.extensions.get('102') as Extension, d)).toEqual([]);
  });
});

describe('trace words', () => {
  const all: TraceCode[] = [
    'exception-matched',
    'exception-disabled',
    'exception-caller-mismatch',
    'exception-hours-mismatch',
    'exception-status-mismatch',
    'exception-broken',
    'forwarding-broken',
    'no-exception',
    'status-forwarding',
    'follow-extension',
    'follow-system',
    'loop-detected',
    'hop-limit',
    'unknown-destination',
    'outbound-refused',
    'outside-no-dial',
  ];
  const reasons = [
    'no-mobile',
    'bad-number',
    'missing-extension',
    'missing-system',
    'missing-mailbox',
    'no-mailbox',
    'outbound-refused',
    'idle',
    'busy',
    'offline',
    ...NUMBER_CLASSES,
  ];

  it('every code and reason has French and English words', () => {
    for (const lang of ['fr', 'en'] as const) {
      for (const code of all) expect(message(lang, `trace.${code}`)).not.toBe(`trace.${code}`);
      for (const r of reasons)
        expect(message(lang, `trace.reason.${r}`)).not.toBe(`trace.reason.${r}`);
    }
  });

  it('counts exceptions from 1 in words', () => {
    expect(
      message('en', 'trace.exception-hours-mismatch', {
        extension: '101',
        exception: 3,
        hours: 'office',
      }),
    ).toBe('101: exception 3 skipped: its time condition (office) does not hold');
  });
});

// ---------------------------------------------------------------------------
// Properties

const NUMBERS = ['100', '101', '102', '103', '104', '800', '801', '999'];
const EXTENSIONS = ['100', '101', '102', '103', '104'];
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('voicemail' as const) }),
  fc.record({ type: fc.constant('voicemail' as const), mailbox: fc.constantFrom(...NUMBERS) }),
  fc.record({ type: fc.constant('mobile' as const), bounce: fc.boolean() }),
  fc.record({
    type: fc.constant('extension' as const),
    target: fc.constantFrom(...NUMBERS),
    voicemail: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('external' as const),
    number: fc.constantFrom('0442930698', '0899234567', '+12125550100', 'xyz', '0612345678'),
    bounce: fc.boolean(),
  }),
  fc.record({ type: fc.constant('system' as const), target: fc.constantFrom(...NUMBERS) }),
  fc.record({ type: fc.constant('busy' as const) }),
);
const exception: fc.Arbitrary<ForwardingException> = fc
  .record({
    callerId: fc.constantFrom('*', '06* 07*', '0142000000', 'anonymous', 'internal', '10?'),
    hours: fc.constantFrom<Hours>(
      'all',
      'office',
      'outside-office',
      'specific',
      'outside-specific',
    ),
    statuses: fc.subarray([...STATUSES]),
    enabled: fc.boolean(),
    action,
  })
  .map((r) => ({
    ...r,
    patterns: patterns(r.callerId),
    periods: periods({ 'mon-wed': ['10:00-20:00'] }),
    from: null,
    until: null,
    repeat: null,
  }));
const extensionArb = (number: string): fc.Arbitrary<Extension> =>
  fc
    .record({
      mobile: fc.constantFrom(null, '0611223344', '+447700900123', ''),
      status: fc.constantFrom(...STATUSES),
      exceptions: fc.array(exception, { maxLength: 4 }),
      forwarding: fc.record({
        noAnswer: action,
        busy: action,
        away: action,
        dnd: action,
        lunch: action,
        'business-trip': action,
      }),
    })
    .map((r) => ext(number, r));
const randomDirectory: fc.Arbitrary<Directory> = fc
  .tuple(
    fc.subarray(EXTENSIONS, { minLength: 1 }).chain((ns) => fc.tuple(...ns.map(extensionArb))),
    fc.array(
      fc.record({
        number: fc.constantFrom('800', '801'),
        strategy: fc.constantFrom('ring-all' as const, 'hunt' as const),
        members: fc.subarray(NUMBERS),
        fallback: action,
      }),
      { maxLength: 2 },
    ),
  )
  .map(([exts, groups]) =>
    directory(
      exts,
      groups.map((g) => group(g.number, g)),
    ),
  );
const callerArb = fc.constantFrom(null, '0612345678', '0142000000', '100', '103', '+12125550100');
const instant = fc
  .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') })
  .map((t) => new Date(t));
const stateArb = fc.dictionary(
  fc.constantFrom(...EXTENSIONS),
  fc.constantFrom<ExtensionState>('idle', 'busy', 'offline'),
);

describe('properties', () => {
  it('route never throws; its plan is sound for any directory, broken references included', () => {
    fc.assert(
      fc.property(
        randomDirectory,
        fc.constantFrom(...NUMBERS),
        callerArb,
        instant,
        fc.option(fc.constantFrom(...STATUSES), { nil: undefined }),
        stateArb,
        (d, to, from, now, status, states) => {
          const decision = route({ to, from: caller(d, from), status, states }, d, now);
          expect(decision.to).toBe(to);
          const allow = d.settings.outboundPolicy.allow;
          for (const step of decision.plan) {
            if (step.do === 'ring') {
              expect(step.extensions.length).toBeGreaterThan(0);
              for (const e of step.extensions) expect(d.extensions.has(e)).toBe(true);
            }
            if (step.do === 'voicemail') expect(d.extensions.has(step.mailbox)).toBe(true);
            if (step.do === 'dial') {
              expect(step.number).toMatch(/^\+\d{6,15}$/);
              expect(allow).toContain(classifyNumber(step.number, 'FR'));
            }
          }
          const called = d.extensions.get(to);
          if (called !== undefined) {
            // A call to an extension always ends somewhere a caller can be left.
            const last = decision.plan.at(-1);
            expect(last).toBeDefined();
            const terminal =
              last?.do === 'voicemail' ||
              last?.do === 'busy' ||
              (last?.do === 'dial' && last.timeout === null);
            expect(terminal).toBe(true);
          }
          if (decision.exception !== null) {
            expect(called?.exceptions[decision.exception]?.action).toBe(decision.action);
            expect(decision.trace).toContainEqual({
              code: 'exception-matched',
              extension: to,
              exception: decision.exception,
            });
          } else {
            expect(decision.action).toBeNull();
          }
          const follows = decision.trace.filter(
            (t) => t.code === 'follow-extension' || (t.code === 'follow-system' && t.extension),
          );
          expect(follows.length).toBeLessThanOrEqual(MAX_HOPS);
          expect(route({ to, from: caller(d, from), status, states }, d, now)).toEqual(decision);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the fired exception is the first whose every condition holds', () => {
    fc.assert(
      fc.property(randomDirectory, callerArb, instant, (d, from, now) => {
        for (const e of d.extensions.values()) {
          const decision = route({ to: e.number, from: caller(d, from) }, d, now);
          const skipped = decision.trace.filter(
            (t) =>
              t.extension === e.number &&
              t.exception !== undefined &&
              t.code !== 'exception-matched',
          );
          const upTo = decision.exception ?? e.exceptions.length;
          // Every exception before the one that fired (or all, if none did) was skipped for a reason.
          expect(skipped.slice(0, upTo).map((t) => t.exception)).toEqual(
            Array.from({ length: upTo }, (_, i) => i),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('an outside SIP caller (neither trunk nor extension) never makes the PBX dial out', () => {
  const outside = (d: Directory, to: string, from: string, now: Date = OFFICE) =>
    route({ to, from: caller(d, from), outsideSip: true }, d, now);

  it('a spoofed From that fires a forward to an external number ends in voicemail', () => {
    const d = guide('external-first');
    const decision = outside(d, '101', '06 00 00 00 00');
    expect(decision.exception).toBe(0);
    expect(decision.plan).toEqual([vm('101')]);
    expect(decision.plan.some((s) => s.do === 'dial')).toBe(false);
    expect(decision.trace).toContainEqual({
      code: 'outside-no-dial',
      extension: '101',
      number: '+33442930698',
    });
    // Said in words in both languages.
    expect(
      message('en', 'trace.outside-no-dial', { extension: '101', number: '+33442930698' }),
    ).toContain('+33442930698');
    expect(
      message('fr', 'trace.outside-no-dial', { extension: '101', number: '+33442930698' }),
    ).toContain('extérieur');
    // The same caller from a trunk is forwarded.
    expect(call(d, '101', '06 00 00 00 00').plan).toEqual(bounce('101', '+33442930698'));
  });

  it('mobile without bounce, and a ring group falling back to a mobile, dial nothing', () => {
    const d = directory(
      [
        ext('101', {
          mobile: '06 11 22 33 44',
          exceptions: [exc('*', { type: 'mobile', bounce: false })],
        }),
        ext('102'),
      ],
      [
        group('800', { members: ['102'], fallback: { type: 'system', target: '801' } }),
        group('801', {
          members: [],
          fallback: { type: 'external', number: '04 42 93 06 98', bounce: false },
        }),
      ],
    );
    expect(outside(d, '101', '0491000000', NIGHT).plan).toEqual([vm('101')]);
    const viaGroup = outside(d, '102', '0491000000');
    expect(viaGroup.plan.some((s) => s.do === 'dial')).toBe(false);
    const group800 = outside(d, '800', '0491000000');
    expect(group800.plan).toEqual([ring(['102'])]);
    expect(codes(group800.trace)).toContain('outside-no-dial');
  });
});
