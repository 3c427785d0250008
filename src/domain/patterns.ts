/**
 * The caller-ID field of an exception (design §2): parsing the text into patterns, matching a
 * caller, and deciding when one pattern makes another useless (for `renvoi check`).
 */
import { canonicalCallerKey, canonicalNumber, canonicalPrefix, displayNumber } from './numbers.js';
import { GROUP_NAME, foldGroup } from './contacts.js';
import type { Caller, CallerBook, CallerPattern, Country, Problem } from './types.js';

export const MAX_PATTERNS = 50;
export const MAX_DIGITS = 20;
/** E.164 allows 15 digits; a wildcard prefix longer than that can start no number. */
const MAX_NUMBER_DIGITS = 15;
/** "+33 (0)6 12 34 56 78 *" and the like, with room for an IDD prefix. */
const MAX_JOINED = 24;

type Word = 'anonymous' | 'internal' | 'external' | 'contacts' | 'phonebook' | 'unknown';

/** Both languages whatever the UI language: a field written in French keeps working in English. */
const WORDS: ReadonlyMap<string, Word> = new Map([
  ['anonymous', 'anonymous'],
  ['anonyme', 'anonymous'],
  ['private', 'anonymous'],
  ['prive', 'anonymous'],
  ['masque', 'anonymous'],
  ['internal', 'internal'],
  ['interne', 'internal'],
  ['external', 'external'],
  ['externe', 'external'],
  ['contacts', 'contacts'],
  ['phonebook', 'phonebook'],
  ['annuaire', 'phonebook'],
  ['unknown', 'unknown'],
  ['inconnu', 'unknown'],
  ['inconnus', 'unknown'],
]);

/** `group:NAME`, `groupe:NAME`: the name as written after the colon. */
const GROUP = /^(?:group|groupe):(.*)$/i;

function wordOf(group: string): Word | undefined {
  const folded = group.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  return WORDS.get(folded);
}

/** A word of the field as a pattern, a problem if it is a group with a bad name, or undefined. */
function namedPattern(text: string, problems: Problem[]): CallerPattern | null | undefined {
  const word = wordOf(text);
  if (word !== undefined) return { kind: word };
  const group = GROUP.exec(text);
  if (group === null) return undefined;
  const name = group[1] ?? '';
  if (!GROUP_NAME.test(name)) {
    problems.push(problem('pattern.bad-group', { part: text }));
    return null;
  }
  return { kind: 'group', name: foldGroup(name) };
}

const SEPARATORS = /[,;\r\n]+/;
const FORMATTING = /[.\-()]/g;
const NUMERIC = /^[\d+*?.\-()]+$/;
const WILDCARD = /[*?]/;

function problem(code: string, params: Record<string, string | number>): Problem {
  return { path: '', code, params };
}

/** A whitespace-separated group of a numeric run, formatting removed. */
interface Group {
  text: string;
  compact: string;
}

/**
 * Whether several groups written with spaces between them form one pattern: a possible phone
 * number ("?" counting as a digit), or a "*" pattern whose literal start is clearly a number
 * ("+33 6 *", "06 12 *").
 */
function joinable(compact: string, country: Country): boolean {
  if (compact.indexOf('+', 1) !== -1) return false;
  const star = compact.indexOf('*');
  // "?" stands for one digit, so "01 ?? ?? ?? ??" joins as a number would.
  if (star === -1) return canonicalNumber(compact.replace(/\?/g, '0'), country) !== null;
  const literal = compact.slice(0, compact.search(WILDCARD));
  const prefix = canonicalPrefix(literal, country);
  return prefix !== null && prefix.length - 1 <= MAX_NUMBER_DIGITS;
}

/** Fewest parts, each joinable or a single group; ties keep earlier parts longer. */
function partition(run: Group[], country: Country): Group[][] {
  const n = run.length;
  const best: number[] = new Array<number>(n + 1).fill(Infinity);
  const cut: number[] = new Array<number>(n + 1).fill(n);
  const offset: number[] = [0];
  for (const group of run) offset.push((offset[offset.length - 1] ?? 0) + group.compact.length);
  best[n] = 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let end = n; end > i; end--) {
      const rest = best[end] ?? Infinity;
      if (rest + 1 >= (best[i] ?? Infinity)) continue;
      if (end - i > 1) {
        // Longer than any written number: not worth asking libphonenumber (keeps this linear-ish).
        if ((offset[end] ?? 0) - (offset[i] ?? 0) > MAX_JOINED) continue;
        const joined = run
          .slice(i, end)
          .map((g) => g.compact)
          .join('');
        if (!joinable(joined, country)) continue;
      }
      best[i] = rest + 1;
      cut[i] = end;
    }
  }
  const parts: Group[][] = [];
  for (let i = 0; i < n; i = cut[i] ?? n) parts.push(run.slice(i, cut[i] ?? n));
  return parts;
}

