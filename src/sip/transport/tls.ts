/**
 * The TLS handshake in front of SIP over TLS (RFC 3261 §26.3.1, RFC 5630) and of WebSocket over
 * TLS (RFC 7118 §5.1). A socket accepted by a plain listener is wrapped here, so that the
 * transport layer sees every stage: the inbound slot is taken at accept (issue 14's limits count
 * a handshake like a connection), the number of handshakes in progress is bounded, and one that
 * has not finished within its deadline is cut off, whatever the peer trickles.
 */
import { TLSSocket, createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Scheduler, TimerHandle } from '../timers.js';
import type { InboundSlot } from './inbound-limits.js';
import { TcpListener } from './tcp.js';
import { WsListener } from './ws.js';

/** A certificate chain and its private key, PEM. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/**
 * TLS 1.2 at least (RFC 8996 deprecates 1.0 and 1.1): every phone firmware of the last decade
 * speaks it. The context is made once and shared by every handshake.
 */
export function secureContextOf(credentials: TlsCredentials): SecureContext {
  return createSecureContext({
    cert: credentials.cert,
    key: credentials.key,
    minVersion: 'TLSv1.2',
  });
}

export interface HandshakeLimits {
  scheduler: Scheduler;
  context: SecureContext;
  /** Handshakes in progress at once, TLS and WSS listeners together. */
  maxPending: number;
  /** Time from accept to a finished handshake. */
  timeoutMs: number;
}

/**
 * Handshakes in progress, bounded: each costs the server an asymmetric-key operation and the
 * state of a TLS session, what a flood of ClientHellos aims at. At the bound the oldest gives way
 * to the newcomer rather than the newcomer being refused: connections that never finish their
 * handshake would otherwise lock every phone out until their deadline, while a phone's handshake
 * (a few ms) finishes long before as many newer ones push it out.
 */
export class TlsHandshakes {
  /** Insertion order is age; each entry ends its handshake as failed. */
  private readonly inProgress = new Set<() => void>();

  constructor(private readonly limits: HandshakeLimits) {}

  /** Handshakes in progress now. */
  get pending(): number {
    return this.inProgress.size;
  }

  /**
   * Runs the server side of a handshake on `raw`. `onSecure` gets the TLS socket once the
   * handshake is done; `onEnd` runs when it ends without one (failed, timed out, pushed out).
   */
  accept(raw: Socket, onSecure: (socket: TLSSocket) => void, onEnd: () => void): void {
    if (this.inProgress.size >= this.limits.maxPending) {
      const [oldest] = this.inProgress;
      oldest?.();
    }
    const socket = new TLSSocket(raw, { isServer: true, secureContext: this.limits.context });
    let done = false;
    let timer: TimerHandle | undefined;
    const finish = (secure: boolean): void => {
      if (done) return;
      done = true;
      this.inProgress.delete(fail);
      this.limits.scheduler.clear(timer);
      if (secure) onSecure(socket);
      else {
        socket.destroy();
        onEnd();
      }
    };
    const fail = (): void => finish(false);
    this.inProgress.add(fail);
    timer = this.limits.scheduler.setTimer(this.limits.timeoutMs, () => {
      timer = undefined;
      finish(false);
    });
    // A plain-text client or a bad ClientHello fails here at its first bytes.
    socket.on('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('secure', () => finish(true));
  }
}

export interface SecureListenOptions {
  host: string;
  /** SIP over TLS port; absent: not served. */
  tls?: number;
  /** WebSocket over TLS port; absent: not served. */
  wss?: number;
  credentials: TlsCredentials;
  scheduler: Scheduler;
  maxPendingHandshakes: number;
  /** Bounds the TLS handshake, and then the WebSocket upgrade. */
  handshakeTimeoutMs: number;
  maxPayloadBytes: number;
  /** An inbound slot for a socket accepted, before its handshake (the connection limits). */
  admit(socket: Socket): InboundSlot | undefined;
  onTls(socket: TLSSocket, slot: InboundSlot): void;
  onWss(socket: WebSocket, req: IncomingMessage, slot: InboundSlot): void;
}

/** The TLS and WSS listeners, which share a certificate and the bound on handshakes. */
export class SecureListeners {
  private constructor(
    readonly handshakes: TlsHandshakes,
    readonly tls: TcpListener | undefined,
    readonly wss: WsListener | undefined,
  ) {}

  static async listen(options: SecureListenOptions): Promise<SecureListeners> {
    const { scheduler, handshakeTimeoutMs } = options;
    const handshakes = new TlsHandshakes({
      scheduler,
      context: secureContextOf(options.credentials),
      maxPending: options.maxPendingHandshakes,
      timeoutMs: handshakeTimeoutMs,
    });
    let tls: TcpListener | undefined;
    try {
      if (options.tls !== undefined) {
        tls = await TcpListener.listen(options.host, options.tls, (raw) => {
          const slot = options.admit(raw);
          if (slot === undefined) {
            raw.destroy();
            return;
          }
          handshakes.accept(
            raw,
            (socket) => options.onTls(socket, slot),
            () => slot.release(),
          );
        });
      }
      const wss =
        options.wss === undefined
          ? undefined
          : await WsListener.listen(options.host, options.wss, {
              maxPayloadBytes: options.maxPayloadBytes,
              handshakeTimeoutMs,
              admit: options.admit,
              onConnection: options.onWss,
              tls: { handshakes, scheduler },
            });
      return new SecureListeners(handshakes, tls, wss);
    } catch (error) {
      await tls?.close();
      throw error;
    }
  }

  get count(): number {
    return (this.tls === undefined ? 0 : 1) + (this.wss === undefined ? 0 : 1);
  }

  async close(): Promise<void> {
    await Promise.all([this.tls?.close(), this.wss?.close()]);
  }
}
