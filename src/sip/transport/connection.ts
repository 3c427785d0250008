/**
 * Connection-oriented transports (TCP, TLS, WebSocket) seen through one interface, and the table that
 * finds a connection again by id or by remote address and closes the idle ones.
 */
import type { Scheduler, TimerHandle } from '../timers.js';
import type { InboundSlot } from './inbound-limits.js';
import type { ConnectionProtocol, SendErrorHandler } from './types.js';
import { TransportError } from './types.js';

export interface Connection {
  readonly id: number;
  readonly protocol: ConnectionProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly open: boolean;
  /** Scheduler time of the last byte received or sent. */
  readonly lastActivity: number;
  /** Held while open when the peer opened the connection; undefined for our own. */
  readonly slot?: InboundSlot | undefined;
  /** Bytes held for a message not yet complete. */
  readonly pendingBytes: number;
  /** Queue a whole message; `onError` runs later if it cannot be delivered. */
  send(data: Buffer, onError: SendErrorHandler): void;
  /** Close now; idempotent. */
  close(): void;
}

/** What a connection needs from the transport layer, beyond its socket. */
export interface ConnectionLimits {
  scheduler: Scheduler;
  /** Bytes queued for writing beyond which the peer is considered stuck and cut off. */
  maxWriteBufferBytes: number;
  /**
   * Time a peer has to complete a message once its first byte came (and, for a connection it
   * opened to us, to send its first message at all). Unlike an idle timeout, a trickle of bytes
   * does not extend it.
   */
  messageTimeoutMs: number;
  /** The bytes held for a message not yet complete changed by `delta`. */
  onPending(conn: SocketConnection, delta: number): void;
}

/**
 * What TCP and WebSocket connections share: the open/closed state, the time of the last traffic,
 * a send that refuses a closed connection and cuts off a peer that stops reading, the deadline
 * for a message under way, and the inbound slot it holds. Subclasses supply the socket's calls.
 */
export abstract class SocketConnection implements Connection {
  abstract readonly protocol: ConnectionProtocol;
  private ended = false;
  private activity: number;
  private deadline: TimerHandle | undefined;
  private pending = 0;

  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly limits: ConnectionLimits,
    /** How errors name this kind of connection ("connection", "WebSocket"). */
    private readonly label: string,
    /** Held while open when the peer opened the connection; undefined for our own. */
    readonly slot?: InboundSlot,
  ) {
    this.activity = limits.scheduler.now();
    // A peer that connects must say something complete in time, whatever it trickles.
    if (slot !== undefined) this.messageStarted();
  }

  get open(): boolean {
    return !this.ended;
  }

  get lastActivity(): number {
    return this.activity;
  }

  /** Bytes held for a message not yet complete. */
  get pendingBytes(): number {
    return this.pending;
  }

  send(data: Buffer, onError: SendErrorHandler): void {
    if (this.ended) {
      queueMicrotask(() => onError(new TransportError(`${this.label} closed`)));
      return;
    }
    if (this.buffered() + data.length > this.limits.maxWriteBufferBytes) {
      this.close();
      queueMicrotask(() => onError(new TransportError(`${this.label} write buffer full`)));
      return;
    }
    this.touch();
    this.write(data, onError);
  }

  close(): void {
    if (this.ended) return;
    this.destroy();
    this.finish();
  }

  protected touch(): void {
    this.activity = this.limits.scheduler.now();
  }

  /**
   * After input: `messages` whole messages came, and `held` bytes of the next one are kept. The
   * deadline runs from the first byte held, and is not moved by more bytes of the same message;
   * a connection the peer opened keeps its first deadline until a whole message came.
   */
  protected progress(messages: number, held: number): void {
    if (this.ended) return;
    if (messages > 0) {
      this.slot?.prove();
      this.clearDeadline();
    }
    if (held > 0) this.messageStarted();
    else if (this.slot === undefined || this.slot.proven) this.clearDeadline();
    this.setPending(held);
  }

  private messageStarted(): void {
    if (this.deadline !== undefined || this.ended) return;
    this.deadline = this.limits.scheduler.setTimer(this.limits.messageTimeoutMs, () => {
      this.deadline = undefined;
      this.close();
    });
  }

  private clearDeadline(): void {
    this.limits.scheduler.clear(this.deadline);
    this.deadline = undefined;
  }

  private setPending(bytes: number): void {
    const delta = bytes - this.pending;
    this.pending = bytes;
    if (delta !== 0) this.limits.onPending(this, delta);
  }

  /** Marks the connection closed, once, releases what it holds and tells its owner. */
  protected finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.clearDeadline();
    this.setPending(0);
    this.slot?.release();
    this.released();
    this.closed();
  }

  /** Drops the buffers held for input, so that a closed connection pins nothing. */
  protected abstract released(): void;
  /** Bytes queued in the socket, not yet written. */
  protected abstract buffered(): number;
  protected abstract write(data: Buffer, onError: SendErrorHandler): void;
  /** Drops the socket at once. */
  protected abstract destroy(): void;
  /** Tells the owner the connection is gone. */
  protected abstract closed(): void;
}

