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

/** A call whose dialog a Replaces header names, and which of its parties that dialog is with. */
export interface NamedDialog {
  call: JoinableCall;
  party: Party;
  /** The dialog is confirmed (answered); an early one cannot be joined. */
  confirmed: boolean;
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
  /** The history: the call continues on a line of its own, transferred by `by` to `to`. */
  reportJoined(by: string, to: string): void;
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
  let waiting = 2;
  const ready = (): void => {
    waiting--;
    if (waiting > 0 || !here.live() || !there.live()) return;
    const session = there.media.caller;
    if (session === null) {
      here.log('attended transfer: the other call has no media to join');
      here.hangUp('pbx');
      return;
    }
    here.media.bridgeTo(session);
    here.log(`joined with call ${there.id}`);
    here.reportJoined(transfer.by, named.other);
    transfer.conclude(null);
  };
  here.keepOnly(leaving, transfer, there, named.other, ready);
  // The consultation's history keeps who answered it.
  const consulted = named.party === 'caller' ? named.other : named.by;
  there.keepOnly(named.party, null, here, consulted, ready);
}
