/**
 * The caller's leg as its UAS sees it: the INVITE server transaction, our To tag, the dialog our
 * responses form (RFC 3261 §12.1.1) and what the caller has heard so far while it waits.
 *
 * Early responses: the first provisional response carrying SDP reaches the caller once: without
 * reliable provisionals (RFC 3262) a second early answer in the same early dialog would not be a
 * valid offer/answer exchange. Any other progress gives one 180 Ringing.
 */
import { formDialog } from '../../sip/dialog/index.js';
import type { Dialog } from '../../sip/dialog/index.js';
import {
  buildReply,
  createTag,
  getCSeq,
  getContacts,
  getFrom,
  getMaxForwards,
} from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Destination } from '../../sip/transport/types.js';
import { PBX_ALLOW_EVENTS } from '../allow.js';
import { ALLOW } from './in-dialog-relay.js';
import { PBX_SUPPORTED as SUPPORTED } from '../option-tags.js';
import type { Content } from './in-dialog-relay.js';
import type { ResponseHandlers, ServerTx, Signaling } from './ports.js';

export class CallerLeg {
  /** Our To tag toward the caller. */
  readonly tag = createTag();
  private formed: Dialog | null = null;
  private ringingSent = false;
  private earlyMediaSent = false;

  constructor(
    readonly invite: ServerTx,
    private readonly signaling: Signaling,
    /** The caller got its final response: the call stops holding the INVITE transaction. */
    private readonly finalSent: () => void,
  ) {}

  /** The dialog with the caller, from our first response with a tag. */
  get dialog(): Dialog | null {
    return this.formed;
  }

  /** The caller still holds a live dialog with us. */
  get holdsDialog(): boolean {
    return this.formed !== null && this.formed.state !== 'terminated';
  }

  /** The CSeq number of the caller's INVITE. */
  get seq(): number {
    return getCSeq(this.invite.request)?.seq ?? 0;
  }

  /** Why the PBX cannot take the caller's INVITE at all, null when it can. */
  refusal(): { status: number; reason: string } | null {
    const request = this.invite.request;
    // RFC 3261 §16.3 item 3, applied by our UAS to the request it would forward.
    if (getMaxForwards(request) === 0) return { status: 483, reason: 'Too Many Hops' };
    // RFC 3261 §8.1.1.8, §8.1.1.3: the dialog with the caller needs its Contact and From tag.
    const contact = getContacts(request)?.[0];
    if (contact === undefined || contact === '*' || getFrom(request)?.tag === undefined) {
      return { status: 400, reason: 'Missing Contact or From tag' };
    }
    return null;
  }

  /** The caller's INVITE carried no SDP (RFC 3264 §4: our offer goes in the 2xx). */
  get lateOffer(): boolean {
    return this.invite.request.body.length === 0;
  }

  /**
   * A response to the caller's INVITE, with our To tag; a 1xx or 2xx forms the dialog (our Contact,
   * the request's Record-Route), a 2xx says what we Allow.
   */
  respond(
    status: number,
    reason: string,
    content: Content = {},
    headers: readonly (readonly [string, string])[] = [],
  ): SipResponse {
    const request = this.invite.request;
    const response = buildReply(request, status, reason, this.tag);
    for (const [name, value] of headers) response.headers.append(name, value);
    const contact = this.signaling.localContact(this.invite.source);
    this.formed = formDialog(request, response, contact, this.formed);
    if (status >= 200 && status < 300) {
      response.headers.append('Allow', ALLOW);
      response.headers.append('Supported', SUPPORTED);
      // RFC 6665 §4.4.4: the phone learns which packages it may subscribe to here.
      response.headers.append('Allow-Events', PBX_ALLOW_EVENTS);
    }
    if (content.body !== undefined) {
      response.headers.append('Content-Type', content.contentType ?? 'application/sdp');
      response.body = content.body;
    }
    if (status >= 200) this.finalSent();
    if (!this.invite.terminated) this.signaling.respond(this.invite, response);
    return response;
  }

  /** Early media for the caller, once; false when it already had some (nothing is sent). */
  earlyMedia(status: number, reason: string, content: Content): boolean {
    if (this.earlyMediaSent) return false;
    this.earlyMediaSent = true;
    this.ringingSent = true;
    this.respond(status, reason, content);
    return true;
  }

  /** One 180 Ringing, unless the caller heard progress already. */
  ringing(): void {
    if (this.ringingSent) return;
    this.ringingSent = true;
    this.respond(180, 'Ringing');
  }

  /** BYE on the caller's dialog while it holds one (RFC 3261 §15.1.1), sent through `send`. */
  bye(
    send: (request: SipRequest, destination: Destination, handlers: ResponseHandlers) => void,
  ): void {
    const dialog = this.formed;
    if (dialog === null || !this.holdsDialog) return;
    const done = (): void => {
      if (dialog.state !== 'terminated') dialog.terminate();
    };
    send(dialog.createRequest('BYE'), this.invite.source, {
      onResponse: (r) => {
        if (r.status >= 200) done();
      },
      onTimeout: done,
      onTransportError: done,
    });
  }

  /** The dialog with the caller is over. */
  endDialog(): void {
    if (this.holdsDialog) this.formed?.terminate();
  }
}
