import { describe, expect, it } from 'vitest';
import { Headers, createRequest } from '../../../src/sip/message/index.js';
import type { SipRequest } from '../../../src/sip/message/index.js';
import { DEFAULT_OVERLOAD, OverloadControl } from '../../../src/sip/overload/overload-control.js';
import type { LoadSample, OverloadChange } from '../../../src/sip/overload/overload-control.js';

function request(method: string, toTag?: string): SipRequest {
  const h = new Headers()
    .append('Via', 'SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-1')
    .append('From', '<sip:alice@127.0.0.1>;tag=a')
    .append('To', `<sip:bob@127.0.0.1>${toTag === undefined ? '' : `;tag=${toTag}`}`)
    .append('Call-ID', 'c')
    .append('CSeq', `1 ${method}`);
  return createRequest(method, 'sip:bob@127.0.0.1', h);
}

const OVER: LoadSample = { utilization: 1, delayMs: 5, queueBytes: 0 };
const BETWEEN: LoadSample = { utilization: 0.8, delayMs: 5, queueBytes: 0 };
const CALM: LoadSample = { utilization: 0.2, delayMs: 5, queueBytes: 0 };

/** The same sample `n` times. */
function repeat(control: OverloadControl, sample: LoadSample, n: number): void {
  for (let i = 0; i < n; i++) control.sample(sample);
}

/** Saturated until all new requests are refused: 4 samples to start, 2 doublings. */
function saturate(control: OverloadControl): void {
  repeat(control, OVER, 6);
  expect(control.status().shedRatio).toBe(1);
}

/** How many of `n` new INVITEs are refused now. */
function refusedOf(control: OverloadControl, n: number): number {
  let refused = 0;
  for (let i = 0; i < n; i++) if (control.refuse(request('INVITE')) !== null) refused++;
  return refused;
}

