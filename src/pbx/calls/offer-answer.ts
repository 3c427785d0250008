/**
 * Offer/answer (RFC 3264) on one side of a call whose media ends at the PBX, as an explicit state,
 * and the one mapping of an unusable SDP to its SIP answer.
 *
 *   idle ──offer()──► offered ──accept(answer)──► stable ──offer()──► offered …
 *     └──────────respond(offer)──────────────────►  ▲ └─respond(offer)─┘
 *
 * `offered`: our offer is out (in our INVITE, our 2xx to an INVITE without SDP, or a re-INVITE's
 * 2xx); only the far end's answer completes it (§4). `stable`: an exchange completed; a new offer
 * from either side may start the next (§8). Media use follows the session: a refused SDP leaves
 * the session and the state as they were (§6: the offerer's previous session stays in force).
 *
 * Refusals (RFC 3261 §21.4.26, §20.43): an SDP that cannot be read gets 400; one we can read but
 * not use gets 488 with a Warning saying why — 304 when it offers no audio, 305 when no codec
 * is common or a number is out of range, 301 for a media address we will not use.
 */
import { SdpError } from '../../media/sdp.js';
import type { MediaDirection, SdpErrorCode } from '../../media/sdp.js';
import type { RtpSession } from '../../media/rtp-session.js';

export type OfferAnswerState = 'idle' | 'offered' | 'stable';

/** How a request or response carrying an unusable SDP is answered. */
export interface SdpRefusal {
  status: 400 | 488;
  reason: string;
  headers: [string, string][];
  /** For the log line. */
  why: string;
}

/** The warn-text before the error's own words; the warn-code is the error's (media/sdp.ts). */
const WARNINGS: Readonly<Record<SdpErrorCode, string | null>> = {
  malformed: null,
  'no-audio': 'Media type not available',
  'no-common-codec': 'Incompatible media format',
  'out-of-range': 'Incompatible media format',
  address: 'Incompatible network address formats',
};

/** A warn-text is a quoted-string (RFC 3261 §25.1): no raw quotes, backslashes or controls. */
function quoted(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, ' ')}"`;
}

/** The one mapping of an SDP error to its answer; `agent` is the warn-agent (our host). */
export function refusalOf(error: SdpError, agent: string): SdpRefusal {
  const warning = WARNINGS[error.code];
  if (warning === null) {
    return { status: 400, reason: 'Bad Request', headers: [], why: error.message };
  }
  return {
    status: 488,
    reason: 'Not Acceptable Here',
    headers: [['Warning', `${error.warnCode} ${agent} ${quoted(`${warning}: ${error.message}`)}`]],
    why: error.message,
  };
}

export type Exchange<T> = { ok: true; value: T } | { ok: false; refusal: SdpRefusal };

export class OfferAnswer {
  private current: OfferAnswerState = 'idle';
  private sdp: string | null = null;

  constructor(
    readonly session: RtpSession,
    /** The warn-agent of our 488s. */
    private readonly agent: string,
  ) {}

  get state(): OfferAnswerState {
    return this.current;
  }

  /** The SDP we gave last (offer or answer), e.g. to repeat in a 183 and then the 200. */
  get local(): string | null {
    return this.sdp;
  }

  /** Our offer (§5); `sendonly` puts the far end on hold (§8.4). */
  offer(direction: MediaDirection = 'sendrecv'): string {
    this.sdp = this.session.createOffer({ direction });
    this.current = 'offered';
    return this.sdp;
  }

  /**
   * The SDP for a message that carried `offer`: our answer to it (§6). Without one, our offer,
   * answered later (§4: the ACK carries the answer to an offer in a 2xx).
   */
  respond(offer: Buffer | undefined): Exchange<string> {
    if (offer === undefined) return { ok: true, value: this.offer() };
    return this.attempt(() => {
      this.sdp = this.session.answer(offer.toString('utf8'));
      this.current = 'stable';
      return this.sdp;
    });
  }

  /** The far end's answer to our offer (§4, §7); none where one was due is refused as no audio. */
  accept(answer: Buffer | undefined): Exchange<true> {
    return this.attempt(() => {
      if (answer === undefined) throw new SdpError('no-audio', 'no answer to our offer');
      this.session.acceptAnswer(answer.toString('utf8'));
      this.current = 'stable';
      return true as const;
    });
  }

  private attempt<T>(exchange: () => T): Exchange<T> {
    try {
      return { ok: true, value: exchange() };
    } catch (error) {
      if (!(error instanceof SdpError)) throw error;
      return { ok: false, refusal: refusalOf(error, this.agent) };
    }
  }
}
