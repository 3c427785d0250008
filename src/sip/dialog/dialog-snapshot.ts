/**
 * A confirmed dialog kept across a crash: its state as plain data (JSON), and the dialog rebuilt
 * from it in another process, so that the PBX started again can end with a BYE a call its
 * predecessor left up (issue 15 §5). The snapshot may be seconds old: requests sent in the dialog
 * since then raised our CSeq, so the rebuilt dialog's next request skips ahead by a margin
 * (RFC 3261 §12.2.1.1 asks for a higher number, not the next one).
 */
import { formatNameAddr, parseNameAddr } from '../message/index.js';
import { Dialog, DialogError } from './dialog.js';
import type { DialogInit } from './dialog.js';

export interface DialogSnapshot {
  role: 'uac' | 'uas';
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From and To without their tags, as written in requests. */
  local: string;
  remote: string;
  localSeq: number | null;
  remoteTarget: string;
  routeSet: string[];
  secure: boolean;
  localContact: string;
}

/** More than a call sends in its dialog between two snapshots (re-INVITEs, INFO, NOTIFY). */
export const SEQ_MARGIN = 1000;

export function snapshotDialog(dialog: Dialog): DialogSnapshot {
  const init = dialog.init();
  return {
    role: init.role,
    callId: init.id.callId,
    localTag: init.id.localTag,
    remoteTag: init.id.remoteTag,
    local: formatNameAddr(init.local),
    remote: formatNameAddr(init.remote),
    localSeq: init.localSeq,
    remoteTarget: init.remoteTarget,
    routeSet: init.routeSet,
    secure: init.secure,
    localContact: init.localContact,
  };
}

/**
 * The confirmed dialog `snapshot` describes, its CSeq `SEQ_MARGIN` ahead. `snapshot` is read back
 * from storage: any field that is not what `snapshotDialog` writes throws a `DialogError`.
 */
export function restoreDialog(snapshot: unknown): Dialog {
  const s = snapshot as Partial<Record<keyof DialogSnapshot, unknown>> | null;
  if (typeof s !== 'object' || s === null) throw new DialogError('snapshot is not an object');
  const text = (name: keyof DialogSnapshot): string => {
    const value = s[name];
    if (typeof value !== 'string' || value === '') throw new DialogError(`snapshot ${name}`);
    return value;
  };
  const party = (name: 'local' | 'remote') => {
    const parsed = parseNameAddr(text(name));
    if (parsed === null) throw new DialogError(`snapshot ${name}`);
    return parsed;
  };
  const role = s.role;
  if (role !== 'uac' && role !== 'uas') throw new DialogError('snapshot role');
  const seq = s.localSeq;
  if (seq !== null && !(Number.isInteger(seq) && typeof seq === 'number' && seq >= 0)) {
    throw new DialogError('snapshot localSeq');
  }
  const routes = s.routeSet;
  if (!Array.isArray(routes) || !routes.every((r) => typeof r === 'string')) {
    throw new DialogError('snapshot routeSet');
  }
  const init: DialogInit = {
    role,
    id: { callId: text('callId'), localTag: text('localTag'), remoteTag: text('remoteTag') },
    state: 'confirmed',
    local: party('local'),
    remote: party('remote'),
    localSeq: (seq ?? 0) + SEQ_MARGIN,
    remoteSeq: null,
    remoteTarget: text('remoteTarget'),
    routeSet: routes as string[],
    secure: s.secure === true,
    localContact: text('localContact'),
  };
  return new Dialog(init);
}
