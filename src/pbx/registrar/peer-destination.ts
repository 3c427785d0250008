import { parseSipUri } from '../../sip/message/index.js';
import type { Destination, Source } from '../../sip/transport/types.js';

/**
 * Where to send requests to a peer that wrote `contact` and whose request came from `source`:
 * back to that address and port (NAT), unless it is UDP from the very host its Contact names,
 * where the Contact's port is the one it listens on. Over TCP or WebSocket, the connection from that address and port: a stored connection id
 * may name another connection after a restart.
 */
export function peerDestination(contact: string, source: Source): Destination {
  if (source.protocol === 'udp') {
    const uri = parseSipUri(contact);
    if (uri !== null && uri.host === source.address) {
      return { protocol: 'udp', address: source.address, port: uri.port ?? 5060 };
    }
  }
  return { protocol: source.protocol, address: source.address, port: source.port };
}
