import { describe, expect, it } from 'vitest';
import { randomFill, randomToken } from '../../src/sip/random.js';

describe('pooled random tokens', () => {
  it('gives tokens of the asked length and encoding, never the same one twice', () => {
    const seen = new Set<string>();
    // Enough draws to refill the 4 KiB pool several times, across its boundary.
    for (let i = 0; i < 3000; i++) {
      const hex = randomToken(6, 'hex');
      expect(hex).toMatch(/^[0-9a-f]{12}$/);
      const branch = randomToken(12, 'base64url');
      expect(branch).toMatch(/^[A-Za-z0-9_-]{16}$/);
      seen.add(hex).add(branch);
    }
    expect(seen.size).toBe(6000);
  });

  it('fills a buffer slice with fresh bytes and refuses more than the pool holds', () => {
    const target = Buffer.alloc(24);
    randomFill(target, 8, 8);
    expect(target.subarray(0, 8).equals(Buffer.alloc(8))).toBe(true);
    expect(target.subarray(16).equals(Buffer.alloc(8))).toBe(true);
    expect(target.subarray(8, 16).equals(Buffer.alloc(8))).toBe(false);
    expect(() => randomToken(5000, 'hex')).toThrow(RangeError);
  });
});
