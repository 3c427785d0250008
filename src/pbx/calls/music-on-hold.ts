/**
 * Hold with music (design §5, issue 10 §3). A phone puts the other side on hold with a re-INVITE
 * or UPDATE whose offer is sendonly or inactive, or names 0.0.0.0 (RFC 3264 §8.4); the held side
 * then hears the PBX's music, and resuming (an offer that is none of those) gives the call back
 * its media as before.
 *
 * - Between two phones (their SDP passed through, media phone to phone): the PBX answers the
 *   holder itself from its own session facing it (recvonly or inactive, as §6.1 narrows), and
 *   re-INVITEs the held phone with its own sendonly offer, so that the held phone receives the
 *   music from the PBX. The resume offer is relayed to the held phone as any re-INVITE would be
 *   (in-dialog-relay.ts): its answer goes back to the holder, media flows phone to phone again,
 *   and once that 2xx is through the music stops and the PBX's two sessions are closed.
 * - On a call whose media the PBX anchors already (a trunk, a bounce): the holder's offer is
 *   answered from its session as before (local-answers.ts), the bridge is stopped, and the
 *   music plays on the other session; resume bridges again.
 *
 * Nothing here touches the call's state, timers or history: holding is not a step of the plan.
 */
import { parseRemoteSdp } from '../../media/sdp.js';
import { defaultHoldMusic } from '../../media/hold-music.js';
import type { PlaySource } from '../../media/frame-source.js';
import type { SipRequest } from '../../sip/message/index.js';
import type { CallCore } from './call-core.js';
import { contentOf } from './in-dialog-relay.js';
import type { Side } from './in-dialog-relay.js';
import { answerOffer, isOfferCarrier, reply } from './local-answers.js';
import type { ServerTx } from './ports.js';

export type Party = 'caller' | 'callee';

/** Who holds whom, and how the call carried its media before. */
export interface Holding {
  by: Party;
  /** `relayed`: phone to phone before the hold; `anchored`: bridged at the PBX. */
  mode: 'relayed' | 'anchored';
}

const otherOf = (party: Party): Party => (party === 'caller' ? 'callee' : 'caller');

/** RFC 3264 §8.4: whether an offer puts the far end on hold; null without a readable offer. */
export function holdIn(request: SipRequest): boolean | null {
  const body = contentOf(request).body;
  if (body === undefined) return null;
  try {
    return parseRemoteSdp(body.toString('utf8')).onHold;
  } catch {
    // Unreadable: the usual path answers it (400 or 488).
    return null;
  }
}

/**
 * A re-INVITE or UPDATE from `by` (on `side`, the other party on `other`) that holds or resumes
 * the answered call: handled here, true. False for anything else, which goes the usual way.
 */
export function holdRequest(
  core: CallCore,
  by: Party,
  side: Side,
  other: Side,
  request: SipRequest,
  tx: ServerTx,
): boolean {
  if (!isOfferCarrier(request.method)) return false;
  const hold = holdIn(request);
  if (hold === null) return false;
  const sides = core.sides;
  const current = sides.holding;
  if (current === null) {
    if (!hold) return false;
    const mine = sides.isHere(by);
    if (mine !== sides.isHere(otherOf(by))) return false; // half anchored: a transfer under way
    if (mine) holdAnchored(core, by, side, other, request, tx);
    else holdRelayed(core, by, side, other, request, tx);
    return true;
  }
  // Only the holder resumes; anything else on a held call is answered as before.
  if (current.by !== by || hold) return false;
  if (current.mode === 'anchored') resumeAnchored(core, by, side, other, request, tx);
  else resumeRelayed(core, by, side, other, request, tx);
  return true;
}

function holdAnchored(
  core: CallCore,
  by: Party,
  side: Side,
  other: Side,
  request: SipRequest,
  tx: ServerTx,
): void {
  if (!answerOffer(core.offerHost, side, core.sides.offersOf(by), other, request, tx)) return;
  core.sides.holding = { by, mode: 'anchored' };
  core.media.unbridge();
  playMusic(core, otherOf(by));
}

function resumeAnchored(
  core: CallCore,
  by: Party,
  side: Side,
  other: Side,
  request: SipRequest,
  tx: ServerTx,
): void {
  if (!answerOffer(core.offerHost, side, core.sides.offersOf(by), other, request, tx)) return;
  core.sides.holding = null;
  core.media.stopPlayback();
  if (core.media.caller !== null && core.media.callee !== null) core.media.bridge();
  core.log(`${by} resumed the call`);
}

