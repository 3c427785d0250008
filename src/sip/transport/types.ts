/** Addresses and the transport contract shared by the transport and transaction layers. */
import type { SipRequest, SipResponse } from '../message/index.js';

export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** The protocols carried on a connection: every one but UDP. */
export type ConnectionProtocol = Exclude<TransportProtocol, 'udp'>;

/**
 * Where a message came from, or where one goes. `address` is an IP literal without brackets (an
 * IPv4-mapped IPv6 source is reported as IPv4). `connectionId` names the TCP, TLS or WebSocket
 * connection a message arrived on, so that replies and requests can reuse it (RFC 5923 style
 * connection reuse, RFC 7118 §5 for WebSocket where the server cannot dial the client).
 */
export interface Source {
  protocol: TransportProtocol;
  address: string;
  port: number;
  connectionId?: number;
}

export type Destination = Source;

/** A transport failure reported to the layer that asked for the send (RFC 3261 §17.1.4, §17.2.4). */
export type SendErrorHandler = (error: Error) => void;

/** What the transaction layer needs from the transport layer. */
export interface MessageTransport {
  /** RFC 3261 §17: reliable transports skip retransmissions and use 0 for Timers D, I, J, K. */
  isReliable(protocol: TransportProtocol): boolean;
  sendRequest(request: SipRequest, destination: Destination, onError: SendErrorHandler): void;
  /** `source`: where the request came from, for the connection to reuse (RFC 3261 §18.2.2). */
  sendResponse(response: SipResponse, source: Source | undefined, onError: SendErrorHandler): void;
}

export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** The Via transport token for a protocol (RFC 3261 §20.42, RFC 7118 §5.1: WS or WSS). */
export function viaTransport(protocol: TransportProtocol): string {
  return protocol.toUpperCase();
}

/** The protocol named by a Via transport token, if this stack speaks it. */
export function protocolOfVia(transport: string): TransportProtocol | undefined {
  switch (transport.toUpperCase()) {
    case 'UDP':
      return 'udp';
    case 'TCP':
      return 'tcp';
    case 'TLS':
      return 'tls';
    case 'WS':
      return 'ws';
    case 'WSS':
      return 'wss';
    default:
      return undefined;
  }
}
