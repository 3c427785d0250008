/**
 * What a call session needs from the world, as narrow interfaces: the SIP stack (`Signaling`),
 * the registrar (`Locator`) and the trunks (`TrunkDialler`). Tests give fakes; production gives
 * `StackSignaling`, the registrar and the trunk module.
 */
import type { Caller, DialPresentation, Language } from '../../domain/types.js';
import type { VoicemailPin } from '../../domain/credentials.js';
import type { MediaLayer } from '../../media/media-layer.js';
import type { VoicemailRepository } from '../../store/voicemail-repository.js';
import type { MailRequest } from '../../store/voicemail-mail-repository.js';
import type { EventBus } from '../events.js';
import type { Say } from '../voicemail/prompt-catalog.js';
import type { VoicemailCallContext } from '../voicemail/voicemail-drivers.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Destination, Source } from '../../sip/transport/types.js';

/** A server transaction as the session sees it (the stack's INVITE and non-INVITE ones fit). */
export interface ServerTx {
  readonly request: SipRequest;
  readonly source: Source;
  readonly terminated: boolean;
  respond(response: SipResponse): void;
  /** Timer H and transport failures (RFC 3261 §17.2.1, §17.2.4). */
  user: { onTimeout?(): void; onTransportError?(error: Error): void };
}

/** A client transaction as the session sees it. */
export interface ClientTx {
  readonly terminated: boolean;
  /** Give up on the transaction without any callback (RFC 3261 §9.1: a CANCEL never answered). */
  terminate(): void;
}

export interface ResponseHandlers {
  onResponse(response: SipResponse): void;
  /** Timer B or F: no final response (RFC 3261 §17.1.1.2, §17.1.2.2). */
  onTimeout(): void;
  onTransportError(error: Error): void;
}

export interface Signaling {
  /** A request in a new client transaction; the transport stamps its Via (new branch). */
  sendRequest(request: SipRequest, destination: Destination, handlers: ResponseHandlers): ClientTx;
  /**
   * A response to a request. For a 2xx to an INVITE whose transaction has ended, sent outside it
   * (RFC 3261 §13.3.1.4: the UAS core retransmits the 2xx until the ACK comes).
   */
  respond(tx: ServerTx, response: SipResponse): void;
  /** RFC 3261 §13.2.2.4: the ACK for a 2xx, outside any transaction. */
  sendAck(ack: SipRequest, destination: Destination): void;
  /** Our Contact URI for messages exchanged with `peer` (its transport decides the address). */
  localContact(peer: Destination): string;
  /** The address `peer` reaches us at (transport/local-address.ts). */
  addressFor(peer: Destination): string;
}

/** One registered device of an extension. */
export interface Contact {
  /** The Contact URI it registered: the Request-URI of INVITEs to it. */
  uri: string;
  /** Where its REGISTER came from: INVITEs go there, through its NAT (RFC 5626 flow reuse). */
  destination: Destination;
}

export interface Locator {
  /** The registered contacts of an extension; empty when it is not registered. */
  contactsOf(extension: string): Contact[];
}

/** How a trunk wants the outgoing INVITE of a `dial` step. */
export interface TrunkRoute {
  destination: Destination;
  requestUri: string;
  /** The To header value (name-addr, no tag). */
  to: string;
  /** Host part of the caller's From and P-Asserted-Identity URIs toward this trunk. */
  fromHost: string;
  /**
   * The number this call presents, as the trunk writes numbers (its number format); for a private
   * presentation the one P-Asserted-Identity carries. Null when there is none (a withheld caller,
   * an extension without an outside number).
   */
  callerUser: string | null;
  /** `callerUser` is the company's or an extension's number, not the caller's: no caller name. */
  companyIdentity?: boolean;
  /** RFC 3325 §5: only a trusted trunk receives P-Asserted-Identity on an anonymous call. */
  trusted: boolean;
  /** Extra headers the trunk needs (e.g. a tech prefix or account header). */
  headers?: readonly (readonly [string, string])[];
}

export interface TrunkDialler {
  /**
   * The trunk route for an E.164 number, or null when no trunk can take it. `extension`: whose
   * forward this is (the `extension` presentation shows its outbound number).
   */
  dial(
    number: string,
    presentation: DialPresentation,
    caller: Caller,
    callerName: string | null,
    extension?: string,
  ): TrunkRoute | null;
}

/** What the PBX's own voice needs: prompts, voicemail, relayed media. */
export interface CallVoice {
  media: MediaLayer;
  /** The language of an extension's prompts; the system's for a ring group or an unknown number. */
  languageOf(number: string | null): Language;
  /** Prompt files in a language (admin recordings first). */
  say(language: Language): Say;
  /**
   * The caller's number as people here dial it, digits only ("0491234567"), for a prompt; null
   * when it is withheld or has no digits to say. Absent: the prompt says a withheld number.
   */
  callerDigits?(caller: Caller): string | null;
  /** The `*97` PIN of an extension, as stored (null: none asked). */
  pinOf(extension: string): VoicemailPin | null;
  /** Where a message left in `mailbox` is mailed, in what language (null: not mailed). */
  mailOf(mailbox: string): Omit<MailRequest, 'decision'> | null;
  repository: VoicemailRepository;
  events: EventBus;
  /** The admin's music-on-hold tracks (WAV files) in playing order; none: the PBX's melody. */
  holdMusic?(): Promise<readonly string[]>;
  /** Test hooks for the voicemail machines' limits. */
  limits?: VoicemailCallContext['limits'];
}
