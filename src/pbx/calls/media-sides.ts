/**
 * Where each side's media ends, and the PBX's SDP with the sides whose media ends at the PBX
 * (design §5): RFC 3264 with the caller and with the answered callee (offer-answer.ts), the
 * caller answered from the PBX's own session (for a prompt, the voicemail, or a relayed call)
 * and the callee's SDP taken against our offer. A refused SDP ends the call with the status
 * offer-answer.ts maps it to.
 */
import type { Step } from '../../domain/types.js';
import { SessionDialog } from '../../sip/dialog/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import type { RtpSession } from '../../media/rtp-session.js';
import type { MediaDirection } from '../../media/sdp.js';
import type { CallCore, CallState } from './call-core.js';
import { contentOf } from './in-dialog-relay.js';
import type { Side } from './in-dialog-relay.js';
import { OfferAnswer } from './offer-answer.js';
import type { Holding, Party } from './music-on-hold.js';

/**
 * How a ringing step carries media: SDP passed through between phones; `anchored`, the PBX
 * answering the caller's offer and offering its own to the callee (a trunk on either side);
 * `pbx-answered`, the caller already talking to the PBX (after a prompt) and hearing its ringback.
 */
export type LegMedia = 'passthrough' | 'anchored' | 'pbx-answered';

export class MediaSides {
  /** The caller's media ends at the PBX (answered by it, or relayed): re-INVITEs answered here. */
  callerHere = false;
  /** The same for the answered B-leg. */
  calleeHere = false;
  /** Media mode of the ringing step. */
  legMedia: LegMedia = 'passthrough';
  /** RFC 3264 with the caller and the answered callee, when their media ends at the PBX. */
  private callerOffers: OfferAnswer | null = null;
  private calleeOffers: OfferAnswer | null = null;
  /** Runs once the caller has acknowledged the 2xx the PBX answered it with. */
  private onCallerReady: (() => void) | null = null;
  /** The call is on hold, and by whom (music-on-hold.ts). */
  holding: Holding | null = null;

  constructor(
    private readonly core: CallCore,
    /** The caller is a trunk: its media is relayed by the PBX. */
    private readonly fromTrunk: boolean,
  ) {}

  /** The caller transferred its callee, which takes the caller's place (CallMedia.swapSides). */
  swapSides(): void {
    [this.callerOffers, this.calleeOffers] = [this.calleeOffers, this.callerOffers];
    [this.callerHere, this.calleeHere] = [this.calleeHere, this.callerHere];
    if (this.holding !== null) {
      this.holding = { ...this.holding, by: this.holding.by === 'caller' ? 'callee' : 'caller' };
    }
  }

  /** Whether `party`'s media ends at the PBX. */
  isHere(party: Party): boolean {
    return party === 'caller' ? this.callerHere : this.calleeHere;
  }

  setHere(party: Party, here: boolean): void {
    if (party === 'caller') this.callerHere = here;
    else this.calleeHere = here;
  }

  /**
   * Set how the step about to ring carries media (see LegMedia). `apart`: the phones may not
   * reach each other (ringing.ts), so the PBX carries their media as it does a trunk's.
   */
  chooseFor(step: Step, apart = false): LegMedia {
    if (this.core.callerSide !== null) this.legMedia = 'pbx-answered';
    else {
      const relayed = step.do === 'dial' || this.fromTrunk || apart;
      this.legMedia = relayed ? 'anchored' : 'passthrough';
    }
    return this.legMedia;
  }

  /** The call ends: nothing waits for the caller's ACK any more. */
  forget(): void {
    this.onCallerReady = null;
  }

