/**
 * The registrar's binding logic (RFC 3261 §10.3), pure: the current bindings of one address of
 * record and a REGISTER go in, the new bindings or the error response come out. Storage and the
 * SIP transaction are the caller's.
 *
 * Decisions:
 * - A binding is identified by its contact URI (RFC 3261 §19.1.4 equality) or, when the contact
 *   carries `+sip.instance`, by instance and reg-id (RFC 5626 §6, RFC 5627 §7.1.2), so that a phone
 *   that comes back from another address or port replaces its old binding instead of adding one.
 * - When a REGISTER would take an AOR above `maxBindingsPerAor`, the least recently refreshed
 *   bindings of other registrations are evicted to make room (reported in `removed`), as Asterisk's
 *   remove_existing does: refusing would lock a user's real phone out for up to an hour behind
 *   bindings left by a phone that changed address. A single REGISTER carrying more contacts
 *   than the limit is refused with 403.
 * - Expired bindings are dropped silently; `removed` lists what the request removed or evicted.
 */
import type { TransportProtocol } from '../../sip/transport/types.js';
import {
  contactExpires,
  contactQ,
  paramValue,
  parseUri,
  uriEquals,
} from '../../sip/message/index.js';
import type { NameAddr, Uri } from '../../sip/message/index.js';

export interface BindingSource {
  /** Transport the REGISTER arrived on: calls to the binding go back the same way. */
  protocol: TransportProtocol;
  address: string;
  port: number;
}

export interface Binding {
  aor: string;
  /** Contact URI as the UA wrote it. */
  contact: string;
  /** Epoch ms. */
  expiresAt: number;
  q: number | null;
  callId: string;
  cseq: number;
  /** `+sip.instance`, unquoted (RFC 5626 §4.1). */
  instanceId: string | null;
  regId: number | null;
  /** Where the REGISTER came from, to reach a UA behind NAT. */
  source: BindingSource;
  userAgent: string | null;
  /** Epoch ms of the REGISTER that last created or refreshed this binding. */
  updatedAt: number;
}

/** One Contact of a REGISTER, its parameters already read. */
export interface RegisterContact {
  uri: string;
  /** The `expires` parameter, seconds. */
  expires?: number;
  q?: number;
  instanceId?: string;
  regId?: number;
}

export interface RegisterRequest {
  aor: string;
  /** Empty for a query (RFC 3261 §10.2.3); `'*'` for the wildcard (§10.2.2). */
  contacts: readonly (RegisterContact | '*')[];
  /** The Expires header, seconds. */
  expiresHeader?: number;
  callId: string;
  cseq: number;
  source: BindingSource;
  userAgent?: string;
}

export interface RegistrarPolicy {
  minExpires: number;
  maxExpires: number;
  /** Used when neither the contact nor the request says how long (RFC 3261 §10.3 step 7). */
  defaultExpires: number;
  maxBindingsPerAor: number;
}

export const DEFAULT_REGISTRAR_POLICY: RegistrarPolicy = {
  minExpires: 60,
  maxExpires: 3600,
  defaultExpires: 3600,
  maxBindingsPerAor: 10,
};

export type RegisterResult =
  /** `bindings`: every active binding of the AOR after the request, to list in the 200. */
  | { status: 200; bindings: Binding[]; removed: Binding[] }
  /** Interval too brief: answer with Min-Expires (RFC 3261 §10.3 step 7, §20.23). */
  | { status: 423; minExpires: number }
  | { status: 400; reason: string }
  | { status: 403; reason: string }
  /** Out of order: same Call-ID, CSeq not higher (RFC 3261 §10.3 steps 6 and 7). */
  | { status: 500; reason: string };

/**
 * Reads the Contact values of a REGISTER (from getContacts) into RegisterContacts; null when a
 * contact's URI does not parse.
 */
export function registerContacts(
  contacts: readonly (NameAddr | '*')[],
): (RegisterContact | '*')[] | null {
  const out: (RegisterContact | '*')[] = [];
  for (const contact of contacts) {
    if (contact === '*') {
      out.push('*');
      continue;
    }
    if (parseUri(contact.uri) === null) return null;
    const rc: RegisterContact = { uri: contact.uri };
    const expires = contactExpires(contact);
    if (expires !== undefined) rc.expires = expires;
    const q = contactQ(contact);
    if (q !== undefined) rc.q = q;
    const instance = paramValue(contact.params, '+sip.instance');
    if (typeof instance === 'string' && instance !== '') {
      rc.instanceId = instance;
      // RFC 5626 §6: reg-id without +sip.instance is ignored.
      const regId = contact.params.get('reg-id');
      if (typeof regId === 'string' && /^[1-9]\d{0,9}$/.test(regId)) rc.regId = Number(regId);
    }
    out.push(rc);
  }
  return out;
}

/** Bindings not yet expired at `now`. */
export function activeBindings(bindings: readonly Binding[], now: number): Binding[] {
  return bindings.filter((b) => b.expiresAt > now);
}

/** The earliest expiry among `bindings` (epoch ms), to schedule the next purge; null if none. */
export function nextExpiry(bindings: readonly Binding[]): number | null {
  let next: number | null = null;
  for (const b of bindings) if (next === null || b.expiresAt < next) next = b.expiresAt;
  return next;
}

/** Seconds left, rounded up so that a live binding never shows 0. */
export function remainingSeconds(binding: Binding, now: number): number {
  return Math.max(0, Math.ceil((binding.expiresAt - now) / 1000));
}

