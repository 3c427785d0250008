/**
 * The one media clock every outgoing stream runs on: a tick every 20 ms (one G.711 frame, RFC 3551
 * §4.5), on absolute deadlines. Deadline k is start + k × 20 ms from `process.hrtime.bigint()`; each
 * tick arms a `setTimeout` for the next deadline from the time now, so a late tick does not push the
 * ones after it (setInterval would add every delay to the next period and drift).
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
  /** Called when a subscriber throws; the clock goes on with the others. */
  readonly onError?: (error: unknown) => void;
}

const NS_PER_MS = 1_000_000n;

export class MediaClock {
  private readonly periodNs: bigint;
  private readonly maxCatchUp: number;
  private readonly onError: (error: unknown) => void;
  private readonly handlers = new Set<TickHandler>();
  private timer: NodeJS.Timeout | undefined;
  private readonly epochNs = process.hrtime.bigint();
  /** Index of the next tick to deliver; its deadline is epoch + next × period. */
  private next = 0;
  private delivered = 0;

  constructor(options: MediaClockOptions = {}) {
    const periodMs = options.periodMs ?? 20;
    if (!(periodMs > 0)) throw new RangeError(`clock period must be positive, got ${periodMs}`);
    this.periodNs = BigInt(Math.round(periodMs * 1e6));
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

  /** Run `handler` on every tick from the next one on; returns the unsubscribe function. */
  subscribe(handler: TickHandler): () => void {
    this.handlers.add(handler);
    if (this.timer === undefined) this.start();
    return () => this.unsubscribe(handler);
  }

  unsubscribe(handler: TickHandler): void {
    this.handlers.delete(handler);
    if (this.handlers.size === 0) this.stop();
  }

  /** The index of the tick now in progress (the last deadline passed). */
  now(): number {
    return Number((process.hrtime.bigint() - this.epochNs) / this.periodNs);
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
    const deadline = this.epochNs + BigInt(this.next) * this.periodNs;
    const waitNs = deadline - process.hrtime.bigint();
    const waitMs = waitNs > 0n ? Number(waitNs / NS_PER_MS) : 0;
    this.timer = setTimeout(() => this.fire(), waitMs);
  }

  private fire(): void {
    // The wait was rounded down to whole milliseconds, so the timer may fire up to 1 ms before the
    // deadline: that tick is due all the same.
    const current = this.now();
    let due = Math.max(1, current - this.next + 1);
    if (due > this.maxCatchUp) {
      // Too far behind to catch up: skip the missed ticks and deliver the current one.
      this.next = current;
      due = 1;
    }
    for (let i = 0; i < due && this.handlers.size > 0; i++) {
      const tick = this.next++;
      this.delivered++;
      for (const handler of [...this.handlers]) {
        try {
          handler(tick);
        } catch (err) {
          this.onError(err);
        }
      }
    }
    if (this.handlers.size > 0) this.arm();
    else this.timer = undefined;
  }
}