  /**
   * RFC 3264 on one side, following that side's session (the callee's is reused from one ringing
   * step to the next).
   */
  negotiation(side: 'caller' | 'callee', session: RtpSession): OfferAnswer {
    const current = side === 'caller' ? this.callerOffers : this.calleeOffers;
    if (current !== null && current.session === session) return current;
    const created = new OfferAnswer(session, this.core.domain);
    // Our SDP toward the caller's side answers where its SIP comes from (the callee's: ringing.ts);
    // after a transfer that side is the dialog that took the caller's place.
    const core = this.core;
    if (side === 'caller')
      session.face((core.callerSide?.destination ?? core.invite.source).address);
    if (side === 'caller') this.callerOffers = created;
    else this.calleeOffers = created;
    return created;
  }

  /** The negotiation with a side whose media ends here, null when its session is gone. */
  offersOf(side: 'caller' | 'callee'): OfferAnswer | null {
    const session = side === 'caller' ? this.core.media.caller : this.core.media.callee;
    return session === null ? null : this.negotiation(side, session);
  }

  /** Our SDP toward the caller, once worked out (for the 183 and the 200 of a relayed call). */
  get callerSdp(): string | null {
    return this.callerOffers?.local ?? null;
  }

  /** The callee's answer to our offer is in (a 2xx without SDP may follow a 183 with it). */
  get calleeStable(): boolean {
    return this.calleeOffers?.state === 'stable';
  }

  /**
   * Our SDP toward the caller: the answer to the offer of its INVITE, else an offer. An offer we
   * cannot answer ends the call (see offer-answer.ts for the status).
   */
  callerSdpFor(session: RtpSession): string | null {
    const offers = this.negotiation('caller', session);
    if (offers.local !== null) return offers.local;
    const exchange = offers.respond(contentOf(this.core.invite.request).body);
    if (exchange.ok) return exchange.value;
    const { status, reason, headers, why } = exchange.refusal;
    this.core.log(`caller SDP refused: ${why}`);
    this.core.rejectCaller({ status, reason, headers }, 'failed');
    return null;
  }

  /** The callee's SDP answers our offer; false when it is unusable. */
  acceptCallee(body: Buffer): boolean {
    const exchange = this.calleeOffers?.accept(body);
    if (exchange === undefined) return false;
    if (!exchange.ok) this.core.log(`callee SDP refused: ${exchange.refusal.why}`);
    return exchange.ok;
  }

  /**
   * Answer the caller from the PBX's own session if it is not answered yet (RFC 3264: our answer
   * to its offer, or our offer when its INVITE had none, answered in its ACK), then run `ready`
   * once it has acknowledged, with its session. Only while the call stays in `state` and step.
   */
  withCallerMedia(state: CallState, ready: (session: RtpSession) => void): void {
    const core = this.core;
    const index = core.stepIndex;
    const still = (): boolean => core.state === state && core.stepIndex === index;
    core.settle(
      core.media.openCaller(),
      (session) => {
        if (!still()) return;
        this.callerHere = true;
        const go = (): void => {
          if (still()) ready(session);
        };
        if (core.callerSide !== null) {
          // Answered already: at once, or once the ACK still awaited comes.
          if (this.onCallerReady === null) go();
          else this.onCallerReady = go;
          return;
        }
        const sdp = this.callerSdpFor(session);
        if (sdp === null) return;
        this.onCallerReady = go;
        this.okCallerWithSdp(sdp, () => {
          const readyNow = this.onCallerReady;
          this.onCallerReady = null;
          readyNow?.();
        });
      },
      (error: unknown) => core.mediaFailed('media ports', error),
    );
  }

  /**
   * 200 to the caller with our SDP, an offer when its INVITE had none (RFC 3264 §4): its ACK then
   * brings the answer. `acknowledged` runs once the ACK came with a usable answer, if one was due.
   */
  okCallerWithSdp(sdp: string, acknowledged: () => void): void {
    const leg = this.core.callerLeg;
    const ok = leg.respond(200, 'OK', { body: Buffer.from(sdp), contentType: 'application/sdp' });
    const side = this.newCallerSide();
    const lateOffer = leg.lateOffer;
    side.awaitAck(leg.seq, this.core.invite, ok, (ack) => {
      if (lateOffer && !this.acceptCallerAnswer(ack)) return;
      acknowledged();
    });
  }

