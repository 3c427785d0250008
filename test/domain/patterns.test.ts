import { describe, expect, it } from 'vitest';
import {
  compileMatcher,
  describePattern,
  globCovers,
  matchesCaller,
  parseCallerId,
  patternCovers,
  patternsCover,
} from '../../src/domain/patterns.js';
import { normalizeCaller } from '../../src/domain/numbers.js';
import { describeProblem, message, missingTranslations } from '../../src/i18n/index.js';
import type { Caller, CallerPattern, Problem } from '../../src/domain/types.js';

function parse(text: string): CallerPattern[] {
  const result = parseCallerId(text, 'FR');
  if (!result.ok) throw new Error(`${text}: ${JSON.stringify(result.problems)}`);
  return result.patterns;
}

function raws(text: string): string[] {
  return parse(text).map((p) => (p.kind === 'number' ? p.raw : p.kind));
}

function problems(text: string): Problem[] {
  const result = parseCallerId(text, 'FR');
  if (result.ok) throw new Error(`${text} was accepted: ${JSON.stringify(result.patterns)}`);
  return result.problems;
}

const isExtension = (n: string): boolean => /^1\d\d$/.test(n);
const caller = (user: string | null): Caller => normalizeCaller({ user }, 'FR', isExtension);

describe('parseCallerId: the guide’s examples', () => {
  it('* is every caller', () => {
    expect(parse('*')).toEqual([{ kind: 'any' }]);
  });

  it('06* 07* is two prefixes', () => {
    expect(parse('06* 07*')).toEqual([
      { kind: 'number', raw: '06*', canonical: '+336*' },
      { kind: 'number', raw: '07*', canonical: '+337*' },
    ]);
  });

  it('06 00 00 00 00 is one number', () => {
    expect(parse('06 00 00 00 00')).toEqual([
      { kind: 'number', raw: '0600000000', canonical: '+33600000000' },
    ]);
  });
});

describe('parseCallerId: "?" groups', () => {
  it('01 ?? ?? ?? ?? is one ten-digit pattern, matching any 01 number however written', () => {
    const [pattern] = parse('01 ?? ?? ?? ??');
    expect(pattern).toEqual({ kind: 'number', raw: '01????????', canonical: '+331????????' });
    const match = compileMatcher(parse('01 ?? ?? ?? ??'));
    expect(match(caller('01 23 45 67 89'))).toBe(true);
    expect(match(caller('+33 1 23 45 67 89'))).toBe(true);
    expect(match(caller('02 23 45 67 89'))).toBe(false);
    expect(match(caller('01 23 45 67'))).toBe(false);
  });
});

describe('parseCallerId: separators and spaces', () => {
  it.each([
    ['101 102', ['101', '102']],
    ['101, 102', ['101', '102']],
    ['101;102\n103', ['101', '102', '103']],
    ['101\r\n102', ['101', '102']],
    ['+33 6 *', ['+336*']],
    ['06 12 *', ['0612*']],
    ['01 ?? ?? ?? ??', ['01????????']],
    ['06 12 ?? ?? ??, 07*', ['0612??????', '07*']],
    ['101 ???', ['101', '???']],
    ['101 06*', ['101', '06*']],
    ['101 *', ['101', 'any']],
    ['06 12 34 56 78 07 12 34 56 78', ['0612345678', '0712345678']],
    ['06 12 34 56 78 101', ['0612345678', '101']],
    ['101 06 12 34 56 78', ['101', '0612345678']],
    ['+33 (0)6 12 34 56 78', ['+330612345678']],
    ['06.12.34.56.78', ['0612345678']],
    ['06-12-34-56-78', ['0612345678']],
    ['06 12 34 56 7?', ['061234567?']],
    ['04*98', ['04*98']],
    ['*99', ['*99']],
    ['06** 07*', ['06*', '07*']],
    ['06*, 06*', ['06*']],
    ['06*,', ['06*']],
    ['anonymous internal', ['anonymous', 'internal']],
    ['06* anonyme', ['06*', 'anonymous']],
    ['Anonyme, INTERNE, Externe', ['anonymous', 'internal', 'external']],
    ['privé masqué private', ['anonymous']],
    ['06 anonymous 07', ['06', 'anonymous', '07']],
    ['101 +33612345678', ['101', '+33612345678']],
  ])('%j → %j', (text, expected) => {
    expect(raws(text)).toEqual(expected);
  });
});

