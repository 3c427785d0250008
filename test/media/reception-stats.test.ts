import { describe, expect, it } from 'vitest';
import { ReceptionStats } from '../../src/media/reception-stats.js';

describe('ReceptionStats (RFC 3550 A.3, A.8)', () => {
  it('counts loss, the extended sequence across a wrap and the fraction lost', () => {
    const stats = new ReceptionStats(5);
    let t = 0;
    for (const seq of [65533, 65534, 0, 1, 3]) stats.record(seq, (t += 160), t);
    const report = stats.report(0);
    expect(report.extendedHighestSequence).toBe(0x10003);
    expect(report.cumulativeLost).toBe(2); // 65535 and 2
    expect(report.fractionLost).toBe(Math.floor((2 * 256) / 7));
    expect(stats.report(0).fractionLost).toBe(0);
  });

  it('has zero jitter for a steady stream and some for an uneven one', () => {
    const steady = new ReceptionStats(1);
    const uneven = new ReceptionStats(1);
    for (let i = 0; i < 50; i++) {
      steady.record(i, i * 160, 1000 + i * 160);
      uneven.record(i, i * 160, 1000 + i * 160 + (i % 2) * 40);
    }
    expect(steady.jitter).toBe(0);
    expect(uneven.jitter).toBeGreaterThan(20);
  });
});
