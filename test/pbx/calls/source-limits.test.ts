import { describe, expect, it } from 'vitest';
import { SourceLimiter } from '../../../src/pbx/calls/admission/source-limits.js';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);
const LIMITS = { concurrent: 2, perMinute: 5 };

describe('SourceLimiter', () => {
  it('lets an address have `concurrent` calls at once, then asks it to retry', () => {
    const limiter = new SourceLimiter();
    const a = limiter.take('203.0.113.1', LIMITS, T0);
    const b = limiter.take('203.0.113.1', LIMITS, T0 + 1);
    expect(a.ok && b.ok).toBe(true);
    expect(limiter.take('203.0.113.1', LIMITS, T0 + 2)).toEqual({
      ok: false,
      limit: 'concurrent',
      retryAfterS: 10,
    });
    // Another address is not concerned.
    expect(limiter.take('198.51.100.9', LIMITS, T0 + 2).ok).toBe(true);
    if (a.ok) {
      a.release();
      a.release(); // twice counts once
    }
    expect(limiter.take('203.0.113.1', LIMITS, T0 + 3).ok).toBe(true);
    expect(limiter.take('203.0.113.1', LIMITS, T0 + 4).ok).toBe(false);
  });

  it('counts calls started in a sliding minute; Retry-After says when the oldest leaves it', () => {
    const limiter = new SourceLimiter();
    for (let i = 0; i < 5; i++) {
      const taken = limiter.take('203.0.113.1', LIMITS, T0 + i * 1000);
      expect(taken.ok).toBe(true);
      if (taken.ok) taken.release();
    }
    expect(limiter.take('203.0.113.1', LIMITS, T0 + 10_000)).toEqual({
      ok: false,
      limit: 'per-minute',
      retryAfterS: 50,
    });
    expect(limiter.take('203.0.113.1', LIMITS, T0 + 60_001).ok).toBe(true);
  });

  it('tracks a bounded number of addresses, never forgetting one with calls in progress', () => {
    const limiter = new SourceLimiter(3);
    const held = limiter.take('a', LIMITS, T0);
    expect(held.ok).toBe(true);
    for (let i = 0; i < 1000; i++) {
      const taken = limiter.take(`x${i}`, LIMITS, T0);
      if (taken.ok) taken.release();
    }
    expect(limiter.size).toBe(3);
    expect(limiter.take('a', { ...LIMITS, concurrent: 1 }, T0).ok).toBe(false);
  });
});
