/** SIP over UDP (RFC 3261 §18): one datagram, one message, on an IPv4 or IPv6 socket. */
import { createSocket } from 'node:dgram';
import type { Socket, SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { TransportError } from './types.js';
import type { SendErrorHandler } from './types.js';
import { normalizeAddress } from './via.js';

const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

/**
 * dgram resolves every destination before sending, even an IP literal: Node's default goes through
 * dns.lookup and a process.nextTick per datagram. The transport only ever sends to addresses, so
 * an IP literal is handed back at once and anything else still goes to the resolver.
 */
const literalFirstLookup: NonNullable<SocketOptions['lookup']> = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, options, callback);
};

export type DatagramHandler = (data: Buffer, address: string, port: number) => void;

export class UdpListener {
  private closed = false;
  /** Read once: `socket.address()` is a system call, and the port is needed for every Via. */
  readonly port: number;

  private constructor(private readonly socket: Socket) {
    this.port = socket.address().port;
  }

  /** `ipv6Only`: on `::`, IPv6 alone (IPv4 has a listener of its own). */
  static listen(
    host: string,
    port: number,
    onDatagram: DatagramHandler,
    ipv6Only = false,
  ): Promise<UdpListener> {
    // A receive buffer of 4 MiB (Linux caps it at net.core.rmem_max) rides out a pause of the event
    // loop: with the default 208 KiB, a 100–200 ms pause at 400 calls/s overflowed it, and every
    // dropped datagram cost a retransmission 500 ms later (docs/benchmarks.md §2).
    const socket = createSocket({
      type: isIP(host) === 6 ? 'udp6' : 'udp4',
      ipv6Only,
      recvBufferSize: UDP_RECEIVE_BUFFER,
      lookup: literalFirstLookup,
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        // ICMP errors and the like surface here; a listener must survive them.
        socket.on('error', () => undefined);
        socket.on('message', (data, rinfo) =>
          onDatagram(data, normalizeAddress(rinfo.address), rinfo.port),
        );
        resolve(new UdpListener(socket));
      });
    });
  }

  send(data: Buffer, address: string, port: number, onError: SendErrorHandler): void {
    if (this.closed) {
      queueMicrotask(() => onError(new TransportError('UDP socket closed')));
      return;
    }
    try {
      this.socket.send(data, port, address, (err) => {
        if (err) onError(new TransportError(`UDP send failed: ${err.message}`, { cause: err }));
      });
    } catch (err) {
      // Node throws synchronously for an invalid port or address.
      queueMicrotask(() => onError(new TransportError('UDP send refused', { cause: err })));
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
