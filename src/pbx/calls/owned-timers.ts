/** Named timers owned by one call: each name at most once, all cleared when the call ends. */
import type { Scheduler, TimerHandle } from '../../sip/timers.js';

export class OwnedTimers {
  private readonly handles = new Map<string, TimerHandle>();

  constructor(private readonly scheduler: Scheduler) {}

  get size(): number {
    return this.handles.size;
  }

  has(name: string): boolean {
    return this.handles.has(name);
  }

  /** Arm `name`, replacing a pending timer of that name. */
  set(name: string, ms: number, fn: () => void): void {
    this.clear(name);
    const handle = this.scheduler.setTimer(ms, () => {
      this.handles.delete(name);
      fn();
    });
    this.handles.set(name, handle);
  }

  clear(name: string): void {
    this.scheduler.clear(this.handles.get(name));
    this.handles.delete(name);
  }

  clearAll(): void {
    for (const handle of this.handles.values()) this.scheduler.clear(handle);
    this.handles.clear();
  }
}
