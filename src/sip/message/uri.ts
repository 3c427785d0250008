/**
 * SIP and SIPS URIs (RFC 3261 §19.1, grammar §25.1). Components are kept as written (escapes
 * included) so that a parsed URI formats back to the same text; `uriUser` decodes for lookups and
 * `uriEquals` applies the comparison rules of §19.1.4. Any other scheme (tel:, http:, urn:…) is kept
 * as an opaque absolute URI.
 */
import { normalizeEscapes, parsePort, percentDecode, percentEncode } from './syntax.js';

export interface SipUri {
  readonly kind: 'sip';
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** As written; an IPv6 reference keeps its brackets ("[2001:db8::1]"). */
  host: string;
  port?: number;
  /** uri-parameters by decoded lower-case name; null for a parameter without value (`;lr`). */
  params: Map<string, string | null>;
  headers: Map<string, string>;
}

export interface AbsoluteUri {
  readonly kind: 'absolute';
  /** Lower case. */
  scheme: string;
  /** Everything after the first colon, as written. */
  value: string;
}

export type Uri = SipUri | AbsoluteUri;

function charTable(extra: string): Uint8Array {
  const t = new Uint8Array(128);
  const all = `${extra}-_.!~*'()%`;
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (let i = 0; i < all.length; i++) t[all.charCodeAt(i)] = 1;
  return t;
}

// RFC 3261 §25.1: user-unreserved, password, paramchar, hnv-unreserved (all plus unreserved/escaped).
const USER = charTable('&=+$,;?/');
const PASSWORD = charTable('&=+$,');
const PARAM = charTable('[]/:&+$');
const HEADER = charTable('[]/?:+$');

/** `s` uses only characters of `t`, and every `%` starts a well-formed escape. */
function allowed(s: string, t: Uint8Array, emptyOk = false): boolean {
  if (s.length === 0) return emptyOk;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] !== 1) return false;
    if (c === 0x25) {
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
      i += 2;
    }
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** RFC 3261 §25.1 host: hostname / IPv4address / IPv6reference. */
export function isValidHost(host: string): boolean {
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || host.length < 4) return false;
    for (let i = 1; i < host.length - 1; i++) {
      const c = host.charCodeAt(i);
      if (!isHex(c) && c !== 0x3a && c !== 0x2e) return false;
    }
    return host.includes(':');
  }
  if (host.length === 0 || host.length > 255) return false;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    // Letters, digits, '-' and '.'; '_' too, which real deployments put in host names.
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    const ok = letter || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f;
    if (!ok) return false;
  }
  return !host.startsWith('.') && !host.includes('..');
}

function isValidScheme(s: string): boolean {
  if (s.length === 0) return false;
  const first = s.charCodeAt(0);
  if (!((first >= 0x61 && first <= 0x7a) || (first >= 0x41 && first <= 0x5a))) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
    if (!alnum && c !== 0x2b && c !== 0x2d && c !== 0x2e) return false;
  }
  return true;
}

/** Index of the first of `stops` at or after `from`, or `s.length`. */
function findAny(s: string, from: number, stops: string): number {
  for (let i = from; i < s.length; i++) if (stops.includes(s[i] ?? '')) return i;
  return s.length;
}

export function parseUri(text: string): Uri | null {
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text);
  if (!isValidScheme(scheme)) return null;
  const value = text.slice(colon + 1);
  if (value.length === 0) return null;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // RFC 3261 §25.1 absoluteURI: uric characters; reject what can never appear unescaped.
    if (c <= 0x20 || c >= 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return null;
  }
  return { kind: 'absolute', scheme, value };
}

