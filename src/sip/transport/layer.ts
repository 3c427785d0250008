/**
 * The transport layer (RFC 3261 §18): listeners for UDP, TCP, TLS and WebSocket (plain and TLS); parsing, validation
 * and Via stamping of what arrives; routing of what leaves, reusing connections. It never throws
 * on input: a malformed request gets a stateless error response when it can be addressed, any
 * other bad input is dropped.
 */
import { connect, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import {
  createRequest,
  getTopVia,
  parseMessage,
  serializeMessage,
  validateMessage,
} from '../message/index.js';
import type {
  SipMessage,
  SipParseError,
  SipRequest,
  SipResponse,
  StreamEvent,
  ValidateOptions,
  Via,
} from '../message/index.js';
import { ConnectionTable } from './connection.js';
import type { Connection, ConnectionLimits } from './connection.js';
import { InboundLimits } from './inbound-limits.js';
import type { InboundSlot } from './inbound-limits.js';
import { buildReply } from '../message/reply.js';
import { TcpConnection, TcpListener, remoteOf } from './tcp.js';
import { SecureListeners } from './tls.js';
import { TransportError, protocolOfVia } from './types.js';
import type {
  Destination,
  MessageTransport,
  SendErrorHandler,
  Source,
  TransportProtocol,
} from './types.js';
import { UdpListener } from './udp.js';
import type {
  ListenOptions,
  LocalAddress,
  MessageHandler,
  TransportLayerOptions,
} from './layer-options.js';

import { LocalAddresses } from './local-address.js';
import { formatHost, normalizeAddress, responseAddress, stampReceived } from './via.js';
import { WsConnection, WsListener } from './ws.js';

export type {
  ListenOptions,
  LocalAddress,
  MessageHandler,
  TransportLayerOptions,
} from './layer-options.js';

const CRLF = Buffer.from('\r\n');

/** Any IPv6 address on an interface, loopback included: `::` can be bound. */
function hasIpv6(): boolean {
  return Object.values(networkInterfaces()).some((list) =>
    (list ?? []).some((ni) => ni.family === 'IPv6'),
  );
}

function failLater(onError: SendErrorHandler, message: string): void {
  queueMicrotask(() => onError(new TransportError(message)));
}

/** Reason-Phrase for a parse failure: printable characters only, first letter capitalised. */
function reasonPhrase(reason: string): string {
  const clean = reason.replace(/[^\x20-\x7e]/g, ' ').slice(0, 120);
  return clean.charAt(0).toUpperCase() + clean.slice(1);
}

export class TransportLayer implements MessageTransport {
  private udp: UdpListener | undefined;
  private tcp: TcpListener | undefined;
  /** On `0.0.0.0`, the same ports on `::` where the machine has IPv6 (IPv6 only). */
  private udp6: UdpListener | undefined;
  private tcp6: TcpListener | undefined;
  private ws: WsListener | undefined;
  private secure: SecureListeners | undefined;
  private addresses = new LocalAddresses({ bind: '127.0.0.1' });
  private readonly connections: ConnectionTable;
  private readonly inbound: InboundLimits;
  private readonly maxConnections: number;
  private readonly maxPendingBytes: number;
  private pendingBytes = 0;
  private readonly limits: ConnectionLimits;
  private handler: MessageHandler = () => undefined;
  private closed = false;
  private readonly parserLimits: { maxHeaderBytes: number; maxBodyBytes: number };
  private readonly validation: ValidateOptions;
  private readonly reportError: (error: unknown) => void;
  private readonly trustsMaddr: (source: Source) => boolean;
  private readonly beforeResponse: (response: SipResponse) => void;
  private readonly handshakeLimits: { maxPending: number; timeoutMs: number };

  constructor(options: TransportLayerOptions) {
    this.connections = new ConnectionTable({
      scheduler: options.scheduler,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    });
    this.maxConnections = options.maxConnections ?? 1024;
    const reserve = options.outboundReserve ?? Math.ceil(this.maxConnections / 16);
    this.inbound = new InboundLimits({
      maxInbound: Math.max(0, this.maxConnections - reserve),
      maxPerAddress: options.maxConnectionsPerAddress ?? 64,
    });
    this.maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
    this.limits = {
      scheduler: options.scheduler,
      maxWriteBufferBytes: options.maxWriteBufferBytes ?? 1024 * 1024,
      messageTimeoutMs: options.messageTimeoutMs ?? 10_000,
      onPending: (conn, delta) => this.pendingChanged(conn, delta),
    };
    this.parserLimits = {
      maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    };
    this.validation = options.validation ?? {};
    this.reportError = options.onError ?? ((e) => console.error('SIP transport:', e));
    this.trustsMaddr = options.trustsMaddr ?? (() => false);
    this.beforeResponse = options.beforeResponse ?? (() => undefined);
    this.handshakeLimits = {
      maxPending: options.maxPendingHandshakes ?? 64,
      timeoutMs: options.handshakeTimeoutMs ?? this.limits.messageTimeoutMs,
    };
  }

  /** Where valid messages go, requests already stamped with received/rport. */
  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  async listen(options: ListenOptions): Promise<void> {
    if (this.closed) throw new TransportError('transport layer closed');
    const host = options.host ?? '127.0.0.1';
    this.addresses = new LocalAddresses({
      bind: host,
      ...(options.publicAddress === undefined ? {} : { publicAddress: options.publicAddress }),
      ...(options.localNets === undefined ? {} : { localNets: options.localNets }),
    });
    try {
      if (options.udp !== undefined) {
        this.udp = await UdpListener.listen(host, options.udp, (data, address, port) =>
          this.receiveDatagram(data, address, port),
        );
      }
      if (options.tcp !== undefined) {
        this.tcp = await TcpListener.listen(host, options.tcp, (socket) => this.accept(socket));
      }
      if (host === '0.0.0.0' && hasIpv6()) await this.listenIpv6();
      if (options.ws !== undefined) {
        this.ws = await WsListener.listen(host, options.ws, {
          maxPayloadBytes: this.parserLimits.maxHeaderBytes + this.parserLimits.maxBodyBytes,
          handshakeTimeoutMs: this.limits.messageTimeoutMs,
          admit: (socket) => this.admit(socket),
          onConnection: (socket, req, slot) => this.acceptWs(socket, req, slot),
        });
      }
      if (options.tls !== undefined || options.wss !== undefined) {
        if (!options.credentials) throw new TransportError('TLS needs a certificate and key');
        this.secure = await SecureListeners.listen({
          host,
          ...(options.tls === undefined ? {} : { tls: options.tls }),
          ...(options.wss === undefined ? {} : { wss: options.wss }),
          credentials: options.credentials,
          scheduler: this.limits.scheduler,
          maxPendingHandshakes: this.handshakeLimits.maxPending,
          handshakeTimeoutMs: this.handshakeLimits.timeoutMs,
          maxPayloadBytes: this.parserLimits.maxHeaderBytes + this.parserLimits.maxBodyBytes,
          admit: (socket) => this.admit(socket),
          onTls: (socket, slot) => this.acceptTls(socket, slot),
          onWss: (socket, req, slot) => this.acceptWs(socket, req, slot, 'wss'),
        });
      }
    } catch (e) {
      // Half a stack is worse than none: release what did bind before reporting.
      await this.close();
      throw e;
    }
  }

  /**
   * Every address means IPv6 too: UDP and TCP on `::` with the IPv4 listeners' ports. A port taken
   * on IPv6 by another program leaves IPv4 alone serving, as before.
   */
  private async listenIpv6(): Promise<void> {
    const { udp, tcp } = this;
    try {
      if (udp !== undefined) {
        this.udp6 = await UdpListener.listen(
          '::',
          udp.port,
          (data, address, port) => this.receiveDatagram(data, address, port),
          true,
        );
      }
      if (tcp !== undefined) {
        this.tcp6 = await TcpListener.listen('::', tcp.port, (s) => this.accept(s), true);
      }
    } catch (error) {
      this.reportError(new TransportError('cannot listen on IPv6', { cause: error }));
    }
  }

  /**
   * Our sent-by for requests sent over `protocol` to `peer` (RFC 3261 §18.1.1): the address that
   * peer reaches us at (local-address.ts).
   */
  localAddress(protocol: TransportProtocol, peer: string): LocalAddress | undefined {
    const port = this.sentByPort(protocol);
    if (port === undefined) return undefined;
    return { host: formatHost(this.addressFor(peer)), port };
  }

  private sentByPort(protocol: TransportProtocol): number | undefined {
    // Requests on a connection we open come back on it, so another listener's port will do.
    return (this.listener(protocol) ?? this.udp ?? this.tcp ?? this.ws)?.port;
  }

  /** The address to write for `peer` in what we send it (Via, Contact, SDP). */
  addressFor(peer: string): string {
    return this.addresses.for(normalizeAddress(peer));
  }

  /** Learn ahead the address to write for `peer` (one we write to before it writes to us). */
  learnAddress(peer: string): Promise<void> {
    return this.addresses.learn(normalizeAddress(peer));
  }

  /** Port actually bound for a protocol (useful with port 0). */
  port(protocol: TransportProtocol): number | undefined {
    return this.listener(protocol)?.port;
  }

  private listener(protocol: TransportProtocol): { port: number } | undefined {
    const { udp, tcp, ws, secure } = this;
    return { udp, tcp, ws, tls: secure?.tls, wss: secure?.wss }[protocol];
  }

  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  sendRequest(request: SipRequest, destination: Destination, onError: SendErrorHandler): void {
    this.sendBytes(serializeMessage(request), destination, onError);
  }

  sendResponse(response: SipResponse, source: Source | undefined, onError: SendErrorHandler): void {
    if (this.closed) return failLater(onError, 'transport layer closed');
    const via = getTopVia(response);
    if (!via) return failLater(onError, 'response without a readable Via');
    const protocol = source?.protocol ?? protocolOfVia(via.transport);
    if (!protocol) return failLater(onError, `unsupported Via transport ${via.transport}`);
    this.beforeResponse(response);
    const data = serializeMessage(response);
    // RFC 3261 §18.2.2: on a reliable transport, the connection the request came on if open.
    if (source?.connectionId !== undefined) {
      const conn = this.connections.byId(source.connectionId);
      if (conn) return conn.send(data, onError);
    }
    const honourMaddr = source !== undefined && this.trustsMaddr(source);
    this.sendBytes(data, { protocol, ...responseAddress(via, honourMaddr) }, onError);
  }

  stats(): { sockets: number; connections: number } {
    const sockets =
      [this.udp, this.tcp, this.udp6, this.tcp6, this.ws].filter((l) => l !== undefined).length +
      (this.secure?.count ?? 0);
    return { sockets, connections: this.connections.size };
  }

  /** Inbound connections and handshakes (TLS, WebSocket) held by `address`, and bytes pending. */
  holdings(address?: string): { inbound: number; pendingBytes: number } {
    return {
      inbound: address === undefined ? this.inbound.size : this.inbound.heldBy(address),
      pendingBytes: this.pendingBytes,
    };
  }

  /** TLS handshakes in progress (SIP over TLS and WSS). */
  tlsHandshakes(): number {
    return this.secure?.handshakes.pending ?? 0;
  }

  /**
   * From now on every send fails with a transport error and input is dropped; the sockets stay
   * bound until `close`. Lets the layers above end what is pending without anything leaving.
   */
  stopSending(): void {
    this.closed = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const conn of this.connections.all()) conn.close();
    const listeners = [this.udp, this.tcp, this.udp6, this.tcp6, this.ws, this.secure];
    this.udp = this.tcp = this.ws = this.secure = this.udp6 = this.tcp6 = undefined;
    await Promise.all(listeners.map((l) => l?.close()));
  }

  private sendBytes(data: Buffer, destination: Destination, onError: SendErrorHandler): void {
    if (this.closed) return failLater(onError, 'transport layer closed');
    if (destination.protocol === 'udp') {
      const address = normalizeAddress(destination.address);
      const udp = isIP(address) === 6 ? (this.udp6 ?? this.udp) : this.udp;
      if (!udp) return failLater(onError, 'no UDP listener');
      return udp.send(data, address, destination.port, onError);
    }
    const conn = this.findConnection(destination) ?? this.openConnection(destination);
    if (!conn) return failLater(onError, `no ${destination.protocol} connection available`);
    conn.send(data, onError);
  }

  private findConnection(destination: Destination): Connection | undefined {
    if (destination.protocol === 'udp') return undefined;
    if (destination.connectionId !== undefined) {
      const conn = this.connections.byId(destination.connectionId);
      if (conn?.protocol === destination.protocol) return conn;
    }
    return this.connections.byRemote(
      destination.protocol,
      normalizeAddress(destination.address),
      destination.port,
    );
  }

  /**
   * Outbound TCP; a WebSocket client cannot be dialled, only reached on its own connection.
   * Inbound connections stop short of `maxConnections` by the outbound reserve, so this finds room.
   */
  private openConnection(destination: Destination): Connection | undefined {
    if (destination.protocol !== 'tcp') return undefined;
    if (this.inbound.size + this.connections.outbound >= this.maxConnections) return undefined;
    const address = normalizeAddress(destination.address);
    let socket: Socket;
    try {
      socket = connect({ host: address, port: destination.port });
    } catch {
      // Node throws synchronously for an invalid port.
      return undefined;
    }
    return this.adoptTcp(socket, address, destination.port);
  }

  /** An inbound slot for a socket a peer opened, or undefined (then it is dropped). */
  private admit(socket: Socket): InboundSlot | undefined {
    const remote = remoteOf(socket);
    if (this.closed || !remote) return undefined;
    return this.inbound.admit(remote.address, () => socket.destroy());
  }

  private accept(socket: Socket): void {
    const remote = remoteOf(socket);
    const slot = this.admit(socket);
    if (!remote || !slot) {
      socket.destroy();
      return;
    }
    this.adoptTcp(socket, remote.address, remote.port, slot);
  }

  /** RFC 3261 §26.3.1: a TLS connection carries SIP as TCP does, framed the same way. */
  private acceptTls(socket: Socket, slot: InboundSlot): void {
    const remote = remoteOf(socket);
    if (this.closed || !remote) {
      slot.release();
      socket.destroy();
      return;
    }
    this.adoptTcp(socket, remote.address, remote.port, slot, 'tls');
  }

  private adoptTcp(
    socket: Socket,
    address: string,
    port: number,
    slot?: InboundSlot,
    protocol: 'tcp' | 'tls' = 'tcp',
  ): TcpConnection {
    const conn = new TcpConnection(
      this.connections.allocateId(),
      socket,
      address,
      port,
      {
        ...this.limits,
        protocol,
        parser: this.parserLimits,
        onEvent: (c, event) => this.receiveStreamEvent(c, event),
        onClose: (c) => this.connections.remove(c),
      },
      slot,
    );
    this.connections.add(conn);
    return conn;
  }

  private acceptWs(
    socket: WebSocket,
    req: IncomingMessage,
    slot: InboundSlot,
    protocol: 'ws' | 'wss' = 'ws',
  ): void {
    const remote = remoteOf(req.socket);
    if (this.closed || !remote) {
      slot.release();
      socket.terminate();
      return;
    }
    const conn = new WsConnection(
      this.connections.allocateId(),
      socket,
      req.socket,
      remote.address,
      remote.port,
      {
        ...this.limits,
        protocol,
        onMessage: (c, data) => this.receiveFrame(c, data),
        onClose: (c) => this.connections.remove(c),
      },
      slot,
    );
    this.connections.add(conn);
  }

  /**
   * Keeps the bytes held for incomplete messages, all connections together, under the bound: the
   * connection holding the most gives way (its close subtracts what it held).
   */
  private pendingChanged(conn: Connection, delta: number): void {
    this.pendingBytes += delta;
    if (delta <= 0 || this.pendingBytes <= this.maxPendingBytes) return;
    let largest = conn;
    for (const c of this.connections.all()) {
      if (c.pendingBytes > largest.pendingBytes) largest = c;
    }
    largest.close();
  }

  private receiveDatagram(data: Buffer, address: string, port: number): void {
    const source: Source = { protocol: 'udp', address, port };
    const parsed = parseMessage(data);
    if (parsed.ok) this.receive(parsed.message, source);
    else this.rejectMalformed(parsed.error, source);
  }

  /** RFC 7118 §5: one SIP message per WebSocket message. */
  private receiveFrame(conn: WsConnection, data: Buffer): void {
    const source = this.sourceOf(conn);
    const parsed = parseMessage(data);
    if (parsed.ok) this.receive(parsed.message, source);
    else this.rejectMalformed(parsed.error, source);
  }

  private receiveStreamEvent(conn: TcpConnection, event: StreamEvent): void {
    const source = this.sourceOf(conn);
    if (event.type === 'message') this.receive(event.message, source);
    // RFC 5626 §3.5.1: answer a CRLFCRLF ping with a CRLF pong.
    else if (event.type === 'ping') conn.writeRaw(CRLF);
    else this.rejectMalformed(event.error, source);
  }

  private sourceOf(conn: Connection): Source {
    return {
      protocol: conn.protocol,
      address: conn.remoteAddress,
      port: conn.remotePort,
      connectionId: conn.id,
    };
  }

  private receive(message: SipMessage, source: Source): void {
    if (this.closed) return;
    // RFC 3261 §18.2.1 before anything else, so that an error response is routed like any other.
    if (message.kind === 'request' && !stampReceived(message, source.address, source.port)) return;
    const verdict = validateMessage(message, this.validation);
    if (!verdict.ok) {
      if (message.kind === 'request' && message.method !== 'ACK') {
        const reply = buildReply(message, verdict.status, verdict.reason);
        // RFC 3261 §8.2.2.3: a 420 lists what is not supported.
        if (verdict.unsupported)
          reply.headers.append('Unsupported', verdict.unsupported.join(', '));
        this.sendResponse(reply, source, () => undefined);
      }
      // RFC 3261 §18.1.2: an invalid response is discarded.
      return;
    }
    const top = getTopVia(message);
    if (!top) return;
    if (message.kind === 'response' && !this.isOurSentBy(top, source.protocol)) return;
    if (
      message.kind === 'request' &&
      source.connectionId !== undefined &&
      top.params.has('alias')
    ) {
      this.aliasConnection(source.connectionId, top, source.address);
    }
    // What we write in answer depends on the address this peer reaches us at: learn it first.
    this.addresses.whenKnown(source.address, () => {
      if (this.closed) return;
      try {
        this.handler(message, source);
      } catch (e) {
        this.reportError(e);
      }
    });
  }

  /**
   * RFC 3261 §8.2.6.2 / §21.4.1: 400 (413 for a body beyond the limit, §21.4.11) to a request
   * that could be addressed, silence otherwise.
   */
  private rejectMalformed(error: SipParseError, source: Source): void {
    if (this.closed || !error.canReply || error.partial.kind !== 'request') return;
    const partial = createRequest(error.partial.method ?? '', '', error.partial.headers);
    if (!stampReceived(partial, source.address, source.port)) return;
    const reply =
      error.status === 413
        ? buildReply(partial, 413, 'Request Entity Too Large')
        : buildReply(partial, 400, reasonPhrase(error.reason));
    try {
      this.sendResponse(reply, source, () => undefined);
    } catch {
      // A partial header set can hold values the serializer refuses; then there is no reply.
    }
  }

  /** RFC 3261 §18.1.2: a response whose top Via is not ours was misrouted. */
  private isOurSentBy(via: Via, protocol: TransportProtocol): boolean {
    const port = this.sentByPort(protocol);
    if (port === undefined) return false;
    return this.addresses.isOurs(normalizeAddress(via.host)) && (via.port ?? 5060) === port;
  }

  private aliasConnection(connectionId: number, via: Via, address: string): void {
    const conn = this.connections.byId(connectionId);
    // Only alias the address the connection really comes from, so nobody can hijack another's.
    if (conn && normalizeAddress(via.host).toLowerCase() === address.toLowerCase()) {
      this.connections.alias(conn, address, via.port ?? 5060);
    }
  }
}
