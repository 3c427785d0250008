/**
 * Who the callee sees calling: the From of a B-leg INVITE and, toward trunks, RFC 3323 privacy and
 * RFC 3325 asserted identity.
 */
import type { Caller, DialPresentation } from '../../domain/types.js';
import { formatNameAddr } from '../../sip/message/index.js';
import type { TrunkRoute } from './ports.js';

/** RFC 3323 §4.1.1.3: the From of a request whose identity is withheld. */
export const ANONYMOUS_FROM = '"Anonymous" <sip:anonymous@anonymous.invalid>';

export interface Presentation {
  /** From header value without its tag. */
  from: string;
  headers: [string, string][];
}

function nameAddr(displayName: string | null, uri: string): string {
  return formatNameAddr(
    displayName === null || displayName === ''
      ? { uri, params: new Map() }
      : { displayName, uri, params: new Map() },
  );
}

// RFC 3323 §4.2: Privacy: id asks that the network keep the asserted identity to itself.
const WITHHELD: Presentation = { from: ANONYMOUS_FROM, headers: [['Privacy', 'id']] };

/** The user part a phone shows for the caller: extension, E.164 number or digits as received. */
export function callerUser(caller: Caller): string | null {
  switch (caller.kind) {
    case 'internal':
      return caller.extension;
    case 'external':
      return caller.e164 ?? (caller.digits === '' ? null : caller.digits);
    case 'anonymous':
      return null;
  }
}

/** Toward one of our phones: the caller's number and name, unless the caller withheld them. */
export function internalPresentation(
  caller: Caller,
  callerName: string | null,
  domain: string,
): Presentation {
  const user = callerUser(caller);
  if (user === null) return WITHHELD;
  return { from: nameAddr(callerName, `sip:${user}@${domain}`), headers: [] };
}

/**
 * Toward a trunk. `anonymous` (the bounce of design §4, a private number) or nothing to present (a
 * withheld caller shown as the caller): From anonymous and Privacy: id. The company's or an
 * extension's number carries no caller name: it is not the caller's. RFC 3325 §5: the identity
 * goes in P-Asserted-Identity only toward a trusted trunk, which keeps it from the called party;
 * an untrusted trunk never learns it.
 */
export function trunkPresentation(
  callerName: string | null,
  presentation: DialPresentation,
  route: TrunkRoute,
): Presentation {
  const user = route.callerUser;
  const name = route.companyIdentity === true ? null : callerName;
  const asserted =
    route.trusted && user !== null ? nameAddr(name, `sip:${user}@${route.fromHost}`) : null;
  const hidden = presentation === 'anonymous' || user === null;
  const headers: [string, string][] = hidden ? [...WITHHELD.headers] : [];
  if (asserted !== null) headers.push(['P-Asserted-Identity', asserted]);
  return {
    from: hidden ? ANONYMOUS_FROM : nameAddr(name, `sip:${user}@${route.fromHost}`),
    headers,
  };
}

/** RFC 3323 §4.2: a Privacy header asking for `id` (or the stronger `header`/`user`) privacy. */
export function privacyRequested(values: readonly string[]): boolean {
  return values
    .flatMap((v) => v.split(';'))
    .map((v) => v.trim().toLowerCase())
    .some((v) => v === 'id' || v === 'header' || v === 'user');
}
