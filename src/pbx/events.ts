/**
 * Live events shared in one process by the PBX and the API: what changed. The web client
 * refreshes without reloading; the PBX tells the phones (message-waiting) whichever side changed
 * a mailbox.
 */
import type { Status } from '../domain/types.js';

export type LiveEvent =
  | { type: 'voicemail'; extension: string }
  | { type: 'status'; extension: string; status: Status }
  | { type: 'directory' }
  /** An admin asked for voicemail e-mails to be tried again now. */
  | { type: 'mail' };

export type LiveListener = (event: LiveEvent) => void;

export class EventBus {
  private readonly listeners = new Set<LiveListener>();

  /** Calls every listener; one that throws does not keep the event from the others. */
  emit(event: LiveEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own (a closed socket): the others still get the event.
      }
    }
  }

  /** Returns the function that stops listening. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get size(): number {
    return this.listeners.size;
  }
}
