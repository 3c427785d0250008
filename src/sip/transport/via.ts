/**
 * Via processing done by the transport layer: stamping `received`/`rport` on requests we receive
 * (RFC 3261 §18.2.1, RFC 3581 §4) and choosing where a response goes (RFC 3261 §18.2.2).
 */
import { formatVia, getTopVia } from '../message/index.js';
import type { Headers, SipMessage, Via } from '../message/index.js';
import { isIP } from 'node:net';

export const DEFAULT_SIP_PORT = 5060;

/** An address as the transport reports it: no brackets, IPv4-mapped IPv6 shown as IPv4. */
export function normalizeAddress(address: string): string {
  let a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const lower = a.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  return a;
}

/** A host for a Via sent-by or a URI: IPv6 literals in brackets (RFC 3261 §25.1 IPv6reference). */
export function formatHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Replace the topmost Via value, keeping its position. */
export function replaceTopVia(headers: Headers, via: Via): void {
  headers.removeFirst('Via');
  headers.prepend('Via', formatVia(via));
}

/**
 * RFC 3261 §18.2.1: add `received` when the sent-by host is not the packet's source address.
 * RFC 3581 §4: when the client asked with an empty `rport`, fill it with the source port and add
 * `received` even if the address matches. Returns false when the top Via is unreadable.
 */
export function stampReceived(message: SipMessage, address: string, port: number): boolean {
  const top = getTopVia(message);
  if (!top) return false;
  const wantsRport = top.rport === null;
  const differs = normalizeAddress(top.host).toLowerCase() !== address.toLowerCase();
  if (!differs && !wantsRport) return true;
  const params = new Map(top.params);
  params.set('received', address);
  if (wantsRport) params.set('rport', String(port));
  replaceTopVia(message.headers, { ...top, params });
  return true;
}

/**
 * RFC 3261 §18.2.2 once the receiving connection (reliable transports) is gone: `maddr` first
 * when `honourMaddr`, then `received` with the RFC 3581 `rport` or the sent-by port, else the
 * sent-by itself.
 *
 * §18.2.2 sends a response to `maddr` whatever the request's source; on a hostile network that
 * makes the PBX a reflector (one spoofable datagram in, responses and their retransmissions to
 * an address of the sender's choosing). So `maddr` is honoured only for a source the caller
 * trusts (a trunk); from anyone else the response goes where the request came from.
 */
export function responseAddress(via: Via, honourMaddr = false): { address: string; port: number } {
  const port = typeof via.rport === 'number' ? via.rport : (via.port ?? DEFAULT_SIP_PORT);
  const maddr = via.params.get('maddr');
  if (honourMaddr && typeof maddr === 'string' && maddr) {
    return { address: normalizeAddress(maddr), port: via.port ?? DEFAULT_SIP_PORT };
  }
  if (via.received !== undefined) return { address: normalizeAddress(via.received), port };
  return { address: normalizeAddress(via.host), port: via.port ?? DEFAULT_SIP_PORT };
}