function holdRelayed(
  core: CallCore,
  by: Party,
  side: Side,
  other: Side,
  request: SipRequest,
  tx: ServerTx,
): void {
  if (request.method === 'INVITE' && (side.inviteInProgress || other.inviteInProgress)) {
    // RFC 3261 §14.2: one INVITE at a time per dialog.
    reply(core.signaling, tx, 491, 'Request Pending');
    return;
  }
  const media = core.media;
  const sides = core.sides;
  sides.holding = { by, mode: 'relayed' };
  // The holder waits for our answer while the PBX's sessions are bound; meanwhile another
  // INVITE from either side gets 491 (§14.2).
  const invite = request.method === 'INVITE';
  if (invite) side.setInviteBusy(true);
  core.held.hold(tx);
  core.settle(
    Promise.all([media.openCaller(), media.openCallee()]),
    ([caller, callee]) => {
      if (invite) side.setInviteBusy(false);
      core.held.answered(tx);
      if (!core.live()) {
        reply(core.signaling, tx, 487, 'Request Terminated');
        core.maybeReleased();
        return;
      }
      const offers = sides.negotiation(by, by === 'caller' ? caller : callee);
      if (!answerOffer(core.offerHost, side, offers, other, request, tx)) {
        sides.holding = null;
        return;
      }
      sides.setHere(by, true);
      core.log(`${by} put the call on hold: music to the ${otherOf(by)}`);
      sides.anchor(
        otherOf(by),
        'sendonly',
        () => playMusic(core, otherOf(by)),
        // The held phone keeps its media toward the holder, which ignores it: silence, no music.
        () => undefined,
      );
    },
    (error: unknown) => {
      if (invite) side.setInviteBusy(false);
      core.held.answered(tx);
      sides.holding = null;
      if (!core.live()) {
        // RFC 3261 §15.1.2: the call ended while our ports were bound.
        reply(core.signaling, tx, 487, 'Request Terminated');
      } else {
        core.log(`hold refused: ${error instanceof Error ? error.message : String(error)}`);
        reply(core.signaling, tx, 500, 'Server Internal Error', [['Retry-After', '1']]);
      }
      core.maybeReleased();
    },
  );
}

function resumeRelayed(
  core: CallCore,
  by: Party,
  side: Side,
  other: Side,
  request: SipRequest,
  tx: ServerTx,
): void {
  // The holder's offer goes to the held phone, its answer back: phone to phone again (§8).
  core.relays.relay(side, other, request, tx, (status) => {
    if (status >= 300 || core.sides.holding?.by !== by) return;
    const media = core.media;
    const sides = core.sides;
    sides.holding = null;
    sides.setHere('caller', false);
    sides.setHere('callee', false);
    media.stopPlayback();
    core.log(`${by} resumed the call: media phone to phone`);
    core.settle(
      Promise.all([media.closeCaller(), media.closeCallee()]),
      () => undefined,
      (error: unknown) => core.log(`closing the hold's media failed: ${String(error)}`),
    );
  });
}

/**
 * The music, on the session facing `party`, again and again while the call is held: the admin's
 * tracks one after the other, else (none, or one unreadable) the PBX's own melody.
 */
function playMusic(core: CallCore, party: Party): void {
  const session = party === 'caller' ? core.media.caller : core.media.callee;
  if (session === null || core.sides.holding === null) return;
  const melody: PlaySource[] = [{ kind: 'pcm', samples: defaultHoldMusic() }];
  const still = (): boolean => core.live() && core.sides.holding !== null && !session.closed;
  const round = (sources: readonly PlaySource[]): void => {
    core.settle(
      core.media.play(sources, session),
      (result) => {
        if (result.reason === 'completed' && still()) round(sources);
      },
      (error: unknown) => {
        core.log(`music on hold unreadable, the melody played: ${String(error)}`);
        if (sources !== melody && still()) round(melody);
      },
    );
  };
  const tracks = core.voice.holdMusic?.() ?? Promise.resolve([]);
  core.settle(
    tracks,
    (files) => {
      if (!still()) return;
      round(files.length === 0 ? melody : files.map((path): PlaySource => ({ kind: 'wav', path })));
    },
    (error: unknown) => {
      core.log(`music-on-hold tracks unavailable, the melody played: ${String(error)}`);
      if (still()) round(melody);
    },
  );
}
