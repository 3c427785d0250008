/** What the transport layer is given: where to listen, and the bounds it keeps. */
import type { SipMessage, SipResponse, ValidateOptions } from '../message/index.js';
import type { Scheduler } from '../timers.js';
import type { TlsCredentials } from './tls.js';
import type { Source } from './types.js';

export interface ListenOptions {
  /** Address to bind; `0.0.0.0` or `::` for all. Default 127.0.0.1. */
  host?: string;
  /** Ports to listen on; 0 picks an ephemeral port. A protocol left out is not served. */
  udp?: number;
  tcp?: number;
  ws?: number;
  /** SIP over TLS and WebSocket over TLS; both need `credentials`. */
  tls?: number;
  wss?: number;
  credentials?: TlsCredentials;
  /**
   * Written in our Via (and, through `addressFor`, Contact and SDP) for peers outside `localNets`:
   * a PBX behind a NAT with forwarded ports. Others get the address the kernel reaches them from.
   */
  publicAddress?: string;
  /** CIDR blocks of peers reached directly; default local-address.ts's DEFAULT_LOCAL_NETS. */
  localNets?: readonly string[];
}

export interface TransportLayerOptions {
  scheduler: Scheduler;
  /** TCP and WebSocket connections open at once, both directions. Default 1024. */
  maxConnections?: number;
  /**
   * Of those, how many only this side may open (to trunks, to phones over TCP), so that inbound
   * connections never starve our own. Default 1/16 of `maxConnections`.
   */
  outboundReserve?: number;
  /** Inbound connections (and WebSocket handshakes) from one address. Default 64. */
  maxConnectionsPerAddress?: number;
  /** A connection without traffic for this long is closed. Default 5 minutes. */
  idleTimeoutMs?: number;
  /**
   * Time to a complete message: from the first byte of a message on any connection, and from
   * accept on a connection a peer opened, to the last byte. More bytes do not extend it, so a
   * trickle cannot hold a connection. Also bounds a WebSocket handshake. Default 10 s.
   */
  messageTimeoutMs?: number;
  /**
   * TLS handshakes (SIP over TLS and WSS together) in progress at once; at the bound the oldest
   * is cut off for a newcomer. Default 64. Each must finish within `handshakeTimeoutMs`, default
   * `messageTimeoutMs`.
   */
  maxPendingHandshakes?: number;
  handshakeTimeoutMs?: number;
  /** Bytes queued for one connection before it is cut off. Default 1 MiB. */
  maxWriteBufferBytes?: number;
  /**
   * Largest header section and body accepted on any transport: a connection holds at most their
   * sum for a message under way. Defaults 16 KiB and 64 KiB (more than a UDP datagram can carry).
   */
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  /**
   * Bytes held for incomplete messages, all connections together; beyond it the connection
   * holding the most is closed. Default 32 MiB.
   */
  maxPendingBytes?: number;
  /** Passed to `validateMessage` for every request received. */
  validation?: ValidateOptions;
  /**
   * Sources whose Via `maddr` is honoured for responses (trunks); default none, see
   * `responseAddress`.
   */
  trustsMaddr?: (source: Source) => boolean;
  /** Sees every response just before it is serialized (RFC 7339's Via parameters). */
  beforeResponse?: (response: SipResponse) => void;
  /** A handler threw: the transport keeps going and reports it here. Default console.error. */
  onError?: (error: unknown) => void;
}

export type MessageHandler = (message: SipMessage, source: Source) => void;

export interface LocalAddress {
  /** Sent-by host as written in a Via: IPv6 in brackets. */
  host: string;
  port: number;
}
