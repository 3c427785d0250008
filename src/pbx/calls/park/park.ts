/**
 * Call park and retrieve (issue 10 §4). A blind transfer (REFER, RFC 3515) to `*0` parks the
 * transferee: it takes the lowest free slot of the lot, its media comes to the PBX (as an
 * attended transfer's party's does) and it hears the music on hold while it waits. Any
 * authenticated extension dialling `*1` + slot retrieves it: the new caller is answered by the
 * PBX and bridged to it, as a pickup is. Not retrieved within the lot's timeout, it rings its
 * parker back (as a failed blind transfer returns to its transferor); nobody answering, it ends.
 *
 * The parker learns the slot as FreePBX's parker does, then is hung up: FreePBX says the slot to
 * the parker before hanging up on it; here the REFER's final NOTIFY (RFC 3515 §2.4.5) carries it in
 * its reason phrase, `200 Parked *11`, which phones show on the transfer's result. A full lot
 * fails the transfer with `503`, and the parker stays in its call, as any failed transfer leaves it.
 */
import type { Caller, Decision } from '../../../domain/types.js';
import type { CallCore } from '../call-core.js';
import { partyOf } from '../dialog-requests.js';
import { reply } from '../local-answers.js';
import { playHoldMusic } from '../music-on-hold.js';
import type { OwnedTimers } from '../owned-timers.js';
import type { ServerTx } from '../ports.js';
import { bridgeWhenReady } from '../transfer/attended.js';
import type { JoinableCall } from '../transfer/attended.js';
import { BlindTransfer } from '../transfer/refer.js';
import type { Transferor } from '../transfer/refer.js';
import type { ParkLot } from './park-lot.js';
import { PARK_CODE, RETRIEVE_PREFIX } from './park-lot.js';

/** What the park needs of a call beside the join's (CallSession). */
export interface ParkableCall extends JoinableCall {
  readonly caller: Caller;
  readonly timers: OwnedTimers;
  reportLine(decision: Decision, by: string): void;
  rejoin(partner: JoinableCall, answeredBy: string): void;
  follow(decision: Decision): void;
}

/** A call in the lot. */
export interface ParkedCall {
  call: ParkableCall;
  /** The extension (or number) that parked it. */
  by: string;
  slot: number;
  /** Its party is at the PBX hearing music: it may be retrieved. */
  waiting: boolean;
}

/** The router's lot, and how a parked call returns to its parker. */
export interface Parking {
  readonly lot: ParkLot<ParkedCall>;
  readonly timeoutMs: number;
  /** The plan that rings `parker` back; null when it is no extension (the call ends). */
  ringBack(parker: string): Decision | null;
}

const line = (to: string, trace: Decision['trace'], plan: Decision['plan'] = []): Decision => ({
  to,
  exception: null,
  action: null,
  plan,
  trace,
});

/** A REFER to `*0` from `transferor`: accepted, and the other party parked. */
export function park(core: CallCore, transferor: Transferor, parking: Parking, tx: ServerTx): void {
  const by = transferor.by;
  reply(core.signaling, tx, 202, 'Accepted');
  const transfer = new BlindTransfer(core, transferor, PARK_CODE, null);
  transfer.progress(100, 'Trying');
  const entry: ParkedCall = { call: core, by, slot: 0, waiting: false };
  const slot = parking.lot.park(entry);
  if (slot === null) {
    core.log(`park by ${by}: all ${parking.lot.size} slots taken`);
    transfer.fail(503, 'Service Unavailable');
    return;
  }
  entry.slot = slot;
  core.log(`parked by ${by} in slot ${slot}`);
  const parked = { code: 'parked' as const, extension: by, target: String(slot) };
  core.keepOnly(transferor.leg === null ? 'caller' : 'callee', transfer, null, by, () => {
    const session = core.media.caller;
    if (!core.live() || parking.lot.peek(slot) !== entry || session === null) {
      parking.lot.release((c) => c === entry);
      return;
    }
    entry.waiting = true;
    core.reportLine(line(`${PARK_CODE}`, [parked]), by);
    transfer.succeed(`Parked ${RETRIEVE_PREFIX}${slot}`);
    playHoldMusic(core, session, () => entry.waiting);
    core.timers.set('park', parking.timeoutMs, () => {
      if (parking.lot.peek(slot) !== entry) return;
      parking.lot.take(slot);
      entry.waiting = false;
      core.media.stopPlayback();
      const back = parking.ringBack(by);
      core.log(`not retrieved from slot ${slot}: ${back === null ? 'ended' : `ringing ${by}`}`);
      if (back === null) {
        core.hangUp('pbx');
        return;
      }
      const decision = { ...back, trace: [parked, ...back.trace] };
      core.reportLine(decision, by);
      core.follow(decision);
    });
  });
}

/**
 * `*1` + slot dialled by extension `by`: the call parked there, if one waits, is taken out of the
 * lot and joined to the new caller (`joiner`, which the PBX answers); none: undefined.
 */
export function retrievable(parking: Parking, slot: number): ParkedCall | undefined {
  const entry = parking.lot.peek(slot);
  return entry?.waiting === true && entry.call.live() ? entry : undefined;
}

export function retrieve(
  joiner: JoinableCall,
  by: string,
  parking: Parking,
  entry: ParkedCall,
): void {
  const parked = entry.call;
  parking.lot.take(entry.slot);
  entry.waiting = false;
  parked.timers.clear('park');
  parked.media.stopPlayback();
  const trace = [
    { code: 'parked' as const, extension: entry.by, target: String(entry.slot) },
    { code: 'retrieved' as const, extension: by, target: String(entry.slot) },
  ];
  const ready = bridgeWhenReady(joiner, parked, () => {
    parked.reportLine(line(by, trace), entry.by);
    parked.reportAnswered(by);
  });
  parked.rejoin(joiner, by);
  joiner.log(`retrieving call ${parked.id} from slot ${entry.slot}`);
  joiner.answerJoined(parked, partyOf(parked.caller), ready);
  // The parked party's media is at the PBX already.
  ready();
}
