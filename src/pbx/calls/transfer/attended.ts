/**
 * Attended transfer (RFC 5589 §7) through the B2BUA: the transferor R talks to A (this call) and
 * has consulted C (another call of the PBX); its REFER names C by `Refer-To: <…?Replaces=…>`, the
 * Replaces header (RFC 3891) naming R's dialog of the consultation. Both calls are the PBX's own,
 * so instead of having anybody send an INVITE with Replaces, the PBX joins them itself: R's
 * dialog in each call is hung up, A and C each stay alone in their call with their media brought
 * to the PBX (a re-INVITE where it went phone to phone), and the two RTP sessions are bridged.
 * From then on either call ending ends the other. R hears the progress on its REFER's implicit
 * subscription (NOTIFY sipfrag, RFC 3515 §2.4.5) and is hung up once A and C are joined.
 */
import type { Replaces } from '../../../sip/message/index.js';
import type { CallMedia } from '../caller-media.js';
import type { BlindTransfer } from './refer.js';

/** A party of a call, as the call session names its two sides. */
export type Party = 'caller' | 'callee';

/**
 * What a Replaces header names (RFC 3891 §3): `confirmed`, an answered call's dialog that may be
 * joined; `ringing`, the early dialog of a B-leg the PBX is ringing (it may be picked up);
 * `unanswered`, a caller's early dialog (not the PBX's to replace: 481); `engaged`, a confirmed
 * dialog of a call already being transferred or taken by the PBX's voice (486).
 */
export type NamedState = 'confirmed' | 'ringing' | 'unanswered' | 'engaged';

/** A call whose dialog a Replaces header names, and which of its parties that dialog is with. */
export interface NamedDialog {
  call: JoinableCall;
  party: Party;
  state: NamedState;
  /** That party's extension (or number), who must be the transferor. */
  by: string;
  /** The party on the other side of that call: the one A is joined to. */
  other: string;
}

/** What the join needs of a call (CallSession). */
export interface JoinableCall {
  readonly id: string;
  readonly media: CallMedia;
  live(): boolean;
  log(message: string): void;
  /**
   * Hang up `leaving` (at once, or by `transfer` once it is told the outcome) and keep the other
   * party alone in the call, joined to `partner` (either ending ends the other), its media at the
   * PBX; `ready` runs once it is. `answeredBy`: what the history says answered this call.
   */
  keepOnly(
    leaving: Party,
    transfer: BlindTransfer | null,
    partner: JoinableCall,
    answeredBy: string,
    ready: () => void,
  ): void;
  /**
   * Answer this call's caller (it was ringing) from the PBX, cancel its ringing legs, and join
   * it to `partner`; `ready` runs once the caller acknowledged. `by`: who picked the call up.
   */
  takeOver(partner: JoinableCall, by: string, ready: () => void): void;
  /** Answer this call's caller from the PBX and join it to `partner` (instead of a plan). */
  answerJoined(partner: JoinableCall, answeredBy: string, ready: () => void): void;
  /** The history: the call continues on a line of its own, transferred by `by` to `to`. */
  reportJoined(by: string, to: string): void;
  reportAnswered(answeredBy: string): void;
  /** Cancel a call still unanswered (487 to its caller, CANCEL to its legs). */
  abandon(): void;
  hangUp(by: 'pbx'): void;
}

/** Where a Replaces header leads: the router's search of its calls. */
export type DialogFinder = (replaces: Replaces) => NamedDialog | null;

/** Join this call's party other than `leaving` with the party `named` leaves alone. */
export function attend(
  here: JoinableCall,
  transfer: BlindTransfer,
  leaving: Party,
  named: NamedDialog,
): void {
  const there = named.call;
  const ready = bridgeWhenReady(here, there, () => {
    here.reportJoined(transfer.by, named.other);
    transfer.conclude(null);
  });
  here.keepOnly(leaving, transfer, there, named.other, ready);
  // The consultation's history keeps who answered it.
  const consulted = named.party === 'caller' ? named.other : named.by;
  there.keepOnly(named.party, null, here, consulted, ready);
}

/**
 * What each call runs once its party's media is at the PBX: the second one bridges the two (the
 * `owner` holds the bridge) and runs `done`.
 */
function bridgeWhenReady(owner: JoinableCall, other: JoinableCall, done: () => void): () => void {
  let waiting = 2;
  return () => {
    waiting--;
    if (waiting > 0 || !owner.live() || !other.live()) return;
    const session = other.media.caller;
    if (session === null) {
      owner.log('join: the other call has no media');
      owner.hangUp('pbx');
      return;
    }
    owner.media.bridgeTo(session);
    owner.log(`joined with call ${other.id}`);
    done();
  };
}

/**
 * An INVITE with Replaces (RFC 3891) naming an answered dialog of the PBX: the new caller
 * (`joiner`, whose call answers it) takes the named party's place: that party is hung up, the
 * other one is joined to the new caller.
 */
export function replaceParty(joiner: JoinableCall, by: string, named: NamedDialog): void {
  const there = named.call;
  const ready = bridgeWhenReady(joiner, there, () => there.reportJoined(named.by, by));
  there.keepOnly(named.party, null, joiner, by, ready);
  joiner.answerJoined(there, named.other, ready);
}

/**
 * Pickup: the new caller (`joiner`: an INVITE with Replaces naming a ringing leg, or a pickup
 * code) answers a ringing call in place of the phones it rang, which get CANCEL (RFC 3891 §3:
 * the early dialog the PBX initiated is cancelled).
 */
export function pickUp(
  joiner: JoinableCall,
  by: string,
  ringing: JoinableCall,
  caller: string,
): void {
  const ready = bridgeWhenReady(joiner, ringing, () => ringing.reportAnswered(by));
  ringing.takeOver(joiner, by, ready);
  joiner.answerJoined(ringing, caller, ready);
}
