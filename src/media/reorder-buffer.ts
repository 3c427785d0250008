/**
 * A small reorder buffer keyed by RTP sequence number (RFC 3550 §5.1: the sequence number lets the
 * receiver restore packet order). Packets come out in order; a gap is waited for until `depth`
 * packets are held, then skipped (the missing packet is taken as lost). A packet older than the
 * last one released, or a duplicate, is dropped. Pure: the session decides when to `flush`.
 */
import { sequenceDelta } from './rtp-packet.js';

/** Past this many packets ahead or behind, the stream is taken to have restarted. */
const RESYNC_DISTANCE = 100;

export class ReorderBuffer<T extends { readonly sequenceNumber: number }> {
  private readonly held = new Map<number, T>();
  private next: number | undefined;

  constructor(private readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 1) {
      throw new RangeError(`reorder depth must be a positive integer, got ${depth}`);
    }
  }

  get size(): number {
    return this.held.size;
  }

  /** Add a packet; returns the packets now released, in sequence order. */
  push(packet: T): T[] {
    const seq = packet.sequenceNumber;
    if (this.next === undefined) this.next = seq;
    if (seq === this.next && this.held.size === 0) {
      // The usual case, the next packet with nothing held: straight through, no map entry.
      this.next = (seq + 1) & 0xffff;
      return [packet];
    }
    const delta = sequenceDelta(seq, this.next);
    if (Math.abs(delta) > RESYNC_DISTANCE) {
      // A new sender (new SSRC after re-INVITE) or a jump: start over rather than drop everything.
      const out = this.flush();
      this.next = seq;
      return out.concat(this.push(packet));
    }
    if (delta < 0 || this.held.has(seq)) return [];
    this.held.set(seq, packet);
    const out: T[] = [];
    this.drainInOrder(out);
    while (this.held.size > this.depth) {
      this.skipToOldest();
      this.drainInOrder(out);
    }
    return out;
  }

  /** Release everything held, in order, skipping the gaps (end of stream or a stall). */
  flush(): T[] {
    const out: T[] = [];
    while (this.held.size > 0) {
      this.skipToOldest();
      this.drainInOrder(out);
    }
    return out;
  }

  private drainInOrder(out: T[]): void {
    if (this.next === undefined) return;
    let packet = this.held.get(this.next);
    while (packet !== undefined) {
      this.held.delete(this.next);
      out.push(packet);
      this.next = (this.next + 1) & 0xffff;
      packet = this.held.get(this.next);
    }
  }

  private skipToOldest(): void {
    if (this.next === undefined) return;
    let oldest: number | undefined;
    for (const seq of this.held.keys()) {
      if (oldest === undefined || sequenceDelta(seq, oldest) < 0) oldest = seq;
    }
    if (oldest !== undefined) this.next = oldest;
  }
}
