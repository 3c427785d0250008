/**
 * Forwards to a mobile or external number (issue 13 §4, §5): which identity the called party sees
 * (per exception, else per trunk), whether the answering person must confirm, how a trunk that only
 * accepts its own numbers is protected. Read from and written to the directory document here, so
 * that document.ts only calls in.
 */
import { at } from './problem-path.js';
import type {
  Action,
  Caller,
  DialPresentation,
  Directory,
  ForwardOptions,
  PresentCallerId,
  Trunk,
} from './types.js';
import { PRESENT_CALLER_IDS } from './types.js';

type Obj = Record<string, unknown>;

/** The Reader's methods these options use (document.ts's Reader fits). */
interface OptionReader {
  boolean(value: unknown, path: string, fallback: boolean): boolean;
  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T): T;
}

/** The document keys of a forward's options. */
export const FORWARD_OPTION_KEYS = ['presentCallerId', 'confirm'] as const;

/** The keys a trunk gains. */
export const TRUNK_CALLER_ID_KEYS = ['presentCallerId', 'ownNumbersOnly'] as const;

export function readForwardOptions(r: OptionReader, obj: Obj, path: string): ForwardOptions {
  const options: ForwardOptions = {};
  if (obj.presentCallerId !== undefined) {
    const key = at(path, 'presentCallerId');
    const value = r.oneOf(obj.presentCallerId, key, PRESENT_CALLER_IDS, 'caller');
    if (value === obj.presentCallerId) options.presentCallerId = value;
  }
  if (r.boolean(obj.confirm, at(path, 'confirm'), false)) options.confirm = true;
  return options;
}

/** The options as the document writes them: only what differs from the default. */
export function forwardOptionsDocument(options: ForwardOptions): ForwardOptions {
  const doc: ForwardOptions = {};
  if (options.presentCallerId !== undefined) doc.presentCallerId = options.presentCallerId;
  if (options.confirm === true) doc.confirm = true;
  return doc;
}

export function readTrunkCallerId(
  r: OptionReader,
  obj: Obj,
  path: string,
): Pick<Trunk, 'presentCallerId' | 'ownNumbersOnly'> {
  const fields: Pick<Trunk, 'presentCallerId' | 'ownNumbersOnly'> = {};
  if (obj.presentCallerId !== undefined) {
    const key = at(path, 'presentCallerId');
    const value = r.oneOf(obj.presentCallerId, key, PRESENT_CALLER_IDS, 'caller');
    if (value !== 'caller') fields.presentCallerId = value;
  }
  if (r.boolean(obj.ownNumbersOnly, at(path, 'ownNumbersOnly'), false)) {
    fields.ownNumbersOnly = true;
  }
  return fields;
}

export function trunkCallerIdDocument(
  trunk: Trunk,
): Pick<Trunk, 'presentCallerId' | 'ownNumbersOnly'> {
  const doc: Pick<Trunk, 'presentCallerId' | 'ownNumbersOnly'> = {};
  if (trunk.presentCallerId !== undefined && trunk.presentCallerId !== 'caller') {
    doc.presentCallerId = trunk.presentCallerId;
  }
  if (trunk.ownNumbersOnly === true) doc.ownNumbersOnly = true;
  return doc;
}

/** The trunk forwards go out through (the trunk dialler's choice). */
export function forwardTrunk(directory: Directory): Trunk | null {
  return directory.trunks[0] ?? null;
}

/**
 * What a forward presents: the exception's choice; else private for a bounce (design §4: the
 * mobile sees a private number); else the trunk's setting; else the caller's number.
 */
export function forwardPresentation(
  action: Extract<Action, { type: 'mobile' | 'external' }>,
  trunk: Trunk | null,
): DialPresentation {
  const chosen: PresentCallerId =
    action.presentCallerId ?? (action.bounce ? 'private' : (trunk?.presentCallerId ?? 'caller'));
  return chosen === 'private' ? 'anonymous' : chosen;
}

/** The trunk's number for `extension` (an inbound number that rings it), else the company's. */
function ownNumber(trunk: Trunk, extension: string | undefined): string | null {
  const inbound = Object.entries(trunk.inbound);
  const own = inbound.find(([, target]) => target === extension) ?? inbound[0];
  return own?.[0] ?? null;
}

/** The company's number: the trunk's first inbound number. */
function companyNumber(trunk: Trunk): string | null {
  return Object.keys(trunk.inbound)[0] ?? null;
}

/**
 * The number (canonical E.164) a call through `trunk` presents, or null when it presents none.
 * An outside caller shows its own number; an extension calling out shows its outbound number.
 */
export function presentedNumber(
  presentation: DialPresentation,
  caller: Caller,
  extension: string | undefined,
  trunk: Trunk,
): string | null {
  switch (presentation) {
    case 'anonymous':
      return null;
    case 'company':
      return companyNumber(trunk);
    case 'extension':
      return ownNumber(trunk, extension);
    case 'caller':
      if (caller.kind === 'external') {
        return caller.e164 !== null && caller.e164.startsWith('+') ? caller.e164 : null;
      }
      return caller.kind === 'internal' ? ownNumber(trunk, caller.extension) : null;
  }
}

/**
 * The number P-Asserted-Identity carries (RFC 3325 §9.1) toward a trusted trunk: the presented
 * one; for a private presentation the caller's, kept from the called party by Privacy: id — or,
 * to a trunk that only accepts its own numbers, the company's (the extension's when the step
 * names its extension).
 */
export function assertedNumber(
  presentation: DialPresentation,
  caller: Caller,
  extension: string | undefined,
  trunk: Trunk,
): string | null {
  if (presentation !== 'anonymous') return presentedNumber(presentation, caller, extension, trunk);
  if (trunk.ownNumbersOnly === true) return ownNumber(trunk, extension);
  return presentedNumber('caller', caller, extension, trunk);
}

/**
 * Whether a forward with `action` would give `trunk`, which only accepts its own numbers, a number
 * that is not one of them (the caller's). A caller who is an extension shows a number of the trunk.
 */
export function presentsForeignNumber(
  action: Extract<Action, { type: 'mobile' | 'external' }>,
  trunk: Trunk | null,
): boolean {
  return trunk?.ownNumbersOnly === true && forwardPresentation(action, trunk) === 'caller';
}
