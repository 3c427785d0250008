import { isIP } from 'node:net';
import { parseSipUri } from '../../sip/message/index.js';
import type { Destination, Source } from '../../sip/transport/types.js';
import { normalizeAddress } from '../../sip/transport/via.js';
import type { Binding } from './bindings.js';

/**
 * Where requests to a registered phone go (INVITEs, NOTIFYs): RFC 3581, where its REGISTER came
 * from, whatever its Contact says; over a connection, that connection.
 */
export function bindingDestination(binding: Binding): Destination {
  return peerDestination(binding.contact, binding.source);
}

/**
 * A phone behind a NAT: its Contact names an IP address other than the one its REGISTER came
 * from. (A name in the Contact says nothing either way.)
 */
export function behindNat(binding: Binding): boolean {
  const host = parseSipUri(binding.contact)?.host;
  if (host === undefined) return false;
  const written = normalizeAddress(host);
  return isIP(written) !== 0 && written !== normalizeAddress(binding.source.address);
}

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