describe('parseCallerId: canonical forms', () => {
  it.each([
    ['06*', '+336*'],
    ['+336*', '+336*'],
    ['00336*', '+336*'],
    ['0033 6*', '+336*'],
    ['0*', '+33*'],
    ['00*', '+*'],
    ['*99', '*99'],
    ['?23', '?23'],
    ['04*98', '+334*98'],
    ['0612345678', '+33612345678'],
    ['0033612345678', '+33612345678'],
    ['101', null],
    ['1*', null],
  ])('%j → %j', (text, canonical) => {
    const [pattern] = parse(text);
    expect(pattern).toMatchObject({ kind: 'number', canonical });
  });
});

describe('parseCallerId: errors name the part', () => {
  it.each([
    ['', 'pattern.empty'],
    [' , ;', 'pattern.empty'],
    ['06*a', 'pattern.unknown-word'],
    ['bonjour', 'pattern.unknown-word'],
    ['++33', 'pattern.plus'],
    ['06+12', 'pattern.plus'],
    ['#12', 'pattern.invalid'],
    ['...', 'pattern.invalid'],
    ['+', 'pattern.invalid'],
    ['123456789012345678901', 'pattern.too-long'],
  ])('%j → %s', (text, code) => {
    const [first, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ path: '', code });
    expect(first?.params.part).toBe(text.trim());
  });

  it('reports every bad part, and saves nothing', () => {
    expect(problems('06* toto 07* ++1').map((p) => p.params.part)).toEqual(['toto', '++1']);
  });

  it('refuses more than 50 patterns', () => {
    const text = Array.from({ length: 51 }, (_, i) => String(100 + i)).join(',');
    expect(problems(text)).toEqual([
      { path: '', code: 'pattern.too-many', params: { part: '150', max: 50 } },
    ]);
    expect(parse(text.split(',').slice(0, 50).join(','))).toHaveLength(50);
  });

  it('says it in French and in English', () => {
    const [p] = problems('06*a');
    if (p === undefined) throw new Error('no problem');
    expect(describeProblem('fr', p)).toBe(
      '« 06*a » n’est ni un numéro ni un mot connu (anonyme, interne, externe, contacts, annuaire, inconnu, groupe:NOM).',
    );
    expect(describeProblem('en', { ...p, path: 'exceptions[0].callerId' })).toBe(
      'exceptions[0].callerId: "06*a" is neither a number nor a known word (anonymous, internal, external, contacts, phonebook, unknown, group:NAME).',
    );
    for (const code of [
      'pattern.empty',
      'pattern.invalid',
      'pattern.plus',
      'pattern.too-long',
      'pattern.too-many',
      'pattern.bad-group',
      'number.invalid',
    ]) {
      for (const lang of ['fr', 'en'] as const) {
        const text = message(lang, code, { part: 'XYZ', max: 7 });
        expect(text).not.toBe(code);
        expect(text).not.toMatch(/\{\w+\}/);
      }
    }
    expect(missingTranslations().filter((c) => /^(pattern|number)\./.test(c))).toEqual([]);
  });

  it('never throws on odd input', () => {
    for (const text of ['\u0000', '*'.repeat(1000), '0 '.repeat(500), '+*', '?', '()*']) {
      expect(() => parseCallerId(text, 'FR')).not.toThrow();
    }
  });
});