function remoteKey(protocol: string, address: string, port: number): string {
  return `${protocol}|${address.toLowerCase()}|${port}`;
}

export interface ConnectionTableOptions {
  scheduler: Scheduler;
  /** Close a connection after this long without traffic. */
  idleTimeoutMs: number;
}

export class ConnectionTable {
  private readonly byIdMap = new Map<number, Connection>();
  private readonly byRemoteMap = new Map<string, Connection>();
  private readonly idleTimers = new Map<number, TimerHandle>();
  private nextId = 1;
  private ours = 0;

  constructor(private readonly options: ConnectionTableOptions) {}

  get size(): number {
    return this.byIdMap.size;
  }

  /** Connections this side opened. */
  get outbound(): number {
    return this.ours;
  }

  allocateId(): number {
    return this.nextId++;
  }

  add(conn: Connection): void {
    this.byIdMap.set(conn.id, conn);
    if (conn.slot === undefined) this.ours++;
    this.byRemoteMap.set(remoteKey(conn.protocol, conn.remoteAddress, conn.remotePort), conn);
    this.armIdle(conn, this.options.idleTimeoutMs);
  }

  /**
   * RFC 5923 §5: a peer that offers `alias` lets requests for its sent-by reuse the connection
   * it opened to us.
   */
  alias(conn: Connection, address: string, port: number): void {
    if (this.byIdMap.get(conn.id) === conn) {
      this.byRemoteMap.set(remoteKey(conn.protocol, address, port), conn);
    }
  }

  remove(conn: Connection): void {
    if (this.byIdMap.get(conn.id) !== conn) return;
    this.byIdMap.delete(conn.id);
    if (conn.slot === undefined) this.ours--;
    for (const [key, c] of this.byRemoteMap) if (c === conn) this.byRemoteMap.delete(key);
    this.options.scheduler.clear(this.idleTimers.get(conn.id));
    this.idleTimers.delete(conn.id);
  }

  byId(id: number): Connection | undefined {
    const c = this.byIdMap.get(id);
    return c?.open ? c : undefined;
  }

  byRemote(protocol: ConnectionProtocol, address: string, port: number): Connection | undefined {
    const c = this.byRemoteMap.get(remoteKey(protocol, address, port));
    return c?.open ? c : undefined;
  }

  all(): Connection[] {
    return [...this.byIdMap.values()];
  }

  private armIdle(conn: Connection, ms: number): void {
    const { scheduler, idleTimeoutMs } = this.options;
    // One timer per connection, re-armed lazily from lastActivity instead of on every message.
    const handle = scheduler.setTimer(ms, () => {
      this.idleTimers.delete(conn.id);
      if (this.byIdMap.get(conn.id) !== conn) return;
      const idle = scheduler.now() - conn.lastActivity;
      if (idle >= idleTimeoutMs) conn.close();
      else this.armIdle(conn, idleTimeoutMs - idle);
    });
    this.idleTimers.set(conn.id, handle);
  }
}
