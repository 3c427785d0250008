/**
 * One call's error boundary. An error thrown by anything a call runs — its timers, the responses
 * and timeouts of the transactions it started, the requests routed to it, its media (RTP sessions
 * fail through `RtpSession.fail`, see caller-media.ts) — must end that call, logged, and never
 * reach the event loop, where an uncaught error ends the process and every other call with it.
 *
 * The router gives each call a `CallBoundary` as its scheduler and its signaling, and runs the
 * requests it routes to the call through `run`. The first error ends the call (`end`, the
 * session's `terminate`: 503 before the answer, BYEs after); later ones are only logged, so a
 * call whose ending itself fails cannot loop.
 */
import type { Scheduler, TimerHandle } from '../../sip/timers.js';
import type { ClientTx, ResponseHandlers, ServerTx, Signaling } from './ports.js';
import type { SipRequest, SipResponse } from '../../sip/message/index.js';
import type { Destination } from '../../sip/transport/types.js';

export class CallBoundary implements Scheduler, Signaling {
  private end: (() => void) | null = null;
  private faulted = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly signaling: Signaling,
    /** Logs an error of the call (the call's id is the caller's to add). */
    private readonly report: (error: unknown) => void,
  ) {}

  /** What ends the call; given once the call exists. */
  endWith(end: () => void): void {
    this.end = end;
  }

  /** Whether an error has ended the call. */
  get failed(): boolean {
    return this.faulted;
  }

  /** Run `fn` inside the boundary; true when it returned without throwing. */
  run(fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (error) {
      this.fault(error);
      return false;
    }
  }

  /** An error of the call: logged; the first one ends the call. */
  fault(error: unknown): void {
    this.report(error);
    if (this.faulted) return;
    this.faulted = true;
    const end = this.end;
    if (end === null) return;
    try {
      end();
    } catch (second) {
      this.report(second);
    }
  }

  // ---- Scheduler: the call's timers ----

  setTimer(ms: number, fn: () => void): TimerHandle {
    return this.scheduler.setTimer(ms, () => this.run(fn));
  }

  clear(handle: TimerHandle | undefined): void {
    this.scheduler.clear(handle);
  }

  now(): number {
    return this.scheduler.now();
  }

  get pending(): number {
    return this.scheduler.pending;
  }

  // ---- Signaling: the callbacks of the call's transactions ----

  sendRequest(request: SipRequest, destination: Destination, handlers: ResponseHandlers): ClientTx {
    return this.signaling.sendRequest(request, destination, {
      onResponse: (response) => this.run(() => handlers.onResponse(response)),
      onTimeout: () => this.run(() => handlers.onTimeout()),
      onTransportError: (error) => this.run(() => handlers.onTransportError(error)),
    });
  }

  respond(tx: ServerTx, response: SipResponse): void {
    this.signaling.respond(tx, response);
  }

  sendAck(ack: SipRequest, destination: Destination): void {
    this.signaling.sendAck(ack, destination);
  }

  localContact(peer: Destination): string {
    return this.signaling.localContact(peer);
  }

  addressFor(peer: Destination): string {
    return this.signaling.addressFor(peer);
  }
}
