/**
 * Keeps the NAT bindings of phones behind a NAT open (issue 9 §2). A NAT forgets a UDP mapping
 * after some idle time (often 30 s to a few minutes), and then the PBX can no longer reach the
 * phone where its REGISTER came from until it registers again. So every `intervalMs`, each UDP
 * binding behind a NAT gets an OPTIONS (RFC 3261 §11; what Asterisk's qualify and Kamailio's
 * nathelper send): the request and its answer refresh the mapping. Over TCP and TLS the phone
 * keeps its own connection open with RFC 5626 CRLF pings, which the transport answers.
 *
 * Bounded: at most `maxPerRound` pings a round (the least recently refreshed bindings first,
 * the rest next round), each an ordinary client transaction that ends by Timer F at worst.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Headers, createRequest, createTag } from '../../sip/message/index.js';
import type { SipStack } from '../../sip/stack.js';
import { contactUri } from '../../sip/transport/contact.js';
import { formatHost } from '../../sip/transport/via.js';
import type { Binding } from './bindings.js';
import { behindNat, bindingDestination } from './peer-destination.js';

export interface NatKeepaliveOptions {
  stack: SipStack;
  bindings: () => Binding[];
  intervalMs: number;
  maxPerRound?: number;
  log: Logger;
}

export class NatKeepalive {
  private readonly timer: NodeJS.Timeout;
  private sent = 0;

  constructor(private readonly options: NatKeepaliveOptions) {
    this.timer = setInterval(() => this.round(), options.intervalMs);
    this.timer.unref();
  }

  /** OPTIONS sent so far. */
  get pings(): number {
    return this.sent;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private round(): void {
    const due = this.options
      .bindings()
      .filter((b) => b.source.protocol === 'udp' && behindNat(b))
      .sort((a, b) => a.updatedAt - b.updatedAt)
      .slice(0, this.options.maxPerRound ?? 1000);
    for (const binding of due) this.ping(binding);
  }

  private ping(binding: Binding): void {
    const { stack } = this.options;
    const destination = bindingDestination(binding);
    const host = stack.addressFor(destination.address);
    const headers = new Headers();
    headers.append('From', `<sip:renvoi@${formatHost(host)}>;tag=${createTag()}`);
    headers.append('To', `<${binding.contact}>`);
    headers.append('Call-ID', `${randomBytes(12).toString('hex')}@renvoi`);
    headers.append('CSeq', '1 OPTIONS');
    headers.append('Max-Forwards', '70');
    headers.append('Contact', `<${contactUri(host, stack.port('udp'), 'udp')}>`);
    try {
      stack.sendRequest(createRequest('OPTIONS', binding.contact, headers), destination, {
        onResponse: () => undefined,
        onTimeout: () => undefined,
        onTransportError: () => undefined,
      });
      this.sent += 1;
    } catch (error) {
      this.options.log.warn({ err: error, destination }, 'cannot send a NAT keep-alive');
    }
  }
}
