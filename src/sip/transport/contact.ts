/** The URI this side writes in its Contact for a peer reached over a given transport. */
import type { TransportProtocol } from './types.js';
import { formatHost } from './via.js';

/**
 * RFC 3261 §19.1.1: a sip URI without a transport parameter means UDP, so every other transport
 * is named. RFC 7118 §5.2: `transport=ws` stands for WebSocket over TLS too. TLS is written
 * `transport=tls` on a sip URI rather than as a sips URI: it says how to reach us without asking
 * every hop after it to be secure (RFC 5630 §3.2), and it is what phones that register over TLS
 * with a sip AOR expect: baresip 1.0 ends a call whose Contact is `sips:` at once. (RFC 3261
 * §8.1.1.8 asks for a sips Contact when the Request-URI is sips: a phone registered with sips
 * URIs gets this one too, see test/interop/tls-phone.test.ts.)
 */
export function contactUri(
  host: string,
  port: number | undefined,
  protocol: TransportProtocol,
): string {
  const hostPort = port === undefined ? formatHost(host) : `${formatHost(host)}:${port}`;
  const transport = protocol === 'wss' ? 'ws' : protocol;
  return `sip:renvoi@${hostPort}${transport === 'udp' ? '' : `;transport=${transport}`}`;
}
