/**
 * SIP over WebSocket (RFC 7118): an HTTP server that upgrades only clients offering the `sip`
 * subprotocol; every WebSocket message carries exactly one SIP message (RFC 7118 §5).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import type { Scheduler, TimerHandle } from '../timers.js';
import type { TlsHandshakes } from './tls.js';
import { SocketConnection } from './connection.js';
import type { ConnectionLimits } from './connection.js';
import type { InboundSlot } from './inbound-limits.js';
import { TransportError } from './types.js';
import type { SendErrorHandler } from './types.js';

export const SIP_SUBPROTOCOL = 'sip';

export interface WsConnectionHooks extends ConnectionLimits {
  /** `wss` for a WebSocket over TLS (RFC 7118 §5.1); default `ws`. */
  protocol?: 'ws' | 'wss';
  onMessage(conn: WsConnection, data: Buffer): void;
  onClose(conn: WsConnection): void;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class WsConnection extends SocketConnection {
  readonly protocol: 'ws' | 'wss';
  /** Bytes on the wire since the last whole message: what `ws` holds of the next one, at most. */
  private held = 0;

  constructor(
    id: number,
    private readonly socket: WebSocket,
    /** The upgraded TCP socket under it, whose bytes show a frame under way. */
    raw: Socket,
    remoteAddress: string,
    remotePort: number,
    private readonly hooks: WsConnectionHooks,
    slot?: InboundSlot,
  ) {
    super(id, remoteAddress, remotePort, hooks, 'WebSocket', slot);
    this.protocol = hooks.protocol ?? 'ws';
    raw.on('data', (chunk: Buffer) => {
      if (!this.open) return;
      this.held += chunk.length;
      this.progress(0, this.held);
    });
    socket.on('message', (data) => {
      if (!this.open) return;
      this.touch();
      this.held = 0;
      hooks.onMessage(this, toBuffer(data));
      this.progress(1, 0);
    });
    // Control frames are whole messages of the WebSocket protocol (RFC 6455 §5.5).
    const control = (): void => {
      this.held = 0;
      this.progress(0, 0);
    };
    socket.on('ping', control);
    socket.on('pong', control);
    socket.on('error', () => undefined);
    socket.on('close', () => this.finish());
  }

  protected buffered(): number {
    return this.socket.bufferedAmount;
  }

  protected write(data: Buffer, onError: SendErrorHandler): void {
    // RFC 7118 §5.1: text frames for UTF-8 messages (what browsers' SIP stacks expect), binary
    // otherwise.
    this.socket.send(data, { binary: !isUtf8(data) }, (err) => {
      if (err) onError(new TransportError(`WebSocket send failed: ${err.message}`, { cause: err }));
    });
  }

  protected destroy(): void {
    this.socket.terminate();
  }

  protected closed(): void {
    this.hooks.onClose(this);
  }

  protected released(): void {
    // `ws` frees its receive buffers when the socket closes.
    this.held = 0;
  }
}

/** True when the handshake offers the `sip` subprotocol (RFC 7118 §4.1). */
function offersSip(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((p) => p.trim().toLowerCase() === SIP_SUBPROTOCOL);
}

function refuse(socket: Duplex, status: string): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export interface WsListenerOptions {
  maxPayloadBytes: number;
  /** Time a client has to send its whole handshake. */
  handshakeTimeoutMs: number;
  /**
   * Asked for each TCP connection before its handshake: a slot, or undefined to drop it (the
   * connection limits). The slot passes to the WebSocket connection, or is released on close.
   */
  admit(socket: Socket): InboundSlot | undefined;
  onConnection(socket: WebSocket, req: IncomingMessage, slot: InboundSlot): void;
  /** WebSocket over TLS (WSS, RFC 7118 §5.1): each connection passes a TLS handshake first. */
  tls?: { handshakes: TlsHandshakes; scheduler: Scheduler };
}

export class WsListener {
  private boundPort: number | undefined;

  private constructor(
    /** What listens: the HTTP server itself, or the TCP server in front of TLS. */
    private readonly listening: Server | NetServer,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static listen(host: string, port: number, options: WsListenerOptions): Promise<WsListener> {
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      handleProtocols: (protocols) => (protocols.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
    const server = createServer(
      // Node checks the handshake timeouts this often (30 s by default).
      { connectionsCheckingInterval: Math.min(options.handshakeTimeoutMs, 1000) },
      (_req, res) => {
        res.writeHead(426, { Connection: 'close', Upgrade: 'websocket' });
        res.end();
      },
    );
    // A handshake trickled byte by byte is cut off like a SIP message would be.
    server.headersTimeout = options.handshakeTimeoutMs;
    server.requestTimeout = options.handshakeTimeoutMs;
    const slots = new WeakMap<Duplex, InboundSlot>();
    const { tls } = options;
    /** Over TLS, the time left for the upgrade, by socket. */
    const deadlines = new WeakMap<Duplex, TimerHandle>();
    const admitted = (socket: Socket, slot: InboundSlot): void => {
      slots.set(socket, slot);
      socket.once('close', () => slot.release());
    };
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      tls?.scheduler.clear(deadlines.get(socket));
      // RFC 7118 §4.1: only a client that negotiates `sip` is a SIP WebSocket client.
      if (!offersSip(req)) return refuse(socket, '400 Bad Request');
      const slot = slots.get(socket);
      if (slot === undefined) return refuse(socket, '503 Service Unavailable');
      wss.handleUpgrade(req, socket, head, (ws) => options.onConnection(ws, req, slot));
    });
    let listening: Server | NetServer = server;
    if (tls === undefined) {
      server.on('connection', (socket: Socket) => {
        const slot = options.admit(socket);
        if (slot === undefined) {
          socket.destroy();
          return;
        }
        admitted(socket, slot);
      });
    } else {
      // The HTTP server never listens here, so its own handshake timeouts never run: the
      // upgrade has the same time after the TLS handshake as the handshake had.
      listening = createNetServer((raw) => {
        const slot = options.admit(raw);
        if (slot === undefined) {
          raw.destroy();
          return;
        }
        tls.handshakes.accept(
          raw,
          (socket) => {
            admitted(socket, slot);
            const deadline = tls.scheduler.setTimer(options.handshakeTimeoutMs, () =>
              socket.destroy(),
            );
            deadlines.set(socket, deadline);
            socket.once('close', () => tls.scheduler.clear(deadline));
            server.emit('connection', socket);
          },
          () => slot.release(),
        );
      });
    }
    return new Promise((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, host, () => {
        listening.off('error', reject);
        listening.on('error', () => undefined);
        resolve(new WsListener(listening, server, wss));
      });
    });
  }

  /** Read once: `server.address()` is a system call, and the port is needed for every Via. */
  get port(): number {
    if (this.boundPort === undefined) {
      const a = this.listening.address();
      this.boundPort = typeof a === 'object' && a ? a.port : 0;
    }
    return this.boundPort;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.wss.close(() => {
        this.server.closeAllConnections();
        if (this.listening !== this.server) this.server.close();
        this.listening.close(() => resolve());
      });
    });
  }
}
