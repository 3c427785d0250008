import { describe, expect, it } from 'vitest';
import { ParkLot, retrieveSlot } from '../../../src/pbx/calls/park/park-lot.js';

describe('the park lot', () => {
  it('parks in the lowest free slot, and parks nothing once full', () => {
    const lot = new ParkLot<string>(3);
    expect(lot.park('a')).toBe(1);
    expect(lot.park('b')).toBe(2);
    expect(lot.park('c')).toBe(3);
    expect(lot.park('d')).toBeNull();
    expect(lot.taken).toBe(3);
    expect(lot.take(2)).toBe('b');
    // The freed slot is the lowest free one again.
    expect(lot.park('e')).toBe(2);
    expect(lot.peek(2)).toBe('e');
  });

  it('takes a call out once: a second take or peek finds nothing', () => {
    const lot = new ParkLot<string>();
    const slot = lot.park('a');
    expect(slot).toBe(1);
    expect(lot.take(1)).toBe('a');
    expect(lot.take(1)).toBeUndefined();
    expect(lot.peek(1)).toBeUndefined();
    expect(lot.taken).toBe(0);
  });

  it('forgets the calls that ended, wherever they are', () => {
    const lot = new ParkLot<string>(4);
    for (const call of ['a', 'b', 'c']) lot.park(call);
    lot.release((call) => call === 'b');
    expect(lot.taken).toBe(2);
    expect(lot.peek(2)).toBeUndefined();
    expect(lot.park('d')).toBe(2);
  });

  it('is bounded: a size outside 1–99 is refused', () => {
    expect(() => new ParkLot(0)).toThrow(/between 1 and 99/);
    expect(() => new ParkLot(100)).toThrow(/between 1 and 99/);
    expect(new ParkLot().size).toBe(9);
  });

  it('reads the retrieve codes *1 + slot, and nothing else', () => {
    expect(retrieveSlot('*11')).toBe(1);
    expect(retrieveSlot('*19')).toBe(9);
    expect(retrieveSlot('*112')).toBe(12);
    expect(retrieveSlot('*10')).toBeUndefined();
    expect(retrieveSlot('*1')).toBeUndefined();
    expect(retrieveSlot('*0')).toBeUndefined();
    expect(retrieveSlot('*97')).toBeUndefined();
    expect(retrieveSlot('11')).toBeUndefined();
  });
});
