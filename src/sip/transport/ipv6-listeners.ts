/**
 * Every address means IPv6 too (issue 9 §1): beside listeners on `0.0.0.0`, UDP and TCP on `::`
 * with the same ports, IPv6 only (a dual-stack socket would take the IPv4 port already bound).
 */
import { networkInterfaces } from 'node:os';
import type { Socket } from 'node:net';
import { TcpListener } from './tcp.js';
import { UdpListener } from './udp.js';
import type { DatagramHandler } from './udp.js';

export interface Ipv6Listeners {
  udp6?: UdpListener;
  tcp6?: TcpListener;
}

/** Any IPv6 address on an interface, loopback included: `::` can be bound. */
export function hasIpv6(): boolean {
  return Object.values(networkInterfaces()).some((list) =>
    (list ?? []).some((ni) => ni.family === 'IPv6'),
  );
}

/** Both or neither: when one cannot bind, the other is closed before the error is thrown. */
export async function listenIpv6(
  ports: { udp?: number; tcp?: number },
  onDatagram: DatagramHandler,
  onSocket: (socket: Socket) => void,
): Promise<Ipv6Listeners> {
  const bound: Ipv6Listeners = {};
  try {
    if (ports.udp !== undefined)
      bound.udp6 = await UdpListener.listen('::', ports.udp, onDatagram, true);
    if (ports.tcp !== undefined)
      bound.tcp6 = await TcpListener.listen('::', ports.tcp, onSocket, true);
    return bound;
  } catch (error) {
    await bound.udp6?.close();
    throw error;
  }
}
