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
import type { Scheduler } from '../timers.js';
import { SocketConnection } from './connection.js';
import { TransportError } from './types.js';
import type { SendErrorHandler } from './types.js';

export const SIP_SUBPROTOCOL = 'sip';

export interface WsConnectionHooks {
  scheduler: Scheduler;
  maxWriteBufferBytes: number;
  onMessage(conn: WsConnection, data: Buffer): void;
  onClose(conn: WsConnection): void;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class WsConnection extends SocketConnection {
  readonly protocol = 'ws';

  constructor(
    id: number,
    private readonly socket: WebSocket,
    remoteAddress: string,
    remotePort: number,
    private readonly hooks: WsConnectionHooks,
  ) {
    super(id, remoteAddress, remotePort, hooks, 'WebSocket');
    socket.on('message', (data) => {
      if (!this.open) return;
      this.touch();
      hooks.onMessage(this, toBuffer(data));
    });
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
  /** Asked before each upgrade; false answers 503 (the connection limit). */
  accept(): boolean;
  onConnection(socket: WebSocket, req: IncomingMessage): void;
}

export class WsListener {
  private boundPort: number | undefined;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static listen(host: string, port: number, options: WsListenerOptions): Promise<WsListener> {
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      handleProtocols: (protocols) => (protocols.has(SIP_SUBPROTOCOL) ? SIP_SUBPROTOCOL : false),
    });
    const server = createServer((_req, res) => {
      res.writeHead(426, { Connection: 'close', Upgrade: 'websocket' });
      res.end();
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // RFC 7118 §4.1: only a client that negotiates `sip` is a SIP WebSocket client.
      if (!offersSip(req)) return refuse(socket, '400 Bad Request');
      if (!options.accept()) return refuse(socket, '503 Service Unavailable');
      wss.handleUpgrade(req, socket, head, (ws) => options.onConnection(ws, req));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        resolve(new WsListener(server, wss));
      });
    });
  }

  /** Read once: `server.address()` is a system call, and the port is needed for every Via. */
  get port(): number {
    if (this.boundPort === undefined) {
      const a = this.server.address();
      this.boundPort = typeof a === 'object' && a ? a.port : 0;
    }
    return this.boundPort;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.wss.close(() => {
        this.server.closeAllConnections();
        this.server.close(() => resolve());
      });
    });
  }
}
