import { describe, expect, it } from 'vitest';
import { RecentRefusals } from '../../../src/sip/overload/recent-refusals.js';

describe('RecentRefusals', () => {
  it('knows a key refused within its window, and forgets it after', () => {
    const recent = new RecentRefusals(1000);
    recent.add('a', 0);
    recent.add('b', 600);
    expect(recent.seen('a', 999)).toBe(true);
    expect(recent.seen('c', 999)).toBe(false);
    expect(recent.seen('a', 1001)).toBe(false);
    expect(recent.seen('b', 1001)).toBe(true);
    expect(recent.size).toBe(1);
  });

  it('keeps at most its bound, the oldest going first', () => {
    const recent = new RecentRefusals(60_000, 3);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) recent.add(key, i);
    expect(recent.size).toBe(3);
    expect(recent.seen('a', 10)).toBe(false);
    expect(recent.seen('d', 10)).toBe(true);
  });
});
