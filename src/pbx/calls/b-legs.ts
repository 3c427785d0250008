/**
 * The B-legs of one call: each ringing step creates its legs here with their INVITE (one Call-ID
 * for the call, a From tag per leg, RFC 3261 §8.1.1), in-dialog requests from callees find their
 * leg here, and the call cancels them by step or all at once. The call keeps them until each
 * says it holds nothing (`LegEvents.ended`).
 */
import type { Dialog } from '../../sip/dialog/index.js';
import { Headers, createRequest, createTag } from '../../sip/message/index.js';
import type { SipRequest } from '../../sip/message/index.js';
import { BLeg } from './b-leg.js';
import type { LegContext, LegEvents } from './b-leg.js';
import { ALLOW } from './in-dialog-relay.js';
import { PBX_SUPPORTED as SUPPORTED } from '../allow.js';
import type { Content } from './in-dialog-relay.js';
import type { LegTarget } from './steps/step-context.js';
import type { DtmfDigit } from '../../media/telephone-event.js';

/** A leg answered but not yet accepted by the person who answered (steps/confirm.ts). */
export interface Confirmation {
  /** A digit the callee signalled in SIP INFO. */
  digit(digit: DtmfDigit): void;
  /** The callee hung up (its BYE already answered and its leg ended). */
  hungUp(): void;
  /** The call or the step moved on: the leg was BYE'd by `cancel`. */
  cancelled(): void;
}

export class BLegs {
  private readonly legs = new Map<string, BLeg>();
  private readonly confirming = new Map<BLeg, Confirmation>();
  private count = 0;

  constructor(
    /** The Call-ID of every B-leg of the call. */
    readonly callId: string,
    private readonly context: LegContext,
    private readonly events: LegEvents,
  ) {}

  get size(): number {
    return this.legs.size;
  }

  get all(): BLeg[] {
    return [...this.legs.values()];
  }

  /** Dialogs the legs still hold (early ones of forks included). */
  get dialogs(): number {
    let n = 0;
    for (const leg of this.legs.values()) n += leg.dialogCount;
    return n;
  }

  /**
   * A leg of plan step `step` to `t`, with `content` as its offer (none: a late offer), not started.
   * `maxForwards` is the caller's, already decremented.
   */
  create(step: number, maxForwards: number, t: LegTarget, content: Content): BLeg {
    const { target, uri, to, destination, presentation, extra } = t;
    const h = new Headers();
    h.append('Max-Forwards', String(maxForwards));
    h.append('From', `${presentation.from};tag=${createTag()}`);
    h.append('To', to);
    h.append('Call-ID', this.callId);
    h.append('CSeq', '1 INVITE');
    h.append('Contact', `<${this.context.signaling.localContact(destination)}>`);
    h.append('Allow', ALLOW);
    h.append('Supported', SUPPORTED);
    for (const [name, value] of presentation.headers) h.append(name, value);
    for (const [name, value] of extra) h.append(name, value);
    const invite = createRequest('INVITE', uri, h);
    const { body, contentType } = content;
    if (body !== undefined) {
      h.append('Content-Type', contentType ?? 'application/sdp');
      invite.body = body;
    }
    this.count++;
    const leg = new BLeg(
      `b${this.count}`,
      target,
      step,
      invite,
      destination,
      this.context,
      this.events,
    );
    this.legs.set(leg.id, leg);
    return leg;
  }

  /** The leg and dialog an in-dialog request from a callee belongs to. */
  find(request: SipRequest): { leg: BLeg; dialog: Dialog } | undefined {
    for (const leg of this.legs.values()) {
      const dialog = leg.dialogFor(request);
      if (dialog !== undefined) return { leg, dialog };
    }
    return undefined;
  }

  /** A leg of `step` other than `except` may still answer. */
  ringing(step: number, except?: BLeg): boolean {
    for (const leg of this.legs.values()) {
      if (leg !== except && leg.step === step && leg.live) return true;
    }
    return false;
  }

  /**
   * Stop ringing: the legs of `step` (every step when undefined), except `keep`. A leg answered
   * but still awaiting its confirmation gets a BYE.
   */
  cancel(step?: number, keep?: BLeg): void {
    for (const leg of this.legs.values()) {
      if (leg === keep || (step !== undefined && leg.step !== step)) continue;
      const confirmation = this.confirming.get(leg);
      if (confirmation === undefined) {
        leg.cancel();
        continue;
      }
      this.confirming.delete(leg);
      leg.hangUp();
      confirmation.cancelled();
    }
  }

  /** `leg` answered and waits for the callee to accept the call. */
  awaitConfirmation(leg: BLeg, confirmation: Confirmation): void {
    this.confirming.set(leg, confirmation);
  }

  confirmationOf(leg: BLeg): Confirmation | undefined {
    return this.confirming.get(leg);
  }

  /** Accepted, refused or given up: the leg is an ordinary one again. */
  endConfirmation(leg: BLeg): void {
    this.confirming.delete(leg);
  }

  /** The leg holds nothing any more. */
  delete(leg: BLeg): void {
    this.confirming.delete(leg);
    this.legs.delete(leg.id);
  }
}
