/**
 * Phone numbers (design §2, §5): one canonical E.164 form for every way a number is written, and
 * the numbering-plan facts (national prefix, IDD prefix, calling code) that caller-ID patterns need.
 * All numbering knowledge comes from libphonenumber-js; nothing here is hand-written metadata.
 */
import {
  Metadata,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/metadata.max.json';
import type { Caller, Country, NumberClass, NumberFormat } from './types.js';

/** The numbering-plan accessors libphonenumber-js has at run time but leaves out of its typings. */
interface PlanInternals {
  nationalPrefix(): string | number | null | undefined;
  nationalPrefixForParsing(): string | number | null | undefined;
  nationalPrefixTransformRule(): string | number | null | undefined;
  IDDPrefix(): string | number | null | undefined;
  defaultIDDPrefix(): string | number | null | undefined;
}

interface Plan {
  callingCode: string;
  /** null when the country dials national numbers without a prefix (Italy, Spain). */
  nationalPrefix: string | null;
  /**
   * What libphonenumber removes before the national significant number ("0", or "0|180020" in
   * the UK), anchored. null where parsing rewrites the digits instead (Argentina, Brazil, Japan):
   * there a prefix cannot be canonicalised without the rest of the number.
   */
  nationalStrip: RegExp | null;
  /** Anchored at the start; null when the country has no IDD prefix in the metadata. */
  idd: RegExp | null;
  /** The IDD prefix dialled to reach abroad, as digits ("00", "011"), or null if only a pattern. */
  iddDigits: string | null;
}

/** Metadata leaves absent fields as 0, null or undefined depending on the field. */
function text(value: string | number | null | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

const callingCodes = new Set(Object.keys(metadataJson.country_calling_codes));
const plans = new Map<string, Plan | null>();

function countryCode(country: Country): CountryCode | null {
  return isSupportedCountry(country) ? country : null;
}

function planOf(country: Country): Plan | null {
  const cached = plans.get(country);
  if (cached !== undefined) return cached;
  const code = countryCode(country);
  let plan: Plan | null = null;
  if (code !== null) {
    const metadata = new Metadata();
    metadata.selectNumberingPlan(code);
    const internals = metadata.numberingPlan as unknown as PlanInternals;
    const nationalPrefix = text(internals.nationalPrefix());
    const forParsing = text(internals.nationalPrefixForParsing());
    const iddPattern = text(internals.IDDPrefix());
    const iddDigits = text(internals.defaultIDDPrefix()) ?? iddPattern;
    plan = {
      callingCode: getCountryCallingCode(code),
      nationalPrefix,
      nationalStrip:
        text(internals.nationalPrefixTransformRule()) !== null
          ? null
          : new RegExp(`^(?:${forParsing ?? nationalPrefix ?? ''})`),
      idd: iddPattern === null ? null : new RegExp(`^(?:${iddPattern})`),
      iddDigits: iddDigits !== null && /^\d+$/.test(iddDigits) ? iddDigits : null,
    };
  }
  plans.set(country, plan);
  return plan;
}

/** The main country of a calling code, whose plan libphonenumber uses after "+<code>". */
function planOfCallingCode(callingCode: string): Plan | null {
  const countries = (metadataJson.country_calling_codes as Record<string, string[] | undefined>)[
    callingCode
  ];
  const main = countries?.[0];
  return main === undefined ? null : planOf(main);
}

/** "+33 (0)6 12.34-56 78" → "+330612345678": digits, and a "+" only if the text starts with one. */
export function digitsOf(text: string): string {
  // A plain loop: this runs on every call, and two regex passes cost several times more.
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) out += text[i];
    else if (code === 43 && out === '') out = '+';
  }
  return out;
}

/** A bounded memo: routing normalises the same few callers over and over. */
class Memo<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }
}

const canonicalMemo = new Memo<string | null>(10_000);

