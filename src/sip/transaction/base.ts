/** What the four transactions share: a state machine, named timers and termination. */
import type { TimerHandle } from '../timers.js';
import { LingeringTransaction } from './lingering.js';
import type { Resend } from './lingering.js';
import { StateMachine } from '../../shared/state-machine.js';
import type { TransactionContext, TransactionKind } from './types.js';

export abstract class TransactionBase<S extends string> {
  abstract readonly kind: TransactionKind;
  protected readonly fsm: StateMachine<S | 'Terminated'>;
  private readonly timers = new Map<string, TimerHandle>();
  /** Set once the wait for Timer D, J or K has been handed to a small record (see `linger`). */
  protected lingering: LingeringTransaction | undefined;

  protected constructor(
    readonly key: string,
    protected readonly ctx: TransactionContext,
    name: string,
    initial: S,
    table: Readonly<Record<S | 'Terminated', readonly (S | 'Terminated')[]>>,
  ) {
    this.fsm = new StateMachine<S | 'Terminated'>(name, initial, table);
  }

  get state(): S | 'Terminated' {
    return this.lingering?.terminated === true ? 'Terminated' : this.fsm.state;
  }

  get terminated(): boolean {
    return this.state === 'Terminated';
  }

  /** Number of this transaction's timers still pending. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** The TU gives up on the transaction: Terminated without any callback. */
  terminate(): void {
    if (this.lingering !== undefined && !this.lingering.terminated) this.lingering.terminate();
    else this.go('Terminated');
  }

  protected go(to: S | 'Terminated'): void {
    this.fsm.transition(to);
    if (to !== 'Trying' && to !== 'Proceeding') this.ctx.settled(this);
    if (to !== 'Terminated') return;
    if (this.lingering !== undefined) {
      this.lingering.terminate();
      return;
    }
    for (const handle of this.timers.values()) this.ctx.scheduler.clear(handle);
    this.timers.clear();
    this.ctx.onTerminated(this);
  }

  protected arm(name: string, ms: number, fn: () => void): void {
    this.disarm(name);
    const handle = this.ctx.scheduler.setTimer(ms, () => {
      this.timers.delete(name);
      if (!this.terminated) fn();
    });
    this.timers.set(name, handle);
  }

  protected disarm(name: string): void {
    this.ctx.scheduler.clear(this.timers.get(name));
    this.timers.delete(name);
  }

  /** A wait time of 0 (reliable transports) means "now", not "on the next tick". */
  protected terminateAfter(name: string, ms: number): void {
    if (ms <= 0) this.go('Terminated');
    else this.arm(name, ms, () => this.go('Terminated'));
  }

  /**
   * Wait `ms` (Timer D, J or K) before Terminated, keeping only `resend` for retransmissions: the
   * layer's map and the timer then hold a LingeringTransaction instead of this object, so that
   * the request, the TU's callbacks and whatever they reach (a whole call) are not kept alive for
   * the wait. This object still reports the state (Terminated once the record ends) to its TU.
   */
  protected linger(ms: number, resend: Resend): void {
    if (ms <= 0) {
      this.go('Terminated');
      return;
    }
    for (const handle of this.timers.values()) this.ctx.scheduler.clear(handle);
    this.timers.clear();
    this.lingering = new LingeringTransaction(this.key, this.kind, resend, this.ctx, ms);
    this.ctx.linger(this, this.lingering);
  }

  /** Run a TU callback; its exceptions are reported, never allowed to break the state machine. */
  protected tell(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.ctx.reportError(e);
    }
  }
}