export function parseSipUri(text: string): SipUri | null {
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') return null;
  const uri: SipUri = { kind: 'sip', scheme, host: '', params: new Map(), headers: new Map() };
  let i = colon + 1;
  // RFC 3261 §25.1: neither host, parameters nor headers may hold an unescaped '@', so the first
  // one ends the userinfo even when the user part contains ';' or '?'.
  const at = text.indexOf('@', i);
  if (at >= 0) {
    const userinfo = text.slice(i, at);
    const pc = userinfo.indexOf(':');
    const user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (!allowed(user, USER)) return null;
    uri.user = user;
    if (pc >= 0) {
      const password = userinfo.slice(pc + 1);
      if (!allowed(password, PASSWORD, true)) return null;
      uri.password = password;
    }
    i = at + 1;
  }
  let hostEnd: number;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0) return null;
    hostEnd = close + 1;
  } else {
    hostEnd = findAny(text, i, ':;?');
  }
  uri.host = text.slice(i, hostEnd);
  if (!isValidHost(uri.host)) return null;
  i = hostEnd;
  if (text.charCodeAt(i) === 0x3a) {
    const portEnd = findAny(text, i + 1, ';?');
    const port = text.slice(i + 1, portEnd);
    const number = parsePort(port);
    if (number === null) return null;
    uri.port = number;
    i = portEnd;
  }
  while (text.charCodeAt(i) === 0x3b) {
    const end = findAny(text, i + 1, ';?');
    const param = text.slice(i + 1, end);
    const eq = param.indexOf('=');
    const rawName = eq < 0 ? param : param.slice(0, eq);
    const value = eq < 0 ? null : param.slice(eq + 1);
    if (!allowed(rawName, PARAM) || (value !== null && !allowed(value, PARAM))) return null;
    const name = (percentDecode(rawName) ?? rawName).toLowerCase();
    // RFC 3261 §19.1.1: a uri-parameter name must not appear more than once.
    if (uri.params.has(name)) return null;
    uri.params.set(name, value);
    i = end;
  }
  if (text.charCodeAt(i) === 0x3f) {
    for (const h of text.slice(i + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq < 0) return null;
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      if (!allowed(name, HEADER) || !allowed(value, HEADER, true)) return null;
      uri.headers.set(name, value);
    }
    i = text.length;
  }
  return i === text.length ? uri : null;
}

export function formatUri(uri: Uri): string {
  if (uri.kind === 'absolute') return `${uri.scheme}:${uri.value}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += uri.user;
    if (uri.password !== undefined) out += `:${uri.password}`;
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  for (const [name, value] of uri.params) {
    out += `;${percentEncode(name, '[]/:&+$')}`;
    if (value !== null) out += `=${value}`;
  }
  let sep = '?';
  for (const [name, value] of uri.headers) {
    out += `${sep}${name}=${value}`;
    sep = '&';
  }
  return out;
}

/** The user part with escapes decoded ("%75ser" → "user"), for registrar and dial-plan lookups. */
export function uriUser(uri: SipUri): string | undefined {
  return uri.user === undefined ? undefined : (percentDecode(uri.user) ?? uri.user);
}

/** Decoded value of a uri-parameter or header, undefined when absent, null for a flag. */
export function uriParam(uri: SipUri, name: string): string | null | undefined {
  const v = uri.params.get(name.toLowerCase());
  return v === undefined || v === null ? v : (percentDecode(v) ?? v);
}

function sameEscaped(a: string | undefined, b: string | undefined, caseless: boolean): boolean {
  if (a === undefined || b === undefined) return a === b;
  const na = normalizeEscapes(a) ?? a;
  const nb = normalizeEscapes(b) ?? b;
  return caseless ? na.toLowerCase() === nb.toLowerCase() : na === nb;
}

// RFC 3261 §19.1.4: these parameters must appear in both URIs or in neither.
const SIGNIFICANT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** URI equality as defined by RFC 3261 §19.1.4. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind === 'absolute' || b.kind === 'absolute') {
    if (a.kind !== 'absolute' || b.kind !== 'absolute') return false;
    return a.scheme === b.scheme && sameEscaped(a.value, b.value, false);
  }
  if (a.scheme !== b.scheme) return false;
  // Userinfo is case-sensitive; everything else is compared case-insensitively.
  if (!sameEscaped(a.user, b.user, false) || !sameEscaped(a.password, b.password, false)) {
    return false;
  }
  if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
  for (const name of SIGNIFICANT_PARAMS) {
    if (a.params.has(name) !== b.params.has(name)) return false;
  }
  for (const [name, va] of a.params) {
    if (!b.params.has(name)) continue;
    const vb = b.params.get(name);
    if (va === null || vb === null || vb === undefined) {
      if (va !== vb) return false;
    } else if (!sameEscaped(va, vb, true)) {
      return false;
    }
  }
  // Header components are never ignored: each must be present in both and match.
  if (a.headers.size !== b.headers.size) return false;
  const bHeaders = new Map<string, string>();
  for (const [n, v] of b.headers) bHeaders.set(n.toLowerCase(), v);
  for (const [n, v] of a.headers) {
    const other = bHeaders.get(n.toLowerCase());
    if (other === undefined || !sameEscaped(v, other, true)) return false;
  }
  return true;
}