function parse(text: string, country: Country): PhoneNumber | undefined {
  const code = countryCode(country);
  // extract: false so "06 12 34 56 78 (mobile)" is refused rather than half-read.
  return parsePhoneNumberFromString(
    text,
    code === null ? { extract: false } : { defaultCountry: code, extract: false },
  );
}

/**
 * Any complete written form of a phone number → E.164 ("06 12 34 56 78" → "+33612345678"), or null
 * when it is not a possible phone number ("101", an extension). Memoised.
 */
export function canonicalNumber(text: string, country: Country): string | null {
  const key = country + '\u0000' + text;
  const cached = canonicalMemo.get(key);
  if (cached !== undefined) return cached;
  const parsed = parse(text, country);
  const result =
    parsed !== undefined && parsed.ext === undefined && parsed.isPossible() ? parsed.number : null;
  canonicalMemo.set(key, result);
  return result;
}

/** The digits after "+": find the calling code, then drop a national prefix written after it. */
function internationalPrefix(rest: string): string | null {
  for (let length = 1; length <= 3 && length <= rest.length; length++) {
    const callingCode = rest.slice(0, length);
    if (!callingCodes.has(callingCode)) continue;
    const after = rest.slice(length);
    const plan = planOfCallingCode(callingCode);
    const prefix = plan?.nationalPrefix ?? null;
    if (plan === null || prefix === null || after === '') return '+' + rest;
    // "+33 (0)6…": libphonenumber forgives the national prefix written after the calling code.
    if (plan.nationalStrip === null) return null;
    if (prefix.startsWith(after)) return '+' + callingCode;
    return '+' + callingCode + stripNational(after, plan.nationalStrip);
  }
  // A calling code not yet complete ("+3") or unknown: the digits are already international.
  return '+' + rest;
}

function stripNational(digits: string, strip: RegExp): string {
  const match = strip.exec(digits);
  return match === null ? digits : digits.slice(match[0].length);
}

/** True when `digits` starts some IDD prefix of the plan without being one yet ("8" of "810"). */
function startsAnIdd(digits: string, idd: RegExp): boolean {
  // IDD prefixes are at most a few digits, so trying every short continuation is exact and cheap.
  for (let extra = 1; extra <= 3; extra++) {
    const count = 10 ** extra;
    for (let n = 0; n < count; n++) {
      if (idd.test(digits + String(n).padStart(extra, '0'))) return true;
    }
  }
  return false;
}

const prefixMemo = new Memo<string | null>(10_000);

/**
 * The literal start of a wildcard pattern in canonical form: "06" → "+336", "0033" → "+33",
 * "00" → "+", "0" → "+33". null when it cannot be placed in the numbering plan: no "+", IDD or
 * national prefix in a country that has one ("1", an extension range), or an ambiguous start.
 * Agrees with canonicalNumber: canonicalPrefix(N[:k]) starts canonicalNumber(N).
 */
export function canonicalPrefix(prefix: string, country: Country): string | null {
  const key = country + '\u0000' + prefix;
  const cached = prefixMemo.get(key);
  if (cached !== undefined) return cached;
  const result = computePrefix(digitsOf(prefix), country);
  prefixMemo.set(key, result);
  return result;
}

function computePrefix(digits: string, country: Country): string | null {
  if (digits === '') return null;
  if (digits.startsWith('+')) return internationalPrefix(digits.slice(1));
  const plan = planOf(country);
  if (plan === null) return null;
  const idd = plan.idd?.exec(digits);
  if (idd) return internationalPrefix(digits.slice(idd[0].length));
  const national = plan.nationalPrefix;
  // "0" alone is the national prefix even though it also starts "00": the user means this country.
  if (national !== null && digits === national) return '+' + plan.callingCode;
  if (plan.idd !== null && digits.length < 4 && startsAnIdd(digits, plan.idd)) return null;
  if (national === null) return '+' + plan.callingCode + digits;
  if (!digits.startsWith(national) || plan.nationalStrip === null) return null;
  return '+' + plan.callingCode + stripNational(digits, plan.nationalStrip);
}