/** Splits a comma/newline segment into the texts of its patterns (design §2 spaces rule). */
function segmentParts(
  segment: string,
  country: Country,
  problems: Problem[],
): { text: string; compact: string }[] {
  const out: { text: string; compact: string }[] = [];
  let run: Group[] = [];
  const flush = (): void => {
    for (const part of partition(run, country)) {
      out.push({
        text: part.map((g) => g.text).join(' '),
        compact: part.map((g) => g.compact).join(''),
      });
    }
    run = [];
  };
  for (const text of segment.split(/\s+/).filter((g) => g !== '')) {
    if (!NUMERIC.test(text)) {
      flush();
      const named = namedPattern(text, problems);
      if (named !== undefined) {
        if (named !== null) out.push({ text, compact: text });
      } else
        problems.push(
          problem(/\p{L}/u.test(text) ? 'pattern.unknown-word' : 'pattern.invalid', { part: text }),
        );
      continue;
    }
    run.push({ text, compact: text.replace(FORMATTING, '') });
    // A "*" ends a pattern: "06* 07*" is two patterns.
    if (text.includes('*')) flush();
  }
  flush();
  return out;
}

function numberPattern(
  text: string,
  compact: string,
  country: Country,
  problems: Problem[],
): CallerPattern | null {
  const raw = compact.replace(/\*+/g, '*');
  if (raw === '*') return { kind: 'any' };
  if (raw.indexOf('+', 1) !== -1) {
    problems.push(problem('pattern.plus', { part: text }));
    return null;
  }
  if (raw === '' || raw === '+') {
    problems.push(problem('pattern.invalid', { part: text }));
    return null;
  }
  const digits = raw.replace(/\D/g, '').length;
  if (digits > MAX_DIGITS) {
    problems.push(problem('pattern.too-long', { part: text, max: MAX_DIGITS }));
    return null;
  }
  const wildcard = raw.search(WILDCARD);
  let canonical: string | null;
  // A whole number gets exactly the key a caller with those digits gets.
  if (wildcard === -1) canonical = canonicalCallerKey(raw, country);
  // A leading wildcard compares ends of numbers, which every written form shares.
  else if (wildcard === 0) canonical = raw;
  else {
    const prefix = canonicalPrefix(raw.slice(0, wildcard), country);
    canonical = prefix === null ? null : prefix + raw.slice(wildcard);
  }
  return { kind: 'number', raw, canonical };
}

function keyOf(pattern: CallerPattern): string {
  if (pattern.kind === 'number') return `number:${pattern.raw}`;
  if (pattern.kind === 'group') return `group:${pattern.name}`;
  return pattern.kind;
}

/** The caller-ID field → patterns, or problems naming each offending part (path '' for callers). */
export function parseCallerId(
  text: string,
  country: Country,
): { ok: true; patterns: CallerPattern[] } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const patterns: CallerPattern[] = [];
  const seen = new Set<string>();
  let tooMany: string | null = null;
  for (const segment of text.split(SEPARATORS)) {
    for (const part of segmentParts(segment, country, problems)) {
      // segmentParts kept only the words that name a pattern.
      const named = namedPattern(part.text, []);
      const pattern: CallerPattern | null =
        named === undefined ? numberPattern(part.text, part.compact, country, problems) : named;
      if (pattern === null) continue;
      const key = keyOf(pattern);
      if (seen.has(key)) continue;
      seen.add(key);
      if (patterns.length === MAX_PATTERNS) tooMany ??= part.text;
      else patterns.push(pattern);
    }
  }
  if (tooMany !== null)
    problems.push(problem('pattern.too-many', { part: tooMany, max: MAX_PATTERNS }));
  if (problems.length === 0 && patterns.length === 0) {
    problems.push(problem('pattern.empty', { part: text.trim() }));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, patterns };
}

