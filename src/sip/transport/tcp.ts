/**
 * SIP over TCP (RFC 3261 §18.3): a listening server and connections that frame messages with
 * `StreamParser` and bound what they buffer in both directions.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { StreamParser } from '../message/index.js';
import type { StreamEvent, StreamParserOptions } from '../message/index.js';
import { SocketConnection } from './connection.js';
import type { ConnectionLimits } from './connection.js';
import type { InboundSlot } from './inbound-limits.js';
import { TransportError } from './types.js';
import type { SendErrorHandler } from './types.js';
import { normalizeAddress } from './via.js';

export interface StreamConnectionHooks extends ConnectionLimits {
  /** `tls` for a stream whose socket is a TLS socket (RFC 3261 §26.3.1); default `tcp`. */
  protocol?: 'tcp' | 'tls';
  parser: StreamParserOptions;
  onEvent(conn: TcpConnection, event: StreamEvent): void;
  onClose(conn: TcpConnection): void;
}

export class TcpConnection extends SocketConnection {
  readonly protocol: 'tcp' | 'tls';
  private parser: StreamParser;

  constructor(
    id: number,
    private readonly socket: Socket,
    remoteAddress: string,
    remotePort: number,
    private readonly hooks: StreamConnectionHooks,
    slot?: InboundSlot,
  ) {
    super(id, remoteAddress, remotePort, hooks, 'connection', slot);
    this.protocol = hooks.protocol ?? 'tcp';
    this.parser = new StreamParser(hooks.parser);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // The 'close' that follows reports the end; nothing else to do with the error itself.
    socket.on('error', () => undefined);
    socket.on('close', () => this.finish());
  }

  /** Write raw bytes outside any message: the RFC 5626 §3.5.1 CRLF pong. */
  writeRaw(data: Buffer): void {
    if (this.open) this.socket.write(data);
  }

  protected buffered(): number {
    return this.socket.writableLength;
  }

  protected write(data: Buffer, onError: SendErrorHandler): void {
    this.socket.write(data, (err) => {
      if (err)
        onError(
          new TransportError(`${this.protocol.toUpperCase()} write failed: ${err.message}`, {
            cause: err,
          }),
        );
    });
  }

  protected destroy(): void {
    this.socket.destroy();
  }

  protected closed(): void {
    this.hooks.onClose(this);
  }

  protected released(): void {
    // A half-received message can hold up to the size limits: nothing of it outlives the close.
    this.parser = new StreamParser(this.hooks.parser);
  }

  private onData(chunk: Buffer): void {
    if (!this.open) return;
    this.touch();
    let messages = 0;
    for (const event of this.parser.push(chunk)) {
      if (event.type === 'message') messages++;
      this.hooks.onEvent(this, event);
      if (!this.open) return;
      if (event.type === 'error' && event.fatal) {
        // RFC 3261 §18.3: framing is lost, so nothing more can be read from this stream. Flush
        // a 400 that may be queued, then drop the socket whatever the peer does.
        this.socket.end(() => this.socket.destroy());
        this.finish();
        return;
      }
    }
    // Keep-alives and stray line ends are consumed at once; any byte held is part of a message.
    this.progress(messages, this.parser.buffered);
  }
}

export function remoteOf(socket: Socket): { address: string; port: number } | undefined {
  const { remoteAddress, remotePort } = socket;
  if (remoteAddress === undefined || remotePort === undefined) return undefined;
  return { address: normalizeAddress(remoteAddress), port: remotePort };
}

export class TcpListener {
  private boundPort: number | undefined;

  private constructor(private readonly server: Server) {}

  /** `ipv6Only`: on `::`, IPv6 alone (IPv4 has a listener of its own). */
  static listen(
    host: string,
    port: number,
    onSocket: (s: Socket) => void,
    ipv6Only = false,
  ): Promise<TcpListener> {
    const server = createServer(onSocket);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, ipv6Only }, () => {
        server.off('error', reject);
        // Accept errors (EMFILE…) must not crash the process; the server keeps listening.
        server.on('error', () => undefined);
        resolve(new TcpListener(server));
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
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
