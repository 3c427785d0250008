/**
 * RTP port pairs from a configured range. RFC 3550 §11: RTP on an even port, RTCP on the next odd
 * one. A pair is never handed out twice while held. Allocation walks the range round-robin from
 * where it last stopped, so a port just released is the last to be reused and late packets of the
 * previous call do not land in the next one.
 */

export class PortRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortRangeError';
  }
}

export class PortAllocator {
  private readonly held = new Set<number>();
  private cursor: number;
  readonly first: number;
  readonly last: number;

  /** `min`..`max` inclusive; the usable RTP ports are the even ones whose next port is in range. */
  constructor(min: number, max: number) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535) {
      throw new PortRangeError(`RTP port range ${min}-${max} must lie within 1024-65535`);
    }
    this.first = min % 2 === 0 ? min : min + 1;
    this.last = max % 2 === 0 ? max - 2 : max - 1;
    if (this.last < this.first) {
      throw new PortRangeError(`RTP port range ${min}-${max} holds no even/odd pair`);
    }
    this.cursor = this.first;
  }

  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  get inUse(): number {
    return this.held.size;
  }

  /** The next free even port, or undefined when the whole range is held. */
  acquire(): number | undefined {
    for (let i = 0; i < this.capacity; i++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.last ? this.first : port + 2;
      if (!this.held.has(port)) {
        this.held.add(port);
        return port;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.held.delete(port);
  }
}
