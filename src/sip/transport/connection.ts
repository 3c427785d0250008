/**
 * Connection-oriented transports (TCP, WebSocket) seen through one interface, and the table that
 * finds a connection again by id or by remote address, bounds how many are open and closes the
 * idle ones.
 */
import type { Scheduler, TimerHandle } from '../timers.js';
import type { SendErrorHandler } from './types.js';
import { TransportError } from './types.js';

export interface Connection {
  readonly id: number;
  readonly protocol: 'tcp' | 'ws';
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly open: boolean;
  /** Scheduler time of the last byte received or sent. */
  readonly lastActivity: number;
  /** Queue a whole message; `onError` runs later if it cannot be delivered. */
  send(data: Buffer, onError: SendErrorHandler): void;
  /** Close now; idempotent. */
  close(): void;
}

/**
 * What TCP and WebSocket connections share: the open/closed state, the time of the last traffic,
 * and a send that refuses a closed connection and cuts off a peer that stops reading. Subclasses
 * supply the socket's own calls.
 */
export abstract class SocketConnection implements Connection {
  abstract readonly protocol: 'tcp' | 'ws';
  private ended = false;
  private activity: number;

  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly limits: { scheduler: Scheduler; maxWriteBufferBytes: number },
    /** How errors name this kind of connection ("connection", "WebSocket"). */
    private readonly label: string,
  ) {
    this.activity = limits.scheduler.now();
  }

  get open(): boolean {
    return !this.ended;
  }

  get lastActivity(): number {
    return this.activity;
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

  /** Marks the connection closed, once, and tells its owner. */
  protected finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.closed();
  }

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
  maxConnections: number;
}

export class ConnectionTable {
  private readonly byIdMap = new Map<number, Connection>();
  private readonly byRemoteMap = new Map<string, Connection>();
  private readonly idleTimers = new Map<number, TimerHandle>();
  private nextId = 1;

  constructor(private readonly options: ConnectionTableOptions) {}

  get size(): number {
    return this.byIdMap.size;
  }

  get full(): boolean {
    return this.byIdMap.size >= this.options.maxConnections;
  }

  allocateId(): number {
    return this.nextId++;
  }

  add(conn: Connection): void {
    this.byIdMap.set(conn.id, conn);
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
    for (const [key, c] of this.byRemoteMap) if (c === conn) this.byRemoteMap.delete(key);
    this.options.scheduler.clear(this.idleTimers.get(conn.id));
    this.idleTimers.delete(conn.id);
  }

  byId(id: number): Connection | undefined {
    const c = this.byIdMap.get(id);
    return c?.open ? c : undefined;
  }

  byRemote(protocol: 'tcp' | 'ws', address: string, port: number): Connection | undefined {
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
