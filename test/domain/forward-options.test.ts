import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { DirectoryDocumentSchema, buildDirectory, toDocument } from '../../src/domain/document.js';
import type { Directory, Problem, Step } from '../../src/domain/types.js';
import { normalizeCaller } from '../../src/domain/numbers.js';
import { route } from '../../src/domain/route.js';
import { checkDirectory } from '../../src/domain/check.js';
import { describeStep } from '../../src/i18n/describe.js';
import { describeTrace } from '../../src/i18n/trace.js';
import { describeFinding } from '../../src/i18n/finding.js';

type Doc = Record<string, unknown>;

/** Alice (101) with one forward to her mobile, options as given; a trunk with two numbers. */
function doc(action: Doc, trunk: Doc = {}): Doc {
  return {
    extensions: [
      {
        number: '101',
        name: 'Alice Martin',
        password: 'change-me-101',
        mobile: '06 11 22 33 44',
        exceptions: [{ callerId: '*', action: { type: 'mobile', ...action } }],
      },
      { number: '100', name: 'Secrétariat', password: 'change-me-100' },
    ],
    trunks: [
      {
        name: 'carrier',
        host: '127.0.0.1',
        port: 5080,
        inbound: { '04 42 00 00 00': '100', '04 42 00 01 01': '101' },
        ...trunk,
      },
    ],
  };
}

function build(input: Doc): Directory {
  const r = buildDirectory(input);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.directory;
}

function problems(input: Doc): Problem[] {
  const r = buildDirectory(input);
  return r.ok ? [] : r.problems;
}

const NOW = new Date('2026-12-03T10:00:00Z');
const CALLER = normalizeCaller({ user: '0699887766' }, 'FR', () => false);

function decide(d: Directory) {
  return route({ to: '101', from: CALLER }, d, NOW);
}

function dialOf(plan: Step[]): Extract<Step, { do: 'dial' }> {
  const step = plan.find((s) => s.do === 'dial');
  if (step?.do !== 'dial') throw new Error('no dial step');
  return step;
}

describe('answer confirmation (issue 13 §4)', () => {
  it("without bounce: the confirmed dial, then the extension's voicemail, not the mobile's", () => {
    const d = build(doc({ confirm: true }));
    const decision = decide(d);
    expect(decision.plan).toEqual([
      {
        do: 'dial',
        number: '+33611223344',
        presentation: 'caller',
        timeout: null,
        extension: '101',
        confirm: true,
      },
      { do: 'voicemail', mailbox: '101' },
    ]);
    const [dial] = decision.plan;
    if (dial === undefined) throw new Error('no step');
    expect(describeStep('fr', dial, 'FR')).toBe(
      'appeler 06 11 22 33 44 en présentant le numéro de l’appelant, sans limite de durée ; la personne qui répond doit appuyer sur 1 pour accepter',
    );
    expect(describeStep('en', dial, 'FR')).toBe(
      "call 06 11 22 33 44 showing the caller's number, with no time limit; whoever answers must press 1 to accept",
    );
  });

  it('with bounce: the four steps of design §4, the dial confirmed', () => {
    const plan = decide(build(doc({ bounce: true, confirm: true }))).plan;
    expect(plan.map((s) => s.do)).toEqual(['announce', 'dial', 'announce', 'voicemail']);
    expect(dialOf(plan)).toMatchObject({ presentation: 'anonymous', timeout: 20, confirm: true });
  });
});

