/** The call sessions' `Signaling` port on the real SIP stack. */
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { SipStack } from '../../sip/stack.js';
import { contactUri } from '../../sip/transport/contact.js';
import type { Destination } from '../../sip/transport/types.js';
import type { ClientTx, ResponseHandlers, ServerTx, Signaling } from './ports.js';

export class StackSignaling implements Signaling {
  constructor(private readonly stack: SipStack) {}

  sendRequest(request: SipRequest, destination: Destination, handlers: ResponseHandlers): ClientTx {
    return this.stack.sendRequest(request, destination, handlers);
  }

  respond(tx: ServerTx, response: SipResponse): void {
    if (!tx.terminated) {
      tx.respond(response);
      return;
    }
    // RFC 3261 §13.3.1.4: the UAS core keeps retransmitting its 2xx after the transaction ended
    // (RFC 6026 Timer L); anything else has nobody left to receive it.
    if (response.status >= 200 && response.status < 300) {
      this.stack.sendStateless(response, tx.source);
    }
  }

  sendAck(ack: SipRequest, destination: Destination): void {
    this.stack.sendAck(ack, destination);
  }

  /** The address this peer reaches us at (transport/local-address.ts), in a URI of its transport. */
  addressFor(peer: Destination): string {
    return this.stack.addressFor(peer.address);
  }

  localContact(peer: Destination): string {
    const host = this.addressFor(peer);
    return contactUri(host, this.stack.port(peer.protocol), peer.protocol);
  }
}
