/**
 * What still answers for a B-leg's INVITE once the leg has ended. After a 2xx the INVITE client
 * transaction stays in Accepted for Timer M (RFC 6026 §7.2, 64*T1) and passes every 2xx to its
 * user: retransmissions of the one the leg took, and the 2xx of other forks. RFC 3261 §13.2.2.4
 * wants each acknowledged, and a dialog nobody takes ended with a BYE. This holds only what that
 * needs (the INVITE's dialog-forming headers, the destination, the signalling), so the call and
 * the leg themselves are free to be collected while the transaction waits.
 */
import { DialogError, createUacDialog } from '../../sip/dialog/index.js';
import { Headers, createRequest, getCSeq, getTo } from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Destination } from '../../sip/transport/types.js';
import type { ResponseHandlers, Signaling } from './ports.js';

/** The headers `createUacDialog` reads from the INVITE (RFC 3261 §12.1.2). */
const DIALOG_HEADERS = ['From', 'To', 'Call-ID', 'CSeq'];

const IGNORE: ResponseHandlers = {
  onResponse: () => undefined,
  onTimeout: () => undefined,
  onTransportError: () => undefined,
};

export class LateAnswers {
  private readonly invite: SipRequest;
  private readonly seq: number;
  /** ACKs sent, by the To tag of the 2xx they acknowledge: a retransmission gets the same again. */
  private readonly acks = new Map<string, SipRequest>();

  constructor(
    invite: SipRequest,
    private readonly destination: Destination,
    private readonly signaling: Signaling,
    private readonly localContact: string,
  ) {
    const h = new Headers();
    for (const name of DIALOG_HEADERS)
      for (const v of invite.headers.getAll(name)) h.append(name, v);
    this.invite = createRequest('INVITE', invite.uri, h);
    this.seq = getCSeq(invite)?.seq ?? 1;
  }

  /** The leg acknowledged the 2xx of the dialog with this remote tag itself. */
  acked(remoteTag: string, ack: SipRequest): void {
    this.acks.set(remoteTag, ack);
  }

  /** A 2xx reaching an ended leg: the same ACK again, or ACK and BYE for a new dialog. */
  answer(response: SipResponse): void {
    if (response.status < 200 || response.status >= 300) return;
    const tag = getTo(response)?.tag;
    if (tag === undefined) return;
    const sent = this.acks.get(tag);
    if (sent !== undefined) {
      this.signaling.sendAck(sent, this.destination);
      return;
    }
    let dialog;
    try {
      dialog = createUacDialog(this.invite, response, this.localContact);
    } catch (error) {
      // A 2xx without Contact or To tag forms no dialog: there is nothing to acknowledge.
      if (error instanceof DialogError) return;
      throw error;
    }
    const ack = dialog.createAck(this.seq);
    this.acks.set(tag, ack);
    this.signaling.sendAck(ack, this.destination);
    this.signaling.sendRequest(dialog.createRequest('BYE'), this.destination, IGNORE);
  }
}