describe('caller ID on forwarded calls (issue 13 §5)', () => {
  it('keeps the design defaults: the caller without bounce, private with bounce, no trace line', () => {
    const plain = decide(build(doc({})));
    expect(dialOf(plain.plan)).toEqual({
      do: 'dial',
      number: '+33611223344',
      presentation: 'caller',
      timeout: null,
    });
    expect(plain.trace.map((t) => t.code)).not.toContain('caller-id-presented');
    const bounced = decide(build(doc({ bounce: true })));
    expect(dialOf(bounced.plan).presentation).toBe('anonymous');
    expect(bounced.trace.map((t) => t.code)).not.toContain('caller-id-presented');
  });

  it('presents what the exception chooses, and the trace names the number shown', () => {
    const cases = [
      ['company', 'company', '+33442000000'],
      ['extension', 'extension', '+33442000101'],
      ['caller', 'caller', '+33699887766'],
      ['private', 'anonymous', undefined],
    ] as const;
    for (const [chosen, presentation, number] of cases) {
      const d = build(doc({ bounce: true, presentCallerId: chosen }));
      const decision = decide(d);
      expect(dialOf(decision.plan).presentation).toBe(presentation);
      const entry = decision.trace.find((t) => t.code === 'caller-id-presented');
      expect(entry).toEqual({
        code: 'caller-id-presented',
        extension: '101',
        presentation,
        ...(number === undefined ? {} : { number }),
      });
      if (entry === undefined) continue;
      const fr = describeTrace('fr', entry, d);
      const en = describeTrace('en', entry, d);
      if (number !== undefined) {
        expect(fr).toContain(number);
        expect(en).toContain(number);
      } else {
        expect(fr).toContain('numéro privé');
        expect(en).toContain('private number');
      }
    }
  });

  it('the extension presentation names its extension in the step, and says it in words', () => {
    const d = build(doc({ presentCallerId: 'extension' }));
    const step = dialOf(decide(d).plan);
    expect(step).toMatchObject({ presentation: 'extension', extension: '101' });
    expect(describeStep('fr', step, 'FR')).toBe(
      'appeler 06 11 22 33 44 en présentant le numéro du poste 101, sans limite de durée',
    );
    expect(describeStep('en', step, 'FR')).toBe(
      'call 06 11 22 33 44 showing the number of extension 101, with no time limit',
    );
  });

  it("falls back to the trunk's choice, but a bounce stays private unless the exception says", () => {
    const d = build(doc({}, { presentCallerId: 'company' }));
    expect(dialOf(decide(d).plan).presentation).toBe('company');
    const bounced = build(doc({ bounce: true }, { presentCallerId: 'company' }));
    expect(dialOf(decide(bounced).plan).presentation).toBe('anonymous');
  });

  it('with no number of the trunk to show, the trace says the call goes out private', () => {
    const d = build(doc({ presentCallerId: 'company' }, { inbound: {} }));
    const entry = decide(d).trace.find((t) => t.code === 'caller-id-presented');
    expect(entry?.number).toBeUndefined();
    expect(describeTrace('en', entry ?? { code: 'no-exception' }, d)).toBe(
      '101: the forward has no number to show: it goes out as a private number',
    );
  });

  it('check warns when a trunk that only accepts its own numbers would get the caller’s', () => {
    const d = build(doc({}, { ownNumbersOnly: true }));
    const findings = checkDirectory(d, NOW).filter((f) => f.kind === 'foreign-caller-id');
    expect(findings).toEqual([
      { kind: 'foreign-caller-id', extension: '101', exception: 0, trunk: 'carrier' },
    ]);
    const [finding] = findings;
    if (finding === undefined) throw new Error('no finding');
    expect(describeFinding('fr', finding, d)).toContain('n’accepte que ses propres numéros');
    expect(describeFinding('en', finding, d)).toContain('only accepts its own numbers');
    for (const fine of [
      doc({ presentCallerId: 'company' }, { ownNumbersOnly: true }),
      doc({ bounce: true }, { ownNumbersOnly: true }),
      doc({}, { ownNumbersOnly: true, presentCallerId: 'extension' }),
      doc({}, {}),
    ]) {
      expect(checkDirectory(build(fine), NOW).map((f) => f.kind)).not.toContain(
        'foreign-caller-id',
      );
    }
  });

  it('round-trips through the document, writing only what differs from the defaults', () => {
    const d = build(
      doc(
        { bounce: true, presentCallerId: 'extension', confirm: true },
        { presentCallerId: 'company', ownNumbersOnly: true },
      ),
    );
    const exported = toDocument(d);
    expect(Value.Check(DirectoryDocumentSchema, exported)).toBe(true);
    expect(exported.extensions?.[0]?.exceptions?.[0]?.action).toEqual({
      type: 'mobile',
      bounce: true,
      presentCallerId: 'extension',
      confirm: true,
    });
    expect(exported.trunks?.[0]).toMatchObject({
      presentCallerId: 'company',
      ownNumbersOnly: true,
    });
    expect(build(JSON.parse(JSON.stringify(exported)) as Doc)).toEqual(d);
    const plain = toDocument(build(doc({})));
    expect(plain.extensions?.[0]?.exceptions?.[0]?.action).toEqual({ type: 'mobile' });
    expect(plain.trunks?.[0]).not.toHaveProperty('ownNumbersOnly');
    expect(plain.trunks?.[0]).not.toHaveProperty('presentCallerId');
  });

  it('refuses bad values with their paths, and the options on actions that do not dial', () => {
    expect(problems(doc({ presentCallerId: 'boss' }, { ownNumbersOnly: 'yes' }))).toEqual([
      {
        path: 'extensions[0].exceptions[0].action.presentCallerId',
        code: 'directory.not-one-of',
        params: { value: '"boss"', allowed: 'caller, company, extension, private' },
      },
      {
        path: 'trunks[0].ownNumbersOnly',
        code: 'directory.not-boolean',
        params: { value: '"yes"' },
      },
    ]);
    const onVoicemail = doc({});
    const ext = (onVoicemail.extensions as Doc[])[0] as Doc;
    ext.exceptions = [{ callerId: '*', action: { type: 'voicemail', confirm: true } }];
    expect(problems(onVoicemail)).toEqual([
      {
        path: 'extensions[0].exceptions[0].action.confirm',
        code: 'directory.key-not-for-action',
        params: { key: 'confirm', type: 'voicemail' },
      },
    ]);
  });
});
