/**
 * The one media clock every outgoing stream runs on: a tick every 20 ms (one G.711 frame, RFC 3551
 * §4.5), on absolute deadlines. Deadline k is epoch + k × 20 ms on the monotonic clock; each tick
 * arms a `setTimeout` for the next deadline from the time now, so a late tick does not push the
 * ones after it (setInterval would add every delay to the next period and drift).
 *
 * Precision. A timer only has millisecond resolution and fires anywhere in the millisecond around
 * its target, which alone is ±1 ms of jitter on every stream. So the timer aims `leadMs` before the
 * deadline, the clock sleeps most of the rest with `Atomics.wait` (a futex wait with a fractional
 * timeout, which burns no CPU) and busy-waits the last 0.3 ms: ticks leave within microseconds of
 * their deadline for about 0.3 ms of CPU per period (1.5 % of a core), whatever the number of
 * streams, and no other work of the event loop slips in front of the tick. The event loop is held
 * for at most `leadMs` plus the timer's own millisecond of error.
 *
 * Two phases per tick. Every subscriber's `onTick` runs first (sending what was prepared: a few
 * microseconds each), then every `prepare` (decoding, encoding the next frame), so that the
 * packets of all streams leave together, right at the deadline, and no stream's send waits for
 * another stream's preparation.
 *
 * Tick k is due at epoch + k × period, the epoch being the clock's creation, so a tick index is a
 * time: senders derive RTP timestamps from it, and two ticks k apart are k frames apart even across
 * a stop and restart of the clock. When the timer fires late by more than one period (a stalled
 * event loop), the missed ticks are delivered at once, up to `maxCatchUp`, so the audio keeps pace
 * with real time; beyond that the missed ticks are skipped.
 *
 * The timer exists only while something subscribes: the last unsubscribe clears it.
 */

export type TickHandler = (tick: number) => void;

export interface MediaClockOptions {
  readonly periodMs?: number;
  readonly maxCatchUp?: number;
  /**
   * How long before each deadline the timer aims; the clock sleeps the rest precisely. Default
   * 1 ms; 0 turns the precise wait off (ticks then leave anywhere within a millisecond of their
   * deadline).
   */
  readonly leadMs?: number;
  /** Called when a subscriber throws; the clock goes on with the others. */
  readonly onError?: (error: unknown) => void;
}

interface Subscriber {
  readonly onTick: TickHandler;
  readonly prepare: TickHandler | undefined;
  readonly onError: ((error: unknown) => void) | undefined;
}

/** A timer fires at most this much before its millisecond target (libuv rounds its clock down). */
const TIMER_EARLY_MS = 1;

/**
 * A sleeping thread wakes some tens of microseconds late (timer slack, scheduling): the last part
 * of the wait is a busy loop on the monotonic clock instead.
 */
const SPIN_MS = 0.3;