  /** RFC 3264 §4: the caller's answer to our offer, in its ACK. False when unusable (call ended). */
  private acceptCallerAnswer(ack: SipRequest): boolean {
    const exchange = this.callerOffers?.accept(contentOf(ack).body);
    if (exchange?.ok === true) return true;
    this.core.log(`caller's answer refused: ${exchange?.refusal.why ?? 'no caller media'}`);
    this.core.hangUp('pbx');
    return false;
  }

  /**
   * Bring the answered caller's media to the PBX, then run `then`: at once when it ends here
   * already, else by a re-INVITE with the PBX's own offer (RFC 3264 §8; its media went phone to
   * phone). A refused re-INVITE ends the call.
   */
  anchorCaller(then: () => void): void {
    if (this.callerHere || this.core.callerSide === null) {
      then();
      return;
    }
    this.anchor('caller', 'sendrecv', then, () => this.core.hangUp('pbx'));
  }

  /**
   * A re-INVITE to `which` side with the PBX's own offer (`direction`: sendonly for music on
   * hold, RFC 3264 §8.4), so that its media ends here; `then` once its answer is in use,
   * `refused` (logged) when it fails.
   */
  anchor(
    which: 'caller' | 'callee',
    direction: MediaDirection,
    then: () => void,
    refused: () => void,
  ): void {
    const core = this.core;
    const side = which === 'caller' ? core.callerSide : core.calleeSide;
    if (side === null) return;
    core.settle(
      which === 'caller' ? core.media.openCaller() : core.media.openCallee(),
      (session) => {
        if (!core.live()) return;
        const offers = this.negotiation(which, session);
        const invite = side.dialog.createRequest('INVITE', {
          body: Buffer.from(offers.offer(direction)),
          contentType: 'application/sdp',
        });
        const seq = side.dialog.localSeq ?? 0;
        side.setInviteBusy(true);
        const failed = (why: string): void => {
          side.setInviteBusy(false);
          core.log(`re-INVITE of the ${which} failed: ${why}`);
          if (core.live()) refused();
        };
        let answered = false;
        core.held.send(invite, side.destination, {
          onResponse: (response) => {
            if (response.status < 200) return;
            if (response.status >= 300) {
              failed(`${response.status} ${response.reason}`);
              return;
            }
            // RFC 3261 §13.2.2.4: a 2xx is acknowledged even when the call ended meanwhile,
            // and again when it is retransmitted; its answer is taken once.
            if (side.dialog.state !== 'terminated') {
              core.signaling.sendAck(side.dialog.createAck(seq), side.destination);
            }
            if (answered) return;
            answered = true;
            side.setInviteBusy(false);
            if (!core.live()) return;
            const exchange = offers.accept(contentOf(response).body);
            if (!exchange.ok) {
              failed(exchange.refusal.why);
              return;
            }
            if (which === 'caller') this.callerHere = true;
            else this.calleeHere = true;
            if (core.live()) then();
          },
          onTimeout: () => failed('no answer'),
          onTransportError: (error) => failed(error.message),
        });
      },
      (error: unknown) => core.mediaFailed('media ports', error),
    );
  }

  /** Our confirmed dialog with the caller, from the 2xx just sent. */
  newCallerSide(): Side {
    const core = this.core;
    const dialog = core.callerLeg.dialog;
    if (dialog === null) throw new Error('the caller dialog exists once a 2xx is sent');
    const side = new SessionDialog('caller', dialog, core.invite.source, core.dialogHost);
    core.callerSide = side;
    // No RTP from the caller for the inactivity time ends the call (design §5).
    core.media.caller?.once('inactive', () => {
      if (core.callerSide === null || !core.live()) return;
      core.log('no media from the caller: hanging up');
      core.hangUp('pbx');
    });
    return side;
  }
}