describe('OverloadControl', () => {
  it('refuses nothing while the load stays under its thresholds', () => {
    const control = new OverloadControl();
    for (let i = 0; i < 10; i++) control.sample(BETWEEN);
    expect(refusedOf(control, 100)).toBe(0);
    expect(control.status().shedRatio).toBe(0);
  });

  it('takes one long turn of the loop for no overload: its utilisation is smoothed', () => {
    const changes: OverloadChange[] = [];
    const control = new OverloadControl(DEFAULT_OVERLOAD, (c) => changes.push(c));
    // A collection or a large parse: one saturated sample, even one whose timers came late.
    control.sample({ utilization: 1, delayMs: 600, queueBytes: 0 });
    repeat(control, CALM, 3);
    control.sample(OVER);
    expect(changes).toEqual([]);
    expect(refusedOf(control, 100)).toBe(0);
    // Weighing half each, from nothing: 0.5, 0.35, 0.275, 0.2375, then 0.61875.
    expect(control.status().utilization).toBeCloseTo(0.61875, 10);
    expect(control.status().last).toEqual(OVER);
    // The same turn with datagrams waiting behind it is a burst: shedding starts at once.
    const burst = new OverloadControl();
    burst.sample({ utilization: 1, delayMs: 600, queueBytes: 200 * 1024 });
    expect(burst.status().shedRatio).toBe(0.25);
  });

  it('refuses a quarter once the loop stays saturated for four samples, then doubles the share up to all', () => {
    const changes: OverloadChange[] = [];
    const control = new OverloadControl(DEFAULT_OVERLOAD, (c) => changes.push(c));
    repeat(control, OVER, 3);
    // 0.5, 0.75, 0.875: still under 0.9.
    expect(refusedOf(control, 100)).toBe(0);
    control.sample(OVER);
    expect(changes).toEqual([
      { kind: 'shedding', sample: OVER, cause: 'event-loop utilisation 0.94' },
    ]);
    // Spread evenly, not at random: exactly one in four.
    expect(refusedOf(control, 100)).toBe(25);
    control.sample(OVER);
    expect(refusedOf(control, 100)).toBe(50);
    control.sample(OVER);
    control.sample(OVER);
    expect(refusedOf(control, 100)).toBe(100);
    expect(control.status().shed).toBe(175);
  });

  it('is overloaded by a deep UDP queue alone, or a long event-loop delay while busy', () => {
    const byDelay = new OverloadControl();
    repeat(byDelay, { utilization: 0.75, delayMs: 5, queueBytes: 0 }, 3);
    expect(byDelay.status().shedRatio).toBe(0);
    // Busy for a second (smoothed 0.70) and now late.
    byDelay.sample({ utilization: 0.75, delayMs: 300, queueBytes: 0 });
    expect(byDelay.status().shedRatio).toBe(0.25);
    const byQueue = new OverloadControl();
    byQueue.sample({ utilization: 0.1, delayMs: 1, queueBytes: 2 * 1024 * 1024 });
    expect(byQueue.status().shedRatio).toBe(0.25);
    // An idle loop whose timers are late: the machine's other work, which refusing cannot cure.
    const idleButLate = new OverloadControl();
    idleButLate.sample({ utilization: 0.05, delayMs: 900, queueBytes: 0 });
    expect(idleButLate.status().shedRatio).toBe(0);
    const unknownQueue = new OverloadControl();
    unknownQueue.sample({ utilization: 0.1, delayMs: 1, queueBytes: undefined });
    expect(unknownQueue.status().shedRatio).toBe(0);
  });

  it('creeps back between the thresholds and recovers step by step below them (hysteresis)', () => {
    const changes: OverloadChange[] = [];
    const control = new OverloadControl(DEFAULT_OVERLOAD, (c) => changes.push(c));
    repeat(control, OVER, 5);
    expect(control.status().shedRatio).toBe(0.5);
    // With datagrams waiting unread, it holds.
    for (let i = 0; i < 5; i++) control.sample({ ...BETWEEN, queueBytes: 512 * 1024 });
    expect(control.status().shedRatio).toBe(0.5);
    // Between the thresholds a quarter step (0.0125) a sample: 11 of them take 0.1375 off.
    for (let i = 0; i < 11; i++) control.sample(BETWEEN);
    expect(control.status().shedRatio).toBeCloseTo(0.3625, 10);
    refusedOf(control, 8);
    let calmSamples = 0;
    while (control.status().shedRatio > 0 && calmSamples < 100) {
      control.sample(CALM);
      calmSamples++;
    }
    // 0.3625 in steps of 0.05, the last crumb (0.0125) below half a step dropped.
    expect(calmSamples).toBe(7);
    expect(refusedOf(control, 100)).toBe(0);
    // Late timers on a loaded machine do not hold it back once the loop itself is idle.
    repeat(control, OVER, 3);
    expect(control.status().shedRatio).toBe(0.25);
    for (let i = 0; i < 5; i++) control.sample({ utilization: 0.05, delayMs: 900, queueBytes: 0 });
    expect(control.status().shedRatio).toBe(0);
    expect(changes.map((c) => c.kind)).toEqual(['shedding', 'recovered', 'shedding', 'recovered']);
    // 8 requests at 0.3625: 2 refused (the share is spread, starting from nothing).
    expect(changes[1]).toMatchObject({ kind: 'recovered', shed: 2 });
  });

  it('refuses only new INVITEs and REGISTERs: in-dialog requests and the rest pass', () => {
    const control = new OverloadControl();
    saturate(control);
    expect(control.refuse(request('INVITE'))).not.toBeNull();
    expect(control.refuse(request('REGISTER'))).not.toBeNull();
    expect(control.refuse(request('INVITE', 'callee'))).toBeNull();
    for (const method of ['BYE', 'CANCEL', 'ACK', 'OPTIONS', 'SUBSCRIBE', 'UPDATE']) {
      expect(control.refuse(request(method)), method).toBeNull();
    }
  });

  it('asks the refused to retry after the set time, spread over up to as much again', () => {
    let r = 0;
    const sequence = [0, 0.999, 0.5];
    const control = new OverloadControl(
      { ...DEFAULT_OVERLOAD, retryAfterSeconds: 4 },
      () => undefined,
      () => sequence[r++ % sequence.length] ?? 0,
    );
    saturate(control);
    const retries = [0, 1, 2].map(() => control.refuse(request('INVITE')));
    expect(retries).toEqual([4, 8, 6]);
  });

  it('refuses settings that cannot work', () => {
    expect(
      () => new OverloadControl({ ...DEFAULT_OVERLOAD, utilization: { high: 0.5, low: 0.8 } }),
    ).toThrow(/utilization: low 0.8/);
    expect(() => new OverloadControl({ ...DEFAULT_OVERLOAD, retryAfterSeconds: 0 })).toThrow(
      /retryAfterSeconds/,
    );
  });
});
