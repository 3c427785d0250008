import { describe, expect, it } from 'vitest';
import { parseReplaces, uriReplaces } from '../../../src/sip/message/index.js';

describe('Replaces (RFC 3891 §6.1)', () => {
  it('reads the Call-ID, both tags and early-only, parameters in any order and case', () => {
    expect(parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff')).toEqual({
      callId: '98732@sip.example.com',
      toTag: 'ff87ff',
      fromTag: 'r33th4x0r',
      earlyOnly: false,
    });
    expect(parseReplaces(' abc ; To-Tag=x ; FROM-TAG=y ; early-only')).toEqual({
      callId: 'abc',
      toTag: 'x',
      fromTag: 'y',
      earlyOnly: true,
    });
  });

  it('refuses a value without both tags, with an empty or repeated tag, or no Call-ID', () => {
    for (const bad of [
      'abc',
      'abc;to-tag=x',
      'abc;from-tag=y',
      ';to-tag=x;from-tag=y',
      'abc;to-tag=;from-tag=y',
      'abc;to-tag=x;to-tag=z;from-tag=y',
      'a b;to-tag=x;from-tag=y',
      'abc;to-tag=x;;from-tag=y',
    ]) {
      expect(parseReplaces(bad), bad).toBeNull();
    }
  });

  it("takes a Refer-To URI's Replaces header, percent-decoded, whatever its case", () => {
    const headers = new Map([['replaces', 'a%40b%3Bto-tag%3Dx%3Bfrom-tag%3Dy']]);
    expect(uriReplaces(headers)).toBe('a@b;to-tag=x;from-tag=y');
    expect(uriReplaces(new Map([['Subject', 'hi']]))).toBeUndefined();
  });
});
