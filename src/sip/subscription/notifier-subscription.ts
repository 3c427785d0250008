/**
 * One subscription on the notifier's side (RFC 6665 §4.2): the dialog its SUBSCRIBE formed, how
 * long it lasts, and the NOTIFYs it sends. An explicit state machine:
 *
 *   active ──► terminated      (expiry, un-SUBSCRIBE, a failed NOTIFY, the notifier closing)
 *
 * Decisions:
 * - One NOTIFY at a time: a change while one awaits its answer is remembered, and once that one is
 *   answered a single NOTIFY carries the state as it is then (RFC 6665 §4.2.2 orders NOTIFYs by
 *   CSeq; sending the latest state rather than every step keeps a burst of changes bounded).
 * - The body is built when the NOTIFY leaves (`content`), never queued: a package's version
 *   counter (RFC 4235 §4.1) moves once per NOTIFY sent.
 * - A NOTIFY answered with anything but 2xx, or not answered at all (Timer F), or that the
 *   transport cannot carry, ends the subscription without another NOTIFY (RFC 6665 §4.2.2: a 481
 *   means the subscriber has forgotten it; the others leave nobody worth telling).
 * - Expiry and un-SUBSCRIBE send a last NOTIFY with `Subscription-State: terminated` and its
 *   reason (RFC 6665 §4.2.1.2, §4.1.3), after the answer to one still in flight.
 */
import { StateMachine } from '../../shared/state-machine.js';
import type { Dialog } from '../dialog/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Scheduler, TimerHandle } from '../timers.js';
import type { Destination } from '../transport/types.js';

export type NotifierState = 'active' | 'terminated';

const TRANSITIONS: Readonly<Record<NotifierState, readonly NotifierState[]>> = {
  active: ['terminated'],
  terminated: [],
};

/** RFC 6665 §4.1.3 reasons the notifier gives. */
export type TerminationReason = 'timeout' | 'deactivated' | 'noresource' | 'rejected';

export interface NotifyContent {
  contentType: string;
  body: string;
}

/** How a subscription sends its NOTIFYs: the SIP stack's client transactions fit. */
export interface NotifySender {
  sendRequest(
    request: SipRequest,
    destination: Destination,
    handlers: {
      onResponse(response: SipResponse): void;
      onTimeout(): void;
      onTransportError(error: Error): void;
    },
  ): unknown;
}

export interface NotifierSubscriptionInit {
  /** The Event header value of every NOTIFY (the package, with the SUBSCRIBE's id if any). */
  event: string;
  dialog: Dialog;
  destination: Destination;
  /** Granted duration; more than 0. */
  seconds: number;
  scheduler: Scheduler;
  sender: NotifySender;
  /** The state to send, built as the NOTIFY leaves. */
  content: (final: boolean) => NotifyContent;
  /** Told once, when the subscription has ended, and why. */
  onEnded: (why: string) => void;
}

export class NotifierSubscription {
  private readonly fsm = new StateMachine<NotifierState>('subscription', 'active', TRANSITIONS);
  private expiresAt: number;
  private timer: TimerHandle | undefined;
  private inFlight = false;
  private pending = false;
  /** The last NOTIFY, held until the one in flight is answered: they arrive in order. */
  private finalState: string | undefined;
  private destinationValue: Destination;

  constructor(private readonly init: NotifierSubscriptionInit) {
    this.destinationValue = init.destination;
    this.expiresAt = init.scheduler.now() + init.seconds * 1000;
    this.arm(init.seconds);
  }

  get state(): NotifierState {
    return this.fsm.state;
  }

  get dialog(): Dialog {
    return this.init.dialog;
  }

  /** A NOTIFY awaits its answer. */
  get notifying(): boolean {
    return this.inFlight;
  }

  /** Milliseconds on the scheduler's clock when it expires unless refreshed. */
  get expiry(): number {
    return this.expiresAt;
  }

  /** Tell the subscriber the current state (RFC 6665 §4.2.2). */
  notify(): void {
    if (this.state !== 'active') return;
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.pending = false;
    this.send(false, 'active', (ok, why) => {
      this.inFlight = false;
      const final = this.finalState;
      if (final !== undefined) {
        this.finalState = undefined;
        // Nobody answered that one: nobody would read the last one either.
        if (ok) this.send(true, final, () => undefined);
        return;
      }
      if (!ok) {
        this.end(`NOTIFY failed: ${why}`);
        return;
      }
      if (this.pending) this.notify();
    });
  }

  /**
   * A SUBSCRIBE in the dialog (RFC 6665 §4.2.1.2): a new duration, and the subscriber's target
   * refreshed; 0 ends the subscription with a last NOTIFY. Otherwise a NOTIFY follows at once.
   */
  refresh(seconds: number, destination: Destination): void {
    if (this.state !== 'active') return;
    this.destinationValue = destination;
    if (seconds === 0) {
      this.terminate('timeout', 'unsubscribed');
      return;
    }
    this.init.scheduler.clear(this.timer);
    this.expiresAt = this.init.scheduler.now() + seconds * 1000;
    this.arm(seconds);
    this.notify();
  }

  /** End with a last NOTIFY saying `terminated;reason=…`. */
  terminate(reason: TerminationReason, why: string = reason): void {
    if (this.state !== 'active') return;
    this.end(why);
    const state = `terminated;reason=${reason}`;
    if (this.inFlight) this.finalState = state;
    else this.send(true, state, () => undefined);
  }

  /** End without telling the subscriber (the notifier is going away). */
  drop(why: string): void {
    if (this.state === 'active') this.end(why);
  }

  private end(why: string): void {
    this.fsm.transition('terminated');
    this.init.scheduler.clear(this.timer);
    this.timer = undefined;
    this.pending = false;
    this.init.onEnded(why);
  }

  private arm(seconds: number): void {
    this.timer = this.init.scheduler.setTimer(seconds * 1000, () => {
      this.timer = undefined;
      this.terminate('timeout', 'expired');
    });
  }

  private send(final: boolean, state: string, done: (ok: boolean, why: string) => void): void {
    const remaining = Math.max(0, Math.ceil((this.expiresAt - this.init.scheduler.now()) / 1000));
    const { contentType, body } = this.init.content(final);
    const request = this.init.dialog.createRequest('NOTIFY', {
      headers: [
        ['Event', this.init.event],
        ['Subscription-State', final ? state : `${state};expires=${remaining}`],
      ],
      body: Buffer.from(body),
      contentType,
    });
    if (!final) this.inFlight = true;
    try {
      this.init.sender.sendRequest(request, this.destinationValue, {
        onResponse: (response) => {
          if (response.status >= 200) done(response.status < 300, `answered ${response.status}`);
        },
        onTimeout: () => done(false, 'no answer'),
        onTransportError: (error) => done(false, error.message),
      });
    } catch (error) {
      done(false, (error as Error).message);
    }
  }
}
