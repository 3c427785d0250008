import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReorderBuffer } from '../../src/media/reorder-buffer.js';

const p = (sequenceNumber: number) => ({ sequenceNumber });
const seqs = (packets: { sequenceNumber: number }[]) => packets.map((x) => x.sequenceNumber);

describe('ReorderBuffer', () => {
  it('passes packets in order straight through', () => {
    const buffer = new ReorderBuffer(3);
    expect(seqs(buffer.push(p(10)))).toEqual([10]);
    expect(seqs(buffer.push(p(11)))).toEqual([11]);
    expect(buffer.size).toBe(0);
  });

  it('holds a packet that came early until the missing one arrives', () => {
    const buffer = new ReorderBuffer(3);
    buffer.push(p(1));
    expect(seqs(buffer.push(p(3)))).toEqual([]);
    expect(seqs(buffer.push(p(2)))).toEqual([2, 3]);
  });

  it('gives up on a lost packet once more than depth packets wait', () => {
    const buffer = new ReorderBuffer(2);
    buffer.push(p(1));
    expect(seqs(buffer.push(p(3)))).toEqual([]);
    expect(seqs(buffer.push(p(4)))).toEqual([]);
    expect(seqs(buffer.push(p(5)))).toEqual([3, 4, 5]);
    expect(seqs(buffer.push(p(2)))).toEqual([]); // too late
  });

  it('drops duplicates, wraps at 65535 and flushes what it holds', () => {
    const buffer = new ReorderBuffer(3);
    expect(seqs(buffer.push(p(65534)))).toEqual([65534]);
    expect(seqs(buffer.push(p(65534)))).toEqual([]);
    expect(seqs(buffer.push(p(0)))).toEqual([]);
    expect(seqs(buffer.push(p(65535)))).toEqual([65535, 0]);
    buffer.push(p(2));
    expect(seqs(buffer.flush())).toEqual([2]);
  });

  it('restarts on a big jump (new sender) rather than dropping it', () => {
    const buffer = new ReorderBuffer(3);
    buffer.push(p(100));
    expect(seqs(buffer.push(p(30000)))).toEqual([30000]);
  });

  it('restores any shuffle within its depth without loss', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65535 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        (start, keys) => {
          // Displace each packet by at most 2 positions: a jitter of 40 ms.
          const order = keys
            .map((k, i) => ({ i, key: i + (k % 3) }))
            .sort((a, b) => a.key - b.key || a.i - b.i)
            .map((x) => x.i);
          fc.pre(order[0] === 0);
          const buffer = new ReorderBuffer(3);
          const out: number[] = [];
          for (const i of order) out.push(...seqs(buffer.push(p((start + i) & 0xffff))));
          out.push(...seqs(buffer.flush()));
          expect(out).toEqual(order.map((_, i) => (start + i) & 0xffff));
        },
      ),
    );
  });

  it('refuses a depth below 1', () => {
    expect(() => new ReorderBuffer(0)).toThrow(RangeError);
  });
});
