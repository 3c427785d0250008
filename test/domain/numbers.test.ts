import { describe, expect, it } from 'vitest';
import {
  canonicalNumber,
  canonicalPrefix,
  classifyNumber,
  digitsOf,
  displayNumber,
  formatNumber,
  normalizeCaller,
} from '../../src/domain/numbers.js';

const isExtension = (n: string): boolean => /^1\d\d$/.test(n);

describe('digitsOf', () => {
  it.each([
    ['06 12 34 56 78', '0612345678'],
    ['06.12.34.56.78', '0612345678'],
    ['06-12-34-56-78', '0612345678'],
    ['+33 (0)6 12 34 56 78', '+330612345678'],
    ['06\u00a012\u00a034', '061234'],
    ['  +33 6', '+336'],
    ['06+12', '0612'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(digitsOf(input)).toBe(expected);
  });
});

describe('canonicalNumber', () => {
  it.each([
    '06 12 34 56 78',
    '+33 6 12 34 56 78',
    '0033612345678',
    '+33 (0)6 12 34 56 78',
    '06.12.34.56.78',
    '06-12-34-56-78',
    '+33612345678',
    '00330612345678',
  ])('%j is +33612345678', (text) => {
    expect(canonicalNumber(text, 'FR')).toBe('+33612345678');
  });

  it.each(['101', '3615', '', '06 12', '06 12 34 56 78 (mobile)', 'alice', '0612345678 ext 5'])(
    '%j is not a phone number',
    (text) => {
      expect(canonicalNumber(text, 'FR')).toBeNull();
    },
  );

  it('reads foreign numbers in international form and answers the same when memoised', () => {
    expect(canonicalNumber('+44 7911 123456', 'FR')).toBe('+447911123456');
    expect(canonicalNumber('0044 7911 123456', 'FR')).toBe('+447911123456');
    expect(canonicalNumber('0044 7911 123456', 'FR')).toBe('+447911123456');
  });

  it('uses the given country for national forms', () => {
    expect(canonicalNumber('(212) 555-1234', 'US')).toBe('+12125551234');
    expect(canonicalNumber('011 33 6 12 34 56 78', 'US')).toBe('+33612345678');
  });
});

describe('canonicalPrefix', () => {
  it.each([
    ['06', '+336'],
    ['0033', '+33'],
    ['+336', '+336'],
    ['00', '+'],
    ['0', '+33'],
    ['003', '+3'],
    ['00336', '+336'],
    ['+33 (0)6', '+336'],
    ['0033 0 6', '+336'],
    ['06 12', '+33612'],
    ['+44 7', '+447'],
    ['+', '+'],
  ])('FR %j → %j', (prefix, expected) => {
    expect(canonicalPrefix(prefix, 'FR')).toBe(expected);
  });

  it.each(['1', '10', '8', '', '6'])('FR %j has no canonical form', (prefix) => {
    expect(canonicalPrefix(prefix, 'FR')).toBeNull();
  });

  it('follows each country’s own prefixes', () => {
    expect(canonicalPrefix('1', 'US')).toBe('+1');
    expect(canonicalPrefix('011 44', 'US')).toBe('+44');
    expect(canonicalPrefix('01', 'US')).toBeNull();
    expect(canonicalPrefix('8', 'RU')).toBe('+7');
    expect(canonicalPrefix('810', 'RU')).toBe('+');
    // Italy keeps the leading 0 of fixed numbers: no national prefix to drop.
    expect(canonicalPrefix('06', 'IT')).toBe('+3906');
  });
});

describe('normalizeCaller', () => {
  it.each([
    [{ user: null }],
    [{ user: '' }],
    [{ user: 'anonymous' }],
    [{ user: 'Anonymous' }],
    [{ user: 'RESTRICTED' }],
    [{ user: 'unavailable' }],
    [{ user: '0612345678', privacy: true }],
  ])('%j is anonymous', (input) => {
    expect(normalizeCaller(input, 'FR', isExtension)).toEqual({ kind: 'anonymous' });
  });

  it('recognises extensions', () => {
    expect(normalizeCaller({ user: '101' }, 'FR', isExtension)).toEqual({
      kind: 'internal',
      extension: '101',
    });
  });

  it('canonicalises external numbers and keeps the digits as received', () => {
    expect(normalizeCaller({ user: '0033612345678' }, 'FR', isExtension)).toEqual({
      kind: 'external',
      e164: '+33612345678',
      digits: '0033612345678',
    });
    expect(normalizeCaller({ user: '3615' }, 'FR', isExtension)).toEqual({
      kind: 'external',
      e164: null,
      digits: '3615',
    });
  });
});

describe('classifyNumber', () => {
  it.each([
    ['+33612345678', 'mobile'],
    ['+33781234567', 'mobile'],
    ['+33142345678', 'fixed'],
    ['+33442930698', 'fixed'],
    ['+33800123456', 'toll-free'],
    ['+33820000000', 'shared-cost'],
    ['+33892123456', 'premium-rate'],
    ['+33912345678', 'voip'],
    ['+447911123456', 'international'],
    ['+33101', 'other'],
  ])('FR %s is %s', (e164, expected) => {
    expect(classifyNumber(e164, 'FR')).toBe(expected);
  });

  it('treats fixed-line-or-mobile as fixed', () => {
    expect(classifyNumber('+12125551234', 'US')).toBe('fixed');
  });
});

describe('formatNumber and displayNumber', () => {
  it('formats for trunks', () => {
    expect(formatNumber('+33612345678', 'e164', 'FR')).toBe('+33612345678');
    expect(formatNumber('+33612345678', 'national', 'FR')).toBe('0612345678');
    expect(formatNumber('+33612345678', 'international', 'FR')).toBe('0033612345678');
    expect(formatNumber('+447911123456', 'national', 'FR')).toBe('00447911123456');
    expect(formatNumber('+33612345678', 'international', 'US')).toBe('01133612345678');
  });

  it('displays for people', () => {
    expect(displayNumber('+33612345678', 'FR')).toBe('06 12 34 56 78');
    expect(displayNumber('+447911123456', 'FR')).toBe('+44 7911 123456');
  });
});