/** Nothing ever notifies this cell: `Atomics.wait` on it is a sleep with a fractional timeout. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export class MediaClock {
  private readonly periodMs: number;
  private readonly maxCatchUp: number;
  private readonly leadMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly handlers = new Map<TickHandler, Subscriber>();
  /** `handlers` as an array, rebuilt on change: a tick neither allocates nor sees changes. */
  private snapshot: Subscriber[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly epochMs = performance.now();
  /** Index of the next tick to deliver; its deadline is epoch + next × period. */
  private next = 0;
  private delivered = 0;
  private readonly onTimer = (): void => this.fire();

  constructor(options: MediaClockOptions = {}) {
    const periodMs = options.periodMs ?? 20;
    if (!(periodMs > 0)) throw new RangeError(`clock period must be positive, got ${periodMs}`);
    const leadMs = options.leadMs ?? 1;
    if (!(leadMs >= 0 && leadMs < periodMs)) {
      throw new RangeError(`clock lead must be in [0, ${periodMs}) ms, got ${leadMs}`);
    }
    this.periodMs = periodMs;
    this.leadMs = leadMs;
    this.maxCatchUp = options.maxCatchUp ?? 5;
    this.onError = options.onError ?? (() => undefined);
  }

  get subscribers(): number {
    return this.handlers.size;
  }

  /** True while a timer is armed. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Ticks delivered since the clock was created (for tests and the benchmark). */
  get ticks(): number {
    return this.delivered;
  }

  /**
   * Run `onTick` on every tick from the next one on, and `prepare` after every subscriber's
   * `onTick` of that tick; returns the unsubscribe function. An error thrown by either goes to
   * `onError` (the stream's owner, which ends its call), else to the clock's.
   */
  subscribe(
    onTick: TickHandler,
    prepare?: TickHandler,
    onError?: (error: unknown) => void,
  ): () => void {
    this.handlers.set(onTick, { onTick, prepare, onError });
    this.snapshot = [...this.handlers.values()];
    if (this.timer === undefined) this.start();
    return () => this.unsubscribe(onTick);
  }

  unsubscribe(onTick: TickHandler): void {
    if (!this.handlers.delete(onTick)) return;
    this.snapshot = [...this.handlers.values()];
    if (this.handlers.size === 0) this.stop();
  }

  /** The index of the tick now in progress (the last deadline passed). */
  now(): number {
    return Math.floor((performance.now() - this.epochMs) / this.periodMs);
  }

  private deadline(tick: number): number {
    return this.epochMs + tick * this.periodMs;
  }

  private start(): void {
    this.next = this.now() + 1;
    this.arm();
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const waitMs = this.deadline(this.next) - this.leadMs - performance.now();
    this.timer = setTimeout(this.onTimer, waitMs > 0 ? Math.floor(waitMs) : 0);
  }

  private fire(): void {
    const deadline = this.deadline(this.next);
    let now = performance.now();
    if (this.leadMs > 0 && now < deadline) {
      // The timer may fire up to TIMER_EARLY_MS before its target, itself leadMs before the
      // deadline: anything earlier than that is a spurious wake-up, armed again.
      if (deadline - now > this.leadMs + TIMER_EARLY_MS) {
        this.arm();
        return;
      }
      const remaining = deadline - now;
      if (remaining > SPIN_MS) Atomics.wait(sleepCell, 0, 0, remaining - SPIN_MS);
      // hrtime.bigint, not performance.now: the latter allocates an array on every call. The spin
      // is bounded by `remaining`, itself at most leadMs + TIMER_EARLY_MS.
      const left = Math.max(0, Math.min(remaining, deadline - performance.now()));
      const end = process.hrtime.bigint() + BigInt(Math.round(left * 1e6));
      while (process.hrtime.bigint() < end);
      now = performance.now();
    }
    // Without the precise wait the timer may fire up to a millisecond before the deadline (its
    // wait was rounded down): that tick is due all the same.
    const current = Math.max(this.next, Math.floor((now - this.epochMs) / this.periodMs));
    let due = current - this.next + 1;
    if (due > this.maxCatchUp) {
      // Too far behind to catch up: skip the missed ticks and deliver the current one.
      this.next = current;
      due = 1;
    }
    for (let i = 0; i < due && this.handlers.size > 0; i++) this.deliver(this.next++);
    if (this.handlers.size > 0) this.arm();
    else this.timer = undefined;
  }

  private deliver(tick: number): void {
    this.delivered++;
    const subscribers = this.snapshot;
    for (const subscriber of subscribers) this.call(subscriber, subscriber.onTick, tick);
    for (const subscriber of subscribers) {
      // A subscriber that left during this tick's first phase prepares nothing more.
      if (subscriber.prepare && this.handlers.get(subscriber.onTick) === subscriber) {
        this.call(subscriber, subscriber.prepare, tick);
      }
    }
  }

  private call(subscriber: Subscriber, handler: TickHandler, tick: number): void {
    try {
      handler(tick);
    } catch (err) {
      this.report(subscriber, err);
    }
  }

  private report(subscriber: Subscriber, error: unknown): void {
    if (subscriber.onError === undefined) {
      this.onError(error);
      return;
    }
    try {
      subscriber.onError(error);
    } catch (second) {
      this.onError(second);
    }
  }
}