describe('matchesCaller and compileMatcher', () => {
  const cases: [string, string | null, boolean][] = [
    ['*', '0612345678', true],
    ['*', null, true],
    ['*', '101', true],
    ['06*', '0612345678', true],
    ['06*', '+33612345678', true],
    ['06*', '0033612345678', true],
    ['06*', '0712345678', false],
    ['06*', '101', false],
    ['+336*', '0612345678', true],
    ['00336*', '+33612345678', true],
    ['*78', '+33612345678', true],
    ['*78', '0612345679', false],
    ['04*98', '0442930698', true],
    ['04*98', '0442930699', false],
    ['061234567?', '+33612345678', true],
    ['061234567?', '061234567', false],
    ['06 12 34 56 78', '+33 6 12 34 56 78', true],
    ['06 12 34 56 78', '0612345679', false],
    ['101', '101', true],
    ['101', '102', false],
    ['1*', '101', true],
    ['1*', '0112345678', false],
    ['3615', '3615', true],
    ['anonymous', null, true],
    ['anonymous', 'anonymous', true],
    ['anonymous', '0612345678', false],
    ['internal', '101', true],
    ['internal', '0612345678', false],
    ['external', '0612345678', true],
    ['external', '101', false],
    ['external', null, false],
    ['06*', null, false],
  ];
  it.each(cases)('%j vs caller %j → %s', (text, user, expected) => {
    const patterns = parse(text);
    const who = caller(user);
    expect(patterns.some((p) => matchesCaller(p, who))).toBe(expected);
    expect(compileMatcher(patterns)(who)).toBe(expected);
  });

  it('an empty pattern list matches nobody', () => {
    expect(compileMatcher([])(caller('0612345678'))).toBe(false);
  });
});

describe('patternCovers', () => {
  const covers = (a: string, b: string): boolean => {
    const [pa] = parse(a);
    const [pb] = parse(b);
    if (pa === undefined || pb === undefined) throw new Error('no pattern');
    return patternCovers(pa, pb);
  };

  it.each([
    ['*', '06*', true],
    ['*', 'anonymous', true],
    ['06*', '061*', true],
    ['06*', '0612345678', true],
    ['06*', '+33612345678', true],
    ['+336*', '0612*', false],
    ['+336*', '+3361*', true],
    ['06*', '06*', true],
    ['06*', '07*', false],
    ['061*', '06*', false],
    ['06*', '*', false],
    ['*78', '06*78', true],
    ['06?', '061', true],
    ['061', '06?', false],
    ['internal', '101', false],
    ['internal', 'internal', true],
    ['external', '+33612345678', true],
    ['external', '06*', false],
    ['anonymous', 'external', false],
    ['101', 'internal', false],
  ])('%j covers %j: %s', (a, b, expected) => {
    expect(covers(a, b)).toBe(expected);
  });

  it('patternsCover needs each b covered', () => {
    expect(patternsCover(parse('06* 07*'), parse('061* 0712345678'))).toBe(true);
    expect(patternsCover(parse('06*'), parse('061* 07*'))).toBe(false);
  });

  it('globCovers handles infix and ? positions', () => {
    expect(globCovers('0*8', '06*78')).toBe(true);
    expect(globCovers('06*78', '0678')).toBe(true);
    expect(globCovers('06*678', '0678')).toBe(false);
    expect(globCovers('0*?', '0*')).toBe(false);
  });
});

describe('describePattern', () => {
  it.each([
    ['*', '*'],
    ['06*', '+336*'],
    ['0612345678', '06 12 34 56 78'],
    ['+447911123456', '+44 7911 123456'],
    ['101', '101'],
    ['anonyme', 'anonymous'],
  ])('%j → %j', (text, expected) => {
    const [pattern] = parse(text);
    if (pattern === undefined) throw new Error('no pattern');
    expect(describePattern(pattern, 'FR')).toBe(expected);
  });
});
