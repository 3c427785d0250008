/**
 * The requests refused with 503 in the last moments, by transaction key, so that a
 * retransmission of one is absorbed instead of refused again. Under overload the requests wait in
 * the socket's queue: when the PBX reads an INVITE a second late, the caller's retransmissions
 * of it (RFC 3261 §17.1.1.2: after 500 ms, then 1 s…) are already queued right behind it, and
 * each would cost another 503 and the caller's ACK of it, work the caller no longer needs once
 * the first 503 reaches it. A retransmission that comes after the window is refused again, so a
 * 503 lost on the way costs the caller one retransmission interval, not its call.
 */
export class RecentRefusals {
  /** Key → when it was refused (ms); Map order is oldest first. */
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly windowMs = 1000,
    private readonly maxKept = 20_000,
  ) {}

  get size(): number {
    return this.refused.size;
  }

  /** Whether `key` was refused within the window before `now`. */
  seen(key: string, now: number): boolean {
    this.forgetBefore(now - this.windowMs);
    return this.refused.has(key);
  }

  add(key: string, now: number): void {
    this.refused.delete(key);
    this.refused.set(key, now);
    // Bounded whatever the rate: the oldest go first.
    if (this.refused.size > this.maxKept) {
      const oldest = this.refused.keys().next();
      if (oldest.done !== true) this.refused.delete(oldest.value);
    }
  }

  private forgetBefore(limit: number): void {
    for (const [key, at] of this.refused) {
      if (at >= limit) return;
      this.refused.delete(key);
    }
  }
}