// ---------------------------------------------------------------------------
// Matching

type Test = (value: string) => boolean;

const QUESTION = 63;

function escapeRegExp(text: string): string {
  return text.replace(/[+]/g, '\\+');
}

/**
 * A glob as the cheapest test that decides it. `*` matches any run (the leading "+" included, so
 * `*99` matches "+33…99"), `?` exactly one digit.
 */
function compileGlob(glob: string): Test {
  const stars = glob.split('*');
  if (!glob.includes('?')) {
    if (stars.length === 1) return (value) => value === glob;
    if (stars.length === 2) {
      const [head = '', tail = ''] = stars;
      const min = head.length + tail.length;
      if (tail === '') return (value) => value.startsWith(head);
      if (head === '') return (value) => value.endsWith(tail);
      return (value) => value.length >= min && value.startsWith(head) && value.endsWith(tail);
    }
  }
  if (stars.length === 1) {
    // Fixed length with "?": a character loop is several times cheaper than a RegExp here.
    return (value) => {
      if (value.length !== glob.length) return false;
      for (let i = 0; i < glob.length; i++) {
        const g = glob.charCodeAt(i);
        const c = value.charCodeAt(i);
        if (g === QUESTION ? c < 48 || c > 57 : g !== c) return false;
      }
      return true;
    };
  }
  const regex = new RegExp(
    '^' + escapeRegExp(glob).replace(/\*/g, '.*').replace(/\?/g, '\\d') + '$',
  );
  return (value) => regex.test(value);
}

const globCache = new Map<string, Test>();

function globTest(glob: string): Test {
  let test = globCache.get(glob);
  if (test === undefined) {
    test = compileGlob(glob);
    if (globCache.size < 10_000) globCache.set(glob, test);
  }
  return test;
}

/** A caller found in no book: what routing sees when no contacts are given. */
export const NO_BOOK: CallerBook = { personal: null, phonebook: null, groups: new Set() };

function isUnknown(caller: Caller, book: CallerBook): boolean {
  return caller.kind !== 'internal' && book.personal === null && book.phonebook === null;
}

/** Whether one pattern matches a caller (design §2), `book` saying where the caller was found. */
export function matchesCaller(
  pattern: CallerPattern,
  caller: Caller,
  book: CallerBook = NO_BOOK,
): boolean {
  switch (pattern.kind) {
    case 'any':
      return true;
    case 'anonymous':
    case 'internal':
    case 'external':
      return caller.kind === pattern.kind;
    case 'contacts':
      return book.personal !== null;
    case 'phonebook':
      return book.phonebook !== null;
    case 'group':
      return book.groups.has(pattern.name);
    case 'unknown':
      return isUnknown(caller, book);
    case 'number':
      if (caller.kind === 'internal') return globTest(pattern.raw)(caller.extension);
      if (caller.kind === 'anonymous') return false;
      return globTest(outsideKey(pattern))(callerOutsideKey(caller));
  }
}

/**
 * Design §2: outside callers are compared in canonical form only, so that every written form of a
 * caller meets the same patterns. A pattern with no canonical form (a short code) is compared as
 * written, and so is a caller whose digits have none.
 */
function outsideKey(pattern: { raw: string; canonical: string | null }): string {
  return pattern.canonical ?? pattern.raw;
}

function callerOutsideKey(caller: { e164: string | null; digits: string }): string {
  return caller.e164 ?? caller.digits;
}

/** Whether the field names callers by who they are, so routing must look them up in the books. */
export function usesBooks(patterns: readonly CallerPattern[]): boolean {
  return patterns.some(
    (p) =>
      p.kind === 'contacts' || p.kind === 'phonebook' || p.kind === 'group' || p.kind === 'unknown',
  );
}

/**
 * All patterns of a field as one test, built once per exception for the routing hot path. `book`
 * is only read when the field uses the books (`usesBooks`).
 */
