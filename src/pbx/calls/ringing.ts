/**
 * A ringing step (`ring` or `dial`) once its targets are known: one B-leg per target with the SDP
 * the step's media mode calls for (media-sides.ts), the step timer, and what the legs report —
 * progress relayed to the caller, the first usable 2xx connecting the call, failures ending the
 * step when no leg is left ringing.
 *
 * Glare between legs: a 2xx that arrives after another leg won, or after our CANCEL crossed it,
 * is acknowledged and BYE'd at once by its leg (RFC 3261 §13.2.2.4): `answered` returns false. A
 * late 2xx from a leg of a step that timed out is dropped the same way: the call has moved on.
 */
import { isIP } from 'node:net';
import { parseSipUri } from '../../sip/message/index.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import { parseRemoteSdp } from '../../media/sdp.js';
import { normalizeAddress } from '../../sip/transport/via.js';
import type { BLeg, LegEvents } from './b-leg.js';
import type { CallCore } from './call-core.js';
import { contentOf } from './in-dialog-relay.js';
import type { Content, Side } from './in-dialog-relay.js';
import { combineFailures } from './outcome.js';
import type { StepFailure } from './outcome.js';
import type { LegTarget } from './steps/step-context.js';
import { awaitConfirmation } from './steps/confirm.js';

/** Ring every target, the first 2xx winning; `timeout` in seconds (null: none). */
export function ring(core: CallCore, timeout: number | null, targets: readonly LegTarget[]): void {
  const index = core.stepIndex;
  const step = core.currentStep;
  if (step === undefined) throw new Error(`call ${core.id}: no step ${index} to ring`);
  core.enter('ringing');
  armStepTimer(core, timeout);
  core.sides.chooseFor(step, apart(core, targets));
  // All legs exist before any starts: a leg failing at once must see its siblings still live.
  startLegs(core, targets, (content) =>
    targets.map((t) => core.legs.create(index, core.maxForwards, t, content)),
  );
}

/**
 * Create the step's legs with the SDP its media mode calls for, and start them. Passthrough: the
 * caller's offer, unchanged (design §5). Otherwise the PBX's own offer from the callee session,
 * once the sessions are open; relaying for a caller not answered yet first answers its offer
 * (kept for the 183 and the 200), and a caller the PBX already answered hears ringback.
 */
function startLegs(
  core: CallCore,
  targets: readonly LegTarget[],
  make: (content: Content) => BLeg[],
): void {
  const { sides, media } = core;
  if (sides.legMedia === 'passthrough') {
    for (const leg of make(contentOf(core.invite.request))) leg.start();
    return;
  }
  const index = core.stepIndex;
  const anchored = sides.legMedia === 'anchored';
  core.settle(
    Promise.all([anchored ? media.openCaller() : null, media.openCallee()]),
    ([caller, callee]) => {
      if (core.state !== 'ringing' || core.stepIndex !== index) return;
      if (caller !== null) {
        if (sides.callerSdpFor(caller) === null) return;
        sides.callerHere = true;
      } else {
        // Design §4: the caller answered by the PBX hears the French ringback while it rings.
        core.settle(
          media.play([{ kind: 'ringback' }]),
          () => undefined,
          (error: unknown) => core.mediaFailed('ringback', error),
        );
      }
      // One offer for every fork: it names our address toward the first (the usual case: one).
      const [first] = targets;
      if (first !== undefined) callee.face(first.destination.address);
      const offer = Buffer.from(sides.negotiation('callee', callee).offer());
      for (const leg of make({ body: offer, contentType: 'application/sdp' })) leg.start();
    },
    (error: unknown) => core.mediaFailed('media ports', error),
  );
}

/**
 * Whether the caller and a target may not reach each other's media directly: they reach the PBX
 * on different addresses (two networks of the PBX's machine: nothing says one routes to the
 * other), or one is behind a NAT, whose private address the other cannot reach: the caller's
 * offer names a media address other than the one its SIP comes from, a target registered a
 * Contact other than its REGISTER's source (RFC 3581). The PBX then anchors their media, as 3CX
 * does for remote extensions; otherwise SDP passes phone to phone.
 */
function apart(core: CallCore, targets: readonly LegTarget[]): boolean {
  const caller = core.invite.source;
  const ours = core.signaling.addressFor(caller);
  if (differs(offeredAddress(core.invite.request), caller.address)) return true;
  return targets.some(
    (t) =>
      core.signaling.addressFor(t.destination) !== ours ||
      differs(parseSipUri(t.uri)?.host ?? null, t.destination.address),
  );
}

/** The media address of an INVITE's offer; null without one (or one we cannot read). */
function offeredAddress(invite: SipRequest): string | null {
  const { body } = contentOf(invite);
  if (body === undefined) return null;
  try {
    const remote = parseRemoteSdp(body.toString('utf8'));
    return remote.onHold ? null : remote.address;
  } catch {
    return null;
  }
}

/** An IP address written (Contact, c=) that is not the one the peer's packets come from. */
function differs(written: string | null, source: string): boolean {
  if (written === null || isIP(normalizeAddress(written)) === 0) return false;
  return normalizeAddress(written) !== normalizeAddress(source);
}