/** Contact header values of a 200 to REGISTER (RFC 3261 §10.3 step 8), each with its expires. */
export function contactHeaderValues(bindings: readonly Binding[], now: number): string[] {
  return bindings.map((b) => {
    let value = `<${b.contact}>;expires=${remainingSeconds(b, now)}`;
    if (b.q !== null) value += `;q=${b.q}`;
    if (b.instanceId !== null)
      value += `;+sip.instance="${b.instanceId.replace(/["\\]/g, '\\$&')}"`;
    if (b.regId !== null) value += `;reg-id=${b.regId}`;
    return value;
  });
}

/** Forking order: highest q first (absent counts as 1, RFC 3261 §16.6), then most recent. */
function byPreference(a: Binding, b: Binding): number {
  return (b.q ?? 1) - (a.q ?? 1) || b.updatedAt - a.updatedAt;
}

function sameBinding(binding: Binding, parsed: Uri, contact: RegisterContact): boolean {
  // RFC 5626 §6: between two instances, the key is the instance with its reg-id, not the URI.
  if (contact.instanceId !== undefined && binding.instanceId !== null) {
    return contact.instanceId === binding.instanceId && (contact.regId ?? null) === binding.regId;
  }
  if (binding.contact === contact.uri) return true;
  const other = parseUri(binding.contact);
  return other !== null && uriEquals(parsed, other);
}

/** Applies a REGISTER to the current bindings of its AOR (RFC 3261 §10.3 steps 6 to 8). */
export function applyRegister(
  current: readonly Binding[],
  request: RegisterRequest,
  now: number,
  policy: RegistrarPolicy = DEFAULT_REGISTRAR_POLICY,
): RegisterResult {
  const live = activeBindings(current, now);
  // RFC 3261 §10.3 step 6: no Contact is a query; the current bindings are returned unchanged.
  if (request.contacts.length === 0) {
    return { status: 200, bindings: live.sort(byPreference), removed: [] };
  }

  if (request.contacts.includes('*')) {
    // RFC 3261 §10.3 step 6: "*" must be alone and come with Expires: 0.
    if (request.contacts.length !== 1) return { status: 400, reason: 'Contact * with others' };
    if (request.expiresHeader !== 0) return { status: 400, reason: 'Contact * needs Expires: 0' };
    for (const b of live) {
      if (b.callId === request.callId && request.cseq <= b.cseq) {
        return { status: 500, reason: 'Out of order CSeq' };
      }
    }
    return { status: 200, bindings: [], removed: live };
  }

  const contacts = request.contacts.filter((c): c is RegisterContact => c !== '*');
  if (contacts.length > policy.maxBindingsPerAor) {
    return { status: 403, reason: 'Too many contacts' };
  }

  const bindings = [...live];
  const removed: Binding[] = [];
  const touched = new Set<Binding>();
  for (const contact of contacts) {
    const parsed = parseUri(contact.uri);
    if (parsed === null) return { status: 400, reason: 'Bad Contact URI' };
    // RFC 3261 §10.3 step 7: the contact's expires parameter, else the Expires header, else ours.
    const requested = contact.expires ?? request.expiresHeader ?? policy.defaultExpires;
    // RFC 3261 §10.3 step 7: 423 only for a non-zero interval below one hour and below our minimum.
    if (requested > 0 && requested < 3600 && requested < policy.minExpires) {
      return { status: 423, minExpires: policy.minExpires };
    }
    const index = bindings.findIndex((b) => sameBinding(b, parsed, contact));
    const existing = index >= 0 ? bindings[index] : undefined;
    // RFC 3261 §10.3 step 7: for the same Call-ID, only a higher CSeq may change a binding. A
    // contact listed twice in this request is not compared with itself.
    if (
      existing !== undefined &&
      !touched.has(existing) &&
      existing.callId === request.callId &&
      request.cseq <= existing.cseq
    ) {
      return { status: 500, reason: 'Out of order CSeq' };
    }
    if (requested === 0) {
      if (existing !== undefined) {
        bindings.splice(index, 1);
        if (!touched.has(existing)) removed.push(existing);
      }
      continue;
    }
    const binding: Binding = {
      aor: request.aor,
      contact: contact.uri,
      // RFC 3261 §10.3 step 7: the registrar may shorten the interval, never lengthen it.
      expiresAt: now + Math.min(requested, policy.maxExpires) * 1000,
      q: contact.q ?? null,
      callId: request.callId,
      cseq: request.cseq,
      instanceId: contact.instanceId ?? null,
      regId: contact.regId ?? null,
      source: { ...request.source },
      userAgent: request.userAgent ?? null,
      updatedAt: now,
    };
    if (existing !== undefined) bindings[index] = binding;
    else bindings.push(binding);
    touched.add(binding);
  }

  if (bindings.length > policy.maxBindingsPerAor) {
    const evictable = bindings
      .filter((b) => !touched.has(b))
      .sort((a, b) => a.updatedAt - b.updatedAt || a.expiresAt - b.expiresAt)
      .slice(0, bindings.length - policy.maxBindingsPerAor);
    for (const b of evictable) {
      bindings.splice(bindings.indexOf(b), 1);
      removed.push(b);
    }
  }
  // RFC 3261 §10.3 step 8: all updates of the request are returned together, or none (the early
  // returns above leave `current` untouched).
  return { status: 200, bindings: bindings.sort(byPreference), removed };
}
