import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import {
  canonicalNumber,
  canonicalPrefix,
  digitsOf,
  normalizeCaller,
} from '../../src/domain/numbers.js';
import {
  compileMatcher,
  matchesCaller,
  parseCallerId,
  patternCovers,
} from '../../src/domain/patterns.js';
import type { Caller, CallerPattern } from '../../src/domain/types.js';

const isExtension = (n: string): boolean => /^1\d\d$/.test(n);
const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
const digitsN = (n: number) =>
  fc.array(digit, { minLength: n, maxLength: n }).map((d) => d.join(''));

/** A valid French national significant number (9 digits). */
const frenchNsn = fc
  .tuple(fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8', '9'), digitsN(8))
  .map(([first, rest]) => first + rest)
  .filter((nsn) => isValidPhoneNumber('+33' + nsn));

/** A valid foreign number in E.164, a few countries with and without a national prefix. */
const foreignE164 = fc
  .tuple(fc.constantFrom('+44', '+49', '+32', '+41', '+1', '+39'), digitsN(10))
  .map(([cc, rest]) => cc + rest)
  .filter((e164) => isValidPhoneNumber(e164));

/** Sprinkles formatting (spaces, dots, dashes, NBSP) between the characters of a number. */
function formatted(compact: string) {
  return fc
    .array(fc.constantFrom('', '', '', ' ', '.', '-', '\u00a0'), {
      minLength: compact.length,
      maxLength: compact.length,
    })
    .map((seps) => [...compact].map((c, i) => (i === 0 ? c : (seps[i] ?? '') + c)).join(''));
}

function writtenFormsFr(nsn: string): string[] {
  return ['0' + nsn, '+33' + nsn, '0033' + nsn, '+330' + nsn];
}

function writtenFormsForeign(e164: string): string[] {
  return [e164, '00' + e164.slice(1)];
}

/** Patterns derived from a number's national or international writing, plus unrelated ones. */
function patternTexts(forms: string[]) {
  const fromForm = fc
    .tuple(fc.constantFrom(...forms), fc.nat(), fc.nat(), fc.constantFrom('*', '?', ''))
    .map(([form, a, b, kind]) => {
      const k = 2 + (a % (form.length - 1));
      if (kind === '*') {
        const suffix = form.slice(form.length - (b % 4));
        return form.slice(0, k) + '*' + suffix;
      }
      if (kind === '?') {
        const at = Math.max(2, k - 1);
        return form.slice(0, at) + '?' + form.slice(at + 1);
      }
      return form;
    });
  const suffix = fc
    .tuple(fc.constantFrom(...forms), fc.nat())
    .map(([form, n]) => '*' + form.slice(form.length - 1 - (n % 5)));
  const other = fc
    .tuple(fc.constantFrom('06', '07', '01', '+336', '0033', '+44', '00'), digitsN(2))
    .map(([p, d]) => p + d + '*');
  return fc.array(fc.oneof(fromForm, suffix, other), { minLength: 1, maxLength: 8 });
}

function parsed(texts: string[]): CallerPattern[] {
  const out: CallerPattern[] = [];
  for (const text of texts) {
    const result = parseCallerId(text, 'FR');
    if (result.ok) out.push(...result.patterns);
  }
  return out;
}

/**
 * Patterns whose meaning does not depend on how the caller's number was written. Excluded: no
 * canonical form, a leading "?", and a wildcard before the national significant number starts
 * ("+3?…", "0*": "0" alone is the national prefix and also the start of the IDD "00"); those
 * compare the raw text as typed.
 */
function formIndependent(p: CallerPattern): boolean {
  if (p.kind !== 'number') return true;
  if (p.canonical === null || p.raw.startsWith('?') || /^0[*?]/.test(p.raw)) return false;
  const wildcard = p.raw.search(/[*?]/);
  if (wildcard === -1) return true;
  const prefix = canonicalPrefix(p.raw.slice(0, wildcard), 'FR');
  // Past the calling code and any national prefix written after it ("+49 0…").
  return prefix !== null && prefix.length >= 4;
}

const normalize = (user: string): Caller => normalizeCaller({ user }, 'FR', isExtension);

describe('properties', () => {
  it('every written form of a number is the same caller and matches the same patterns', () => {
    const numbers = fc.oneof(
      frenchNsn.map((nsn) => writtenFormsFr(nsn)),
      foreignE164.map((e164) => writtenFormsForeign(e164)),
    );
    fc.assert(
      fc.property(
        numbers.chain((forms) =>
          fc.tuple(
            fc.constant(forms),
            fc.tuple(...forms.map((f) => formatted(f))),
            patternTexts(forms),
          ),
        ),
        ([forms, written, texts]) => {
          const patterns = parsed(texts).filter(formIndependent);
          const callers = written.map(normalize);
          const e164 = canonicalNumber(forms[0] ?? '', 'FR');
          expect(e164).not.toBeNull();
          const matcher = compileMatcher(patterns);
          const signatures = callers.map((c) => {
            expect(c).toMatchObject({ kind: 'external', e164 });
            return [patterns.map((p) => matchesCaller(p, c)), matcher(c)];
          });
          for (const s of signatures) expect(s).toEqual(signatures[0]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a pattern and its rewrites (06*, +336*, 00336*) match the same callers', () => {
    fc.assert(
      fc.property(
        frenchNsn,
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom('*', '?*', '*5', ''),
        fc.oneof(
          frenchNsn.map((n) => '0' + n),
          foreignE164,
          frenchNsn.map((n) => '+33' + n),
        ),
        (nsn, k, tail, user) => {
          const head = nsn.slice(0, k);
          const texts = ['0' + head + tail, '+33' + head + tail, '0033' + head + tail];
          if (tail === '') texts.splice(0, 3, ...writtenFormsFr(nsn));
          const patterns = parsed(texts);
          expect(patterns).toHaveLength(texts.length);
          const canonicals = new Set(
            patterns.map((p) => (p.kind === 'number' ? p.canonical : p.kind)),
          );
          expect(canonicals.size).toBe(1);
          const who = normalize(user);
          const results = new Set(patterns.map((p) => matchesCaller(p, who)));
          expect(results.size).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('canonicalPrefix agrees with canonicalNumber at every split point', () => {
    const numbers = fc.oneof(
      frenchNsn.chain((nsn) => fc.constantFrom(...writtenFormsFr(nsn)).chain(formatted)),
      foreignE164.chain((e) => fc.constantFrom(...writtenFormsForeign(e)).chain(formatted)),
    );
    fc.assert(
      fc.property(numbers, (written) => {
        const whole = canonicalNumber(written, 'FR');
        const foreignIdd =
          digitsOf(written).startsWith('00') && !digitsOf(written).startsWith('0033');
        expect(whole).not.toBeNull();
        for (let k = 1; k <= written.length; k++) {
          const prefix = written.slice(0, k);
          // "0" of a foreign "00…" number reads as the national prefix: see canonicalPrefix.
          if (foreignIdd && digitsOf(prefix) === '0') continue;
          const canonical = canonicalPrefix(prefix, 'FR');
          if (canonical !== null)
            expect(whole?.startsWith(canonical), `${prefix} → ${canonical}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parseCallerId never throws', () => {
    const alphabet = fc.constantFrom(...'0123456789*?+ ,;\n.-()aéA#\u00a0'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
        ),
        (text) => {
          const result = parseCallerId(text, 'FR');
          if (result.ok) expect(result.patterns.length).toBeGreaterThan(0);
          else for (const p of result.problems) expect(p.params).toHaveProperty('part');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('patternCovers is sound', () => {
    const piece = fc.constantFrom(
      '0',
      '06',
      '061',
      '1',
      '10',
      '+33',
      '+336',
      '0033',
      '6',
      '5',
      '?',
      '*',
      '78',
    );
    const patternText = fc.oneof(
      fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join('')),
      fc.constantFrom(
        '*',
        'anonymous',
        'internal',
        'external',
        '0612345678',
        '+33612345678',
        '101',
      ),
    );
    const pattern = patternText
      .map((t) => parseCallerId(t, 'FR'))
      .filter((r) => r.ok)
      .map((r) => (r.ok ? r.patterns[0] : undefined))
      .filter((p): p is CallerPattern => p !== undefined);
    const user = fc.oneof(
      fc.constant(null),
      fc.constantFrom(
        '101',
        '102',
        '106',
        '0612345678',
        '+33612345678',
        '0033612345678',
        '3615',
        '061',
      ),
      frenchNsn.chain((nsn) => fc.constantFrom(...writtenFormsFr(nsn))),
      fc.array(digit, { minLength: 1, maxLength: 6 }).map((d) => d.join('')),
    );
    const extension = (n: string): boolean => /^\d{1,4}$/.test(n);
    fc.assert(
      fc.property(
        pattern,
        pattern,
        fc.array(user, { minLength: 1, maxLength: 10 }),
        (a, b, users) => {
          if (!patternCovers(a, b)) return;
          for (const u of users) {
            const who = normalizeCaller({ user: u }, 'FR', extension);
            if (matchesCaller(b, who))
              expect(matchesCaller(a, who), JSON.stringify({ a, b, who })).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