const WITHHELD = new Set(['anonymous', 'restricted', 'unavailable', 'private', 'withheld']);

/**
 * The form an outside caller is compared in: E.164 for a phone number; for digits that are not a
 * possible number but are written with "+", the IDD or the national prefix, the same rewrite the
 * patterns' prefixes get. Either way every written form of the caller gives one key.
 */
export function canonicalCallerKey(digits: string, country: Country): string | null {
  if (digits === '') return null;
  const number = canonicalNumber(digits, country);
  if (number !== null) return number;
  return /^\+?\d+$/.test(digits) ? canonicalPrefix(digits, country) : null;
}

/** Outside callers as read, by country and user part: a caller read once costs a lookup after. */
const outsideCallers = new Memo<{ digits: string; caller: Caller }>(10_000);

/** Who is calling, from the SIP user part (and RFC 3323 Privacy), once per call. */
export function normalizeCaller(
  input: { user: string | null; privacy?: boolean },
  country: Country,
  isExtension: (n: string) => boolean,
): Caller {
  const user = input.user?.trim() ?? '';
  if (input.privacy === true || user === '' || WITHHELD.has(user.toLowerCase())) {
    return { kind: 'anonymous' };
  }
  const key = `${country}|${user}`;
  let read = outsideCallers.get(key);
  if (read === undefined) {
    const digits = digitsOf(user);
    read = {
      digits,
      caller: Object.freeze({
        kind: 'external',
        e164: canonicalCallerKey(digits, country),
        digits,
      }),
    };
    outsideCallers.set(key, read);
  }
  // Which numbers are extensions changes with the directory, so it is asked every time.
  if (read.digits !== '' && isExtension(read.digits)) {
    return { kind: 'internal', extension: read.digits };
  }
  return read.caller;
}

const TYPE_CLASSES: Partial<Record<string, NumberClass>> = {
  FIXED_LINE: 'fixed',
  FIXED_LINE_OR_MOBILE: 'fixed',
  MOBILE: 'mobile',
  TOLL_FREE: 'toll-free',
  SHARED_COST: 'shared-cost',
  PREMIUM_RATE: 'premium-rate',
  VOIP: 'voip',
};

/** The class the outbound policy decides on (design §5). */
export function classifyNumber(e164: string, country: Country): NumberClass {
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed === undefined) return 'other';
  if (parsed.countryCallingCode !== planOf(country)?.callingCode) return 'international';
  return TYPE_CLASSES[parsed.getType() ?? ''] ?? 'other';
}

/** How a trunk wants it: "+33612345678", "0612345678" or "0033612345678". */
export function formatNumber(e164: string, format: NumberFormat, country: Country): string {
  if (format === 'e164') return e164;
  const plan = planOf(country);
  const parsed = parsePhoneNumberFromString(e164);
  if (
    format === 'national' &&
    parsed !== undefined &&
    parsed.countryCallingCode === plan?.callingCode
  ) {
    return digitsOf(parsed.formatNational());
  }
  // Without a dialable IDD prefix the E.164 form is the only one a trunk can route.
  return plan?.iddDigits ? plan.iddDigits + e164.slice(1) : e164;
}

/** For people: "06 12 34 56 78" at home, "+44 7911 123456" abroad. */
export function displayNumber(e164: string, country: Country): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed === undefined) return e164;
  return parsed.countryCallingCode === planOf(country)?.callingCode
    ? parsed.formatNational()
    : parsed.formatInternational();
}

/** The caller as one string: extension number, canonical number (digits if none), "anonymous". */
export function callerKey(caller: Caller): string {
  switch (caller.kind) {
    case 'internal':
      return caller.extension;
    case 'external':
      return caller.e164 ?? caller.digits;
    case 'anonymous':
      return 'anonymous';
  }
}