export function compileMatcher(
  patterns: CallerPattern[],
): (caller: Caller, book?: CallerBook) => boolean {
  let any = false;
  let anonymous = false;
  let internal = false;
  let external = false;
  const named: CallerPattern[] = [];
  const raw: Test[] = [];
  const outside: Test[] = [];
  for (const pattern of patterns) {
    if (pattern.kind === 'any') any = true;
    else if (pattern.kind === 'anonymous') anonymous = true;
    else if (pattern.kind === 'internal') internal = true;
    else if (pattern.kind === 'external') external = true;
    else if (pattern.kind === 'number') {
      raw.push(globTest(pattern.raw));
      outside.push(globTest(outsideKey(pattern)));
    } else named.push(pattern);
  }
  if (any) return () => true;
  const byDigits = (caller: Caller): boolean => {
    if (caller.kind === 'anonymous') return anonymous;
    if (caller.kind === 'internal') {
      if (internal) return true;
      for (const test of raw) if (test(caller.extension)) return true;
      return false;
    }
    if (external) return true;
    const key = callerOutsideKey(caller);
    for (const test of outside) if (test(key)) return true;
    return false;
  };
  if (named.length === 0) return byDigits;
  return (caller, book = NO_BOOK) =>
    byDigits(caller) || named.some((pattern) => matchesCaller(pattern, caller, book));
}

// ---------------------------------------------------------------------------
// Covering (shadowed exceptions)

/** Whether `p` matches `c` for every character `c` can stand for at one position. */
function positionCovers(p: string, c: string): boolean {
  if (p === '?') return c === '?' || (c >= '0' && c <= '9');
  return p === c;
}

/**
 * Sound, incomplete: true only when every text matched by glob `b` is matched by glob `a`.
 * Handles `a` with at most one `*` (prefix, suffix, infix), which is what people write.
 */
export function globCovers(a: string, b: string): boolean {
  if (a === b || a === '*') return true;
  const stars = a.split('*');
  if (stars.length > 2) return false;
  const [head = '', tail = ''] = stars;
  if (stars.length === 1) {
    if (b.includes('*') || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!positionCovers(a[i] ?? '', b[i] ?? '')) return false;
    return true;
  }
  const minLength = b.replace(/\*/g, '').length;
  if (minLength < head.length + tail.length || b.length < head.length + tail.length) return false;
  for (let i = 0; i < head.length; i++) {
    const c = b[i] ?? '*';
    if (c === '*' || !positionCovers(head[i] ?? '', c)) return false;
  }
  for (let i = 1; i <= tail.length; i++) {
    const c = b[b.length - i] ?? '*';
    if (c === '*' || !positionCovers(tail[tail.length - i] ?? '', c)) return false;
  }
  return true;
}

/**
 * True only if every caller matched by `b` is matched by `a` (sound, may say false when unsure).
 * Assumes callers come from normalizeCaller with the patterns' country, and extension numbers
 * are digits only (no "+").
 */
export function patternCovers(a: CallerPattern, b: CallerPattern): boolean {
  if (a.kind === 'any') return true;
  if (a.kind === 'group') return b.kind === 'group' && a.name === b.name;
  // Books hold outside numbers only, and an anonymous caller is in none of them.
  if (b.kind === 'contacts' || b.kind === 'phonebook' || b.kind === 'group')
    return a.kind === b.kind || a.kind === 'external';
  if (a.kind === 'unknown') return b.kind === 'unknown' || b.kind === 'anonymous';
  if (b.kind !== 'number') return a.kind === b.kind;
  if (a.kind === 'external') return b.raw.startsWith('+');
  if (a.kind !== 'number') return false;
  // A "+…" pattern can match no extension; otherwise a's raw form must take every extension b takes.
  const internalCovered = b.raw.startsWith('+') || globCovers(a.raw, b.raw);
  return internalCovered && globCovers(outsideKey(a), outsideKey(b));
}

/** Every pattern of `bs` is covered by some pattern of `as`. */
export function patternsCover(as: CallerPattern[], bs: CallerPattern[]): boolean {
  return bs.every((b) => as.some((a) => patternCovers(a, b)));
}

/** The canonical form shown beside a chip; the UI words "any", "anonymous"… via i18n by kind. */
export function describePattern(p: CallerPattern, country: Country): string {
  if (p.kind === 'any') return '*';
  if (p.kind === 'group') return `group:${p.name}`;
  if (p.kind !== 'number') return p.kind;
  if (p.canonical === null) return p.raw;
  return WILDCARD.test(p.canonical) ? p.canonical : displayNumber(p.canonical, country);
}
