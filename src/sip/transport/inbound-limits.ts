/**
 * How many connections others may open to us: in total and per source address. A connection
 * (or a WebSocket handshake in progress) holds a slot from accept to close. A slot is "proven"
 * once a complete SIP message came through it; when a limit is reached, the oldest unproven slot
 * (of that address, or of anyone for the total) gives way to the newcomer, so connections that
 * never send a message cannot lock out a phone that does.
 */

export interface InboundLimitsOptions {
  /** Inbound connections at once, all addresses together. */
  maxInbound: number;
  /** Inbound connections at once from one address. */
  maxPerAddress: number;
}

export class InboundSlot {
  private provenValue = false;
  private released = false;

  constructor(
    readonly address: string,
    private readonly owner: InboundLimits,
    /** Closes what holds the slot; the close releases it. */
    readonly evict: () => void,
  ) {}

  get proven(): boolean {
    return this.provenValue;
  }

  /** A complete message came through: this slot is no longer the first to give way. */
  prove(): void {
    if (this.provenValue || this.released) return;
    this.provenValue = true;
    this.owner.proved(this);
  }

  /** Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.owner.released(this);
  }
}

export class InboundLimits {
  private readonly byAddress = new Map<string, Set<InboundSlot>>();
  /** Insertion order is age: the first is the oldest. */
  private readonly unproven = new Set<InboundSlot>();
  private count = 0;

  constructor(private readonly options: InboundLimitsOptions) {}

  /** Slots held now. */
  get size(): number {
    return this.count;
  }

  /** Slots held now by one address. */
  heldBy(address: string): number {
    return this.byAddress.get(address)?.size ?? 0;
  }

  /**
   * A slot for a new connection from `address`, evicting an older unproven one if a limit is
   * reached; undefined when every slot in the way is proven (the newcomer is refused).
   */
  admit(address: string, evict: () => void): InboundSlot | undefined {
    const mine = this.byAddress.get(address);
    if (mine !== undefined && mine.size >= this.options.maxPerAddress) {
      if (!this.evictOldest(mine)) return undefined;
    }
    if (this.count >= this.options.maxInbound && !this.evictOldest(this.unproven)) {
      return undefined;
    }
    const slot = new InboundSlot(address, this, evict);
    let set = this.byAddress.get(address);
    if (set === undefined) this.byAddress.set(address, (set = new Set()));
    set.add(slot);
    this.unproven.add(slot);
    this.count++;
    return slot;
  }

  /** @internal */
  proved(slot: InboundSlot): void {
    this.unproven.delete(slot);
  }

  /** @internal */
  released(slot: InboundSlot): void {
    const set = this.byAddress.get(slot.address);
    if (set?.delete(slot) !== true) return;
    if (set.size === 0) this.byAddress.delete(slot.address);
    this.unproven.delete(slot);
    this.count--;
  }

  /** Releases the oldest unproven slot among `slots` and closes its holder. */
  private evictOldest(slots: Iterable<InboundSlot>): boolean {
    for (const slot of slots) {
      if (slot.proven) continue;
      // Released first: the holder's close may come later (a socket's 'close' event).
      slot.release();
      slot.evict();
      return true;
    }
    return false;
  }
}