function armStepTimer(core: CallCore, seconds: number | null): void {
  if (seconds === null) return;
  const index = core.stepIndex;
  core.timers.set('step', seconds * 1000, () => {
    core.log(`step ${index}: no answer after ${seconds} s`);
    core.legs.cancel(index);
    core.stepFailed('no-answer');
  });
}

/** What the B-legs tell their call. */
export function legEvents(core: CallCore): LegEvents {
  const current = (leg: BLeg): boolean => core.state === 'ringing' && leg.step === core.stepIndex;
  return {
    provisional: (leg, response) => {
      if (current(leg)) provisional(core, response);
    },
    answered: (leg, side, response) => (current(leg) ? answered(core, leg, side, response) : false),
    failed: (leg, failure) => {
      if (current(leg)) failed(core, failure);
    },
    ended: (leg) => {
      core.legs.delete(leg);
      // Only a leg whose BYE we answered ends while answered; hangUp runs right after.
      if (leg === core.winner && core.state === 'answered') return;
      core.maybeReleased();
    },
  };
}

function provisional(core: CallCore, response: SipResponse): void {
  const { sides, callerLeg } = core;
  if (sides.legMedia === 'pbx-answered') return;
  if (sides.legMedia === 'anchored') {
    relayedProvisional(core, response);
    return;
  }
  const content = contentOf(response);
  if (
    content.body === undefined ||
    !callerLeg.earlyMedia(response.status, response.reason, content)
  ) {
    callerLeg.ringing();
  }
}

/**
 * A relayed leg's early media: its SDP answers our offer, the bridge starts, and the caller gets
 * a 183 with our own answer once (the same SDP its 200 will carry). A caller without an offer
 * of its own gets a 180 only: an offer in an unreliable 183 would be no valid exchange.
 */
function relayedProvisional(core: CallCore, response: SipResponse): void {
  const { sides, callerLeg } = core;
  const body = contentOf(response).body;
  const early = body !== undefined && sides.acceptCallee(body) && !callerLeg.lateOffer;
  if (early) {
    core.media.bridge();
    const sdp = sides.callerSdp;
    const content = { body: Buffer.from(sdp ?? ''), contentType: 'application/sdp' };
    if (sdp !== null && callerLeg.earlyMedia(183, 'Session Progress', content)) return;
  }
  callerLeg.ringing();
}

function answered(
  core: CallCore,
  leg: BLeg,
  side: Side,
  response: SipResponse,
): boolean | 'acknowledge' {
  const { sides } = core;
  if (sides.legMedia !== 'passthrough') {
    const body = contentOf(response).body;
    const usable = body === undefined ? sides.calleeStable : sides.acceptCallee(body);
    if (!usable) {
      // RFC 3261 §13.2.2.4: the leg ACKs and BYEs a 2xx we do not take; the step fails with it.
      core.log(`B-leg ${leg.id}: answer without usable SDP, dropped`);
      core.stepFailures.push('rejected');
      if (!core.legs.ringing(core.stepIndex, leg)) {
        core.stepFailed(combineFailures(core.stepFailures));
      }
      return false;
    }
  }
  core.timers.clear('step');
  const step = core.currentStep;
  if (step?.do === 'dial' && step.confirm === true && sides.legMedia !== 'passthrough') {
    // Issue 13 §4: answered is not yet accepted; the caller is joined only after the 1.
    awaitConfirmation(core, leg, step, () => connect(core, leg, side, response));
    return 'acknowledge';
  }
  return connect(core, leg, side, response);
}

/** The leg that answered (and accepted, when asked to) is joined to the caller. */
function connect(
  core: CallCore,
  leg: BLeg,
  side: Side,
  response: SipResponse,
): boolean | 'acknowledge' {
  const { sides, callerLeg } = core;
  core.connected(leg, side);
  if (sides.legMedia === 'passthrough') {
    const ok = callerLeg.respond(200, 'OK', contentOf(response));
    sides.newCallerSide().awaitAck(callerLeg.seq, core.invite, ok, (ack) => {
      const content = contentOf(ack);
      leg.acknowledge(content.body, content.contentType);
    });
  } else {
    sides.calleeHere = true;
    core.media.bridge();
    if (sides.legMedia === 'anchored') {
      // A relayed call is answered: 200 to the caller with our SDP (an offer when it made none).
      const sdp = sides.callerSdp;
      if (sdp === null) throw new Error('a relayed caller has our SDP before the answer');
      sides.okCallerWithSdp(sdp, () => undefined);
    }
  }
  core.reportAnswered(leg.target);
  // Our offer was in our INVITE and its answer in this 2xx: the ACK goes now, empty.
  return sides.legMedia === 'passthrough' ? true : 'acknowledge';
}

function failed(core: CallCore, failure: StepFailure): void {
  core.stepFailures.push(failure);
  if (!core.legs.ringing(core.stepIndex)) core.stepFailed(combineFailures(core.stepFailures));
}
