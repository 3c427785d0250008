import { describe, expect, it } from 'vitest';
import { checkDirectory, type Finding } from '../../src/domain/check.js';
import { buildDirectory } from '../../src/domain/document.js';
import type { Directory } from '../../src/domain/types.js';

/** Before every validity date of these tests. */
const NOW = new Date('2026-01-15T10:00:00Z');

function directory(doc: Record<string, unknown>): Directory {
  const result = buildDirectory(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.directory;
}

function alice(
  exceptions: unknown[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> & { extensions: unknown[]; ringGroups: unknown[] } {
  return {
    officeHours: { 'mon-fri': ['09:00-18:00'] },
    extensions: [
      { number: '100', name: 'Secrétariat', password: 'change-me-100' },
      {
        number: '101',
        name: 'Alice',
        password: 'change-me-101',
        mobile: '06 11 22 33 44',
        exceptions,
      },
      { number: '102', name: 'Bruno', password: 'change-me-102' },
    ],
    ringGroups: [{ number: '800', name: 'Accueil', members: ['100', '102'] }],
    ...extra,
  };
}

const VM100 = { type: 'extension', target: '100', voicemail: true };
const BUSY = { type: 'busy' };

const findingsOf = (doc: Record<string, unknown>) => checkDirectory(directory(doc), NOW);

describe('shadowed exceptions', () => {
  it('flags a pattern under a broader one, as 06* under *', () => {
    expect(
      findingsOf(
        alice([
          { callerId: '*', action: BUSY },
          { callerId: '06*', action: VM100 },
        ]),
      ),
    ).toEqual([{ kind: 'shadowed', extension: '101', exception: 1, by: 0 }]);
  });

  it("flags the design's own example: 06 00 00 00 00 after 06* 07* never fires", () => {
    expect(
      findingsOf(
        alice([
          { callerId: '06* 07*', action: VM100 },
          {
            callerId: '06 00 00 00 00',
            action: { type: 'external', number: '04 42 93 06 98', bounce: true },
          },
        ]),
      ),
    ).toEqual([{ kind: 'shadowed', extension: '101', exception: 1, by: 0 }]);
  });

  it('compares numbers in canonical form: +336* is taken by 06*', () => {
    expect(
      findingsOf(
        alice([
          { callerId: '06*', action: BUSY },
          { callerId: '+33 6 1*', action: VM100 },
        ]),
      ),
    ).toEqual([{ kind: 'shadowed', extension: '101', exception: 1, by: 0 }]);
  });

  it('does not flag the right order: the single number before its prefix', () => {
    expect(
      findingsOf(
        alice([
          { callerId: '06 00 00 00 00', action: BUSY },
          { callerId: '06* 07*', action: VM100 },
          { callerId: '*', action: { type: 'mobile', bounce: true } },
        ]),
      ),
    ).toEqual([]);
  });

  it('does not flag when the earlier exception holds only some of the time', () => {
    expect(
      findingsOf(
        alice([
          { callerId: '*', hours: 'outside-office', action: BUSY },
          { callerId: '06*', action: VM100 },
        ]),
      ),
    ).toEqual([]);
  });

  it('flags when the earlier one holds at all times and the later only at some', () => {
    expect(
      findingsOf(
        alice([
          { callerId: '*', action: BUSY },
          { callerId: '06*', hours: 'office', action: VM100 },
        ]),
      ),
    ).toEqual([{ kind: 'shadowed', extension: '101', exception: 1, by: 0 }]);
  });

  it('respects statuses: an earlier DND-only exception hides only DND-only ones', () => {
    const dndFirst = (laterStatuses: string[] | undefined) =>
      findingsOf(
        alice([
          { callerId: '*', statuses: ['dnd'], action: BUSY },
          {
            callerId: '06*',
            action: VM100,
            ...(laterStatuses === undefined ? {} : { statuses: laterStatuses }),
          },
        ]),
      );
    expect(dndFirst(undefined)).toEqual([]);
    expect(dndFirst(['away'])).toEqual([]);
    expect(dndFirst(['dnd'])).toEqual([
      { kind: 'shadowed', extension: '101', exception: 1, by: 0 },
    ]);
  });

  it('ignores a disabled earlier exception, which hides nothing', () => {
    expect(
      findingsOf(
        alice([
          { callerId: '*', enabled: false, action: BUSY },
          { callerId: '06*', action: VM100 },
        ]),
      ),
    ).toEqual([]);
  });

  it('tells a duplicate from a shadow', () => {
    // 06* may also match an extension numbered 06…, which +336* cannot: not a duplicate of it.
    expect(
      findingsOf(
        alice([
          { callerId: '+336*', action: VM100 },
          { callerId: '06*', action: VM100 },
        ]),
      ),
    ).toEqual([]);
    expect(
      findingsOf(
        alice([
          { callerId: '06*, 07*', action: VM100 },
          { callerId: '07* 06*', action: VM100 },
        ]),
      ),
    ).toEqual([{ kind: 'duplicate', extension: '101', exception: 1, by: 0 }]);
  });

  it('does not flag patterns that only overlap', () => {
    expect(
      findingsOf(
        alice([
          { callerId: '06*', action: BUSY },
          { callerId: '*99', action: VM100 },
        ]),
      ),
    ).toEqual([]);
  });
});

describe('broken exceptions', () => {
  it('reports an exception to the mobile after the mobile number is removed', () => {
    const d = directory(alice([{ callerId: '*', action: { type: 'mobile', bounce: true } }]));
    const ext = d.extensions.get('101');
    if (ext === undefined) throw new Error('no 101');
    ext.mobile = null;
    expect(checkDirectory(d, NOW)).toEqual([
      { kind: 'broken', extension: '101', exception: 0, reason: 'no-mobile' },
    ]);
  });

  it('reports exceptions and forwarding whose target was deleted', () => {
    const d = directory(
      alice([{ callerId: '06*', action: { type: 'extension', target: '102', voicemail: false } }]),
    );
    const ext = d.extensions.get('101');
    if (ext === undefined) throw new Error('no 101');
    ext.forwarding.dnd = { type: 'system', target: '800' };
    d.extensions.delete('102');
    d.ringGroups.delete('800');
    const findings = checkDirectory(d, NOW);
    expect(findings).toContainEqual({
      kind: 'broken',
      extension: '101',
      exception: 0,
      reason: 'missing-extension',
    });
    expect(findings).toContainEqual({
      kind: 'broken',
      extension: '101',
      forwarding: 'dnd',
      reason: 'missing-system',
    });
  });

  it('a broken earlier exception shadows nothing, since routing skips it', () => {
    const d = directory(
      alice([
        { callerId: '*', action: { type: 'mobile', bounce: false } },
        { callerId: '06*', action: VM100 },
      ]),
    );
    const ext = d.extensions.get('101');
    if (ext === undefined) throw new Error('no 101');
    ext.mobile = null;
    expect(checkDirectory(d, NOW).map((f: Finding) => f.kind)).toEqual(['broken']);
  });
});

describe('forwarding loops', () => {
  it('finds 101 → 102 → 101 once', () => {
    const doc = alice([
      { callerId: '*', action: { type: 'extension', target: '102', voicemail: false } },
    ]);
    const extensions = doc.extensions as Record<string, unknown>[];
    extensions[2] = {
      ...extensions[2],
      exceptions: [{ callerId: '06*', action: { type: 'extension', target: '101' } }],
    };
    expect(findingsOf(doc)).toEqual([{ kind: 'loop', cycle: ['101', '102', '101'] }]);
  });

  it('finds loops through status forwarding and ring-group fallbacks', () => {
    const doc = alice([]);
    const extensions = doc.extensions as Record<string, unknown>[];
    extensions[0] = {
      ...extensions[0],
      forwarding: { noAnswer: { type: 'system', target: '800' } },
    };
    doc.ringGroups = [
      {
        number: '800',
        name: 'Accueil',
        members: ['102'],
        fallback: { type: 'extension', target: '100' },
      },
    ];
    expect(findingsOf(doc)).toEqual([{ kind: 'loop', cycle: ['100', '800', '100'] }]);
  });

  it('does not call a forward to a voicemail box a loop', () => {
    const doc = alice([{ callerId: '*', action: VM100 }]);
    const extensions = doc.extensions as Record<string, unknown>[];
    extensions[0] = {
      ...extensions[0],
      exceptions: [
        { callerId: '*', action: { type: 'extension', target: '101', voicemail: true } },
      ],
    };
    expect(findingsOf(doc)).toEqual([]);
  });
});

describe('exceptions whose time condition never holds', () => {
  it('reports an office-hours exception when no office hours are set', () => {
    const d = directory(alice([{ callerId: '*', hours: 'office', action: BUSY }]));
    d.settings.officeHours = {};
    expect(checkDirectory(d, NOW)).toEqual([
      { kind: 'never', extension: '101', exception: 0, reason: 'no-office-hours' },
    ]);
  });
});

describe('voicemail by e-mail', () => {
  it('reports addresses that nothing can send to, and nothing once a relay is set', () => {
    const doc = alice([]);
    (doc.extensions[1] as Record<string, unknown>).email = 'alice@example.com';
    expect(findingsOf(doc)).toEqual([{ kind: 'no-relay', extensions: ['101'] }]);
    const relayed = { ...doc, smtp: { host: 'mail.example.com', from: 'pbx@example.com' } };
    expect(findingsOf(relayed)).toEqual([]);
  });
});
