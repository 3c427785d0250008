/**
 * The dialogs a UA holds, found by their identifiers (RFC 3261 §12.2.2 for requests, §12.1.2 for
 * responses): one INVITE forked downstream may create several dialogs, one per To tag.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import { dialogKey, requestDialogId, responseDialogId } from './dialog.js';
import type { Dialog } from './dialog.js';

export class DialogSet implements Iterable<Dialog> {
  private readonly dialogs = new Map<string, Dialog>();

  get size(): number {
    return this.dialogs.size;
  }

  add(dialog: Dialog): void {
    if (this.dialogs.has(dialog.key)) throw new Error(`dialog ${dialog.key} already exists`);
    this.dialogs.set(dialog.key, dialog);
  }

  delete(dialog: Dialog): boolean {
    return this.dialogs.get(dialog.key) === dialog && this.dialogs.delete(dialog.key);
  }

  /** The dialog of a request received from the peer: its To tag is ours. */
  forRequest(request: SipRequest): Dialog | undefined {
    const id = requestDialogId(request);
    return id === null ? undefined : this.dialogs.get(dialogKey(id));
  }

  /** The dialog of a response to a request we sent: its From tag is ours. */
  forResponse(response: SipResponse): Dialog | undefined {
    const id = responseDialogId(response);
    return id === null ? undefined : this.dialogs.get(dialogKey(id));
  }

  [Symbol.iterator](): IterableIterator<Dialog> {
    return this.dialogs.values();
  }
}
