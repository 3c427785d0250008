/**
 * The bodies of the `dialog` and `presence` NOTIFYs: RFC 4235 dialog-info and RFC 3863 PIDF with
 * RFC 4480 (RPID) activities. Pure text building; every value written is escaped.
 */
import type { Status } from '../../domain/types.js';

export const DIALOG_INFO_TYPE = 'application/dialog-info+xml';
export const PIDF_TYPE = 'application/pidf+xml';

/** RFC 4235 §4.1.2 states the PBX reports (trying and proceeding are folded into early). */
export type LineState = 'early' | 'confirmed' | 'terminated';

/** A party of a dialog as RFC 4235 §4.1.6 describes it. */
export interface Party {
  identity: string;
  display?: string | null;
}

/** One dialog of the watched extension. */
export interface Line {
  /** Stable for the life of the dialog: the NOTIFYs about it name it alike. */
  id: string;
  callId: string;
  state: LineState;
  /** RFC 4235 §4.1.1: initiator when the extension called, recipient when it is called. */
  direction: 'initiator' | 'recipient';
  local: Party;
  remote: Party;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function party(tag: 'local' | 'remote', p: Party): string {
  const display =
    p.display === undefined || p.display === null || p.display === ''
      ? ''
      : ` display="${escapeXml(p.display)}"`;
  return (
    `<${tag}><identity${display}>${escapeXml(p.identity)}</identity>` +
    `<target uri="${escapeXml(p.identity)}"/></${tag}>`
  );
}

/**
 * RFC 4235 §4.1: the full state of `entity` (state="full"): no dialog element means idle.
 * `version` counts the NOTIFYs of this subscription, from 0.
 */
export function dialogInfoXml(entity: string, version: number, lines: readonly Line[]): string {
  const dialogs = lines.map(
    (line) =>
      `  <dialog id="${escapeXml(line.id)}" call-id="${escapeXml(line.callId)}"` +
      ` direction="${line.direction}">\n` +
      `    <state>${line.state}</state>\n` +
      `    ${party('local', line.local)}\n` +
      `    ${party('remote', line.remote)}\n` +
      `  </dialog>\n`,
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}"` +
    ` state="full" entity="${escapeXml(entity)}">\n` +
    dialogs.join('') +
    '</dialog-info>\n'
  );
}

/**
 * How each status reads on a phone. RFC 3863 §4.1.4: `closed` means the user cannot be reached,
 * which is what Do Not Disturb asks for; the others still ring (their exceptions decide), so
 * they stay `open` with an RFC 4480 §3.2 activity saying why the user may not pick up.
 */
const STATUS_PRESENCE: Readonly<
  Record<Status, { basic: 'open' | 'closed'; activity: string | null }>
> = {
  available: { basic: 'open', activity: null },
  away: { basic: 'open', activity: 'away' },
  dnd: { basic: 'closed', activity: 'busy' },
  lunch: { basic: 'open', activity: 'meal' },
  'business-trip': { basic: 'open', activity: 'travel' },
};

export interface PresenceState {
  status: Status;
  /** The status as the user reads it in the web client, in the extension's language. */
  note: string;
  /** In a call now: RFC 4480's on-the-phone, beside the status's own activity. */
  onThePhone: boolean;
}

/** RFC 3863 PIDF for `entity`, with the RFC 4479 person carrying RFC 4480 activities. */
export function pidfXml(entity: string, state: PresenceState): string {
  const { basic, activity } = STATUS_PRESENCE[state.status];
  const activities = [activity, state.onThePhone ? 'on-the-phone' : null].filter(
    (a): a is string => a !== null,
  );
  const user = entity.replace(/^sips?:/, '').split('@')[0] ?? entity;
  const person =
    activities.length === 0
      ? ''
      : `  <dm:person id="p-${escapeXml(user)}">\n` +
        `    <rpid:activities>${activities.map((a) => `<rpid:${a}/>`).join('')}</rpid:activities>\n` +
        `  </dm:person>\n`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<presence xmlns="urn:ietf:params:xml:ns:pidf"' +
    ' xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"' +
    ' xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"' +
    ` entity="${escapeXml(entity)}">\n` +
    `  <tuple id="t-${escapeXml(user)}">\n` +
    `    <status><basic>${basic}</basic></status>\n` +
    `    <contact>${escapeXml(entity)}</contact>\n` +
    `    <note>${escapeXml(state.note)}</note>\n` +
    '  </tuple>\n' +
    person +
    '</presence>\n'
  );
}
