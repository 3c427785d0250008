import { afterEach, describe, expect, it } from 'vitest';
import { MediaClock } from '../../src/media/media-clock.js';

const clocks: MediaClock[] = [];
afterEach(() => {
  for (const c of clocks.splice(0)) expect(c.running).toBe(false);
});

function clock(periodMs = 20): MediaClock {
  const c = new MediaClock({ periodMs });
  clocks.push(c);
  return c;
}

describe('MediaClock', () => {
  it('runs only while something subscribes', () => {
    const c = clock();
    expect(c.running).toBe(false);
    const off = c.subscribe(() => undefined);
    const off2 = c.subscribe(() => undefined);
    expect(c.running).toBe(true);
    off();
    expect(c.running).toBe(true);
    off2();
    expect(c.running).toBe(false);
    expect(c.subscribers).toBe(0);
  });

  it('delivers consecutive tick indices that match elapsed time, without drift', async () => {
    const c = clock(5);
    const ticks: number[] = [];
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const off = c.subscribe((tick) => {
        ticks.push(tick);
        if (ticks.length === 60) {
          off();
          resolve();
        }
      });
    });
    const elapsed = performance.now() - started;
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBe((ticks[i - 1] as number) + 1);
    // 60 ticks of 5 ms on absolute deadlines: no accumulated lateness beyond one period or two.
    expect(elapsed).toBeGreaterThanOrEqual(59 * 5 - 1);
    expect(elapsed).toBeLessThan(60 * 5 + 150);
  });

  it('keeps the tick index as a time across a stop and a restart', async () => {
    const c = clock(5);
    const first = await new Promise<number>((resolve) => {
      const off = c.subscribe((tick) => {
        off();
        resolve(tick);
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = await new Promise<number>((resolve) => {
      const off = c.subscribe((tick) => {
        off();
        resolve(tick);
      });
    });
    expect(second - first).toBeGreaterThanOrEqual(10);
  });

  it('keeps ticking for the others when a subscriber throws, and reports it', async () => {
    const errors: unknown[] = [];
    const c = new MediaClock({ periodMs: 5, onError: (e) => errors.push(e) });
    clocks.push(c);
    const offBad = c.subscribe(() => {
      throw new Error('boom');
    });
    let good = 0;
    await new Promise<void>((resolve) => {
      const off = c.subscribe(() => {
        if (++good === 3) {
          off();
          resolve();
        }
      });
    });
    offBad();
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a non-positive period', () => {
    expect(() => new MediaClock({ periodMs: 0 })).toThrow(RangeError);
  });

  it('refuses a lead outside [0, period)', () => {
    expect(() => new MediaClock({ periodMs: 20, leadMs: 20 })).toThrow(RangeError);
    expect(() => new MediaClock({ periodMs: 20, leadMs: -1 })).toThrow(RangeError);
    expect(() => new MediaClock({ periodMs: 20, leadMs: 0 })).not.toThrow();
  });

  for (const leadMs of [0, 1]) {
    it(`runs every subscriber's tick before any preparation (lead ${leadMs} ms)`, async () => {
      const c = new MediaClock({ periodMs: 5, leadMs });
      clocks.push(c);
      const calls: string[] = [];
      const offs: (() => void)[] = [];
      await new Promise<void>((resolve) => {
        for (const name of ['a', 'b', 'c']) {
          offs.push(
            c.subscribe(
              (tick) => calls.push(`${name}${tick}`),
              (tick) => {
                calls.push(`prepare ${name}${tick}`);
                if (calls.length >= 12) resolve();
              },
            ),
          );
        }
      });
      for (const off of offs) off();
      const first = Number(/\d+/.exec(calls[0] as string)?.[0]);
      const t = (k: number) => first + k;
      expect(calls.slice(0, 12)).toEqual([
        `a${t(0)}`,
        `b${t(0)}`,
        `c${t(0)}`,
        `prepare a${t(0)}`,
        `prepare b${t(0)}`,
        `prepare c${t(0)}`,
        `a${t(1)}`,
        `b${t(1)}`,
        `c${t(1)}`,
        `prepare a${t(1)}`,
        `prepare b${t(1)}`,
        `prepare c${t(1)}`,
      ]);
    });
  }

  it('does not prepare for a subscriber that left during the tick', async () => {
    const c = clock(5);
    const prepared: string[] = [];
    let offB: () => void = () => undefined;
    await new Promise<void>((resolve) => {
      const offA = c.subscribe(
        () => {
          offB();
        },
        () => {
          prepared.push('a');
          offA();
          resolve();
        },
      );
      offB = c.subscribe(
        () => undefined,
        () => prepared.push('b'),
      );
    });
    expect(prepared).toEqual(['a']);
  });

  it("sends a subscriber's error to its own handler, else to the clock's, and goes on", async () => {
    const reported: unknown[] = [];
    const c = new MediaClock({ periodMs: 5, onError: (e) => reported.push(['clock', e]) });
    clocks.push(c);
    let ticks = 0;
    const offs = [
      c.subscribe(
        () => {
          throw new Error('tick');
        },
        () => {
          throw new Error('prepare');
        },
        (e) => reported.push(['own', e]),
      ),
      c.subscribe(() => {
        throw new Error('orphan');
      }),
      c.subscribe(() => void ticks++),
    ];
    await new Promise((r) => setTimeout(r, 40));
    for (const off of offs) off();
    expect(ticks).toBeGreaterThan(2);
    const kinds = new Set(
      reported.map((r) => `${(r as [string, Error])[0]}:${(r as [string, Error])[1].message}`),
    );
    expect(kinds).toEqual(new Set(['own:tick', 'own:prepare', 'clock:orphan']));
  });
});
