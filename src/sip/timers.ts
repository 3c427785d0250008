/**
 * Time for the SIP layers. Transactions and transports take a `Scheduler` instead of calling
 * setTimeout, so that tests drive RFC 3261 timers to the exact millisecond with `FakeScheduler`
 * and leak checks can count the timers still pending.
 */

/** Opaque handle returned by `setTimer`. */
export interface TimerHandle {
  readonly id: number;
}

export interface Scheduler {
  /** Run `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancel a timer; a handle that already fired or was cleared is ignored. */
  clear(handle: TimerHandle | undefined): void;
  /** Milliseconds on this scheduler's clock. */
  now(): number;
  /** Timers set and neither fired nor cleared. */
  readonly pending: number;
}

/**
 * setTimeout-based scheduler. Timers are NOT unref'd: a pending retransmission or Timer B must
 * keep the process alive, or a transaction could silently never finish.
 */
export class RealScheduler implements Scheduler {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const timeout = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.set(id, timeout);
    return { id };
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const timeout = this.timers.get(handle.id);
    if (timeout === undefined) return;
    clearTimeout(timeout);
    this.timers.delete(handle.id);
  }

  now(): number {
    return performance.now();
  }

  get pending(): number {
    return this.timers.size;
  }
}

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * Manually advanced clock for tests. Timers fire in order of due time, then of creation; the clock
 * reads the timer's due time while it runs, so timers it sets are placed exactly.
 */
export class FakeScheduler implements Scheduler {
  private readonly timers = new Map<number, FakeTimer>();
  private nextId = 1;
  private time: number;

  constructor(start = 0) {
    this.time = start;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.time + Math.max(0, ms), fn });
    return { id };
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  now(): number {
    return this.time;
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, if any. */
  nextDue(): number | undefined {
    return this.earliest()?.due;
  }

  /** Move the clock forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }

  advanceTo(target: number): void {
    // Bounded so that a timer re-arming itself at 0 ms cannot hang a test.
    for (let fired = 0; fired < 1_000_000; fired++) {
      const t = this.earliest();
      if (!t || t.due > target) break;
      this.timers.delete(t.id);
      this.time = t.due;
      t.fn();
    }
    this.time = Math.max(this.time, target);
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
