/**
 * Structured views of the header fields the transaction, proxy and auth layers read (RFC 3261 §20,
 * grammar §25.1). Parsers return null for a malformed value instead of throwing. The `get*`
 * accessors parse on first use and cache the result on the message's `Headers` until that header
 * changes; treat what they return as read-only.
 */
import type { SipMessage } from './types.js';
import {
  Scanner,
  isDigits,
  isToken,
  isWord,
  isWs,
  parseBoundedInt,
  parsePort,
  quote,
  splitList,
  trimWs,
} from './syntax.js';
import { isValidHost, parseUri } from './uri.js';

export type Params = Map<string, string | null>;

// RFC 3261 §8.1.1.7: a branch starting with this cookie was built by an RFC 3261 element.
export const MAGIC_COOKIE = 'z9hG4bK';

const MAX_U32 = 2 ** 32 - 1;

export interface Via {
  protocol: string;
  version: string;
  /** Upper case: UDP, TCP, TLS, SCTP, WS, WSS or any other token. */
  transport: string;
  /** As written; an IPv6 reference keeps its brackets. */
  host: string;
  port?: number;
  /** Lower-case names; values as written (quotes kept), null for a flag such as `rport`. */
  params: Params;
  branch?: string;
  received?: string;
  /** RFC 3581: null when `rport` is present without a value (the client asks for it). */
  rport?: number | null;
}

export interface NameAddr {
  /** Unquoted and unescaped. */
  displayName?: string;
  /** URI text as written, without the angle brackets. */
  uri: string;
  /** Lower-case names; values as written (quotes kept), null for a flag. */
  params: Params;
  tag?: string;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** Parameters of a parameter-list header value (`;name=value;flag`), or null if malformed. */
function readParams(s: Scanner, params: Params, listSep: boolean): boolean {
  for (;;) {
    if (!s.sep(0x3b)) break;
    const name = s.token();
    if (!name) return false;
    let value: string | null = null;
    if (s.sep(0x3d)) {
      if (s.peek() === 0x22) {
        const start = s.pos;
        if (s.quoted() === null) return false;
        value = s.s.slice(start, s.pos);
      } else {
        value = s.until(listSep ? ';,' : ';');
        if (!value) return false;
      }
    }
    params.set(name.toLowerCase(), value);
  }
  s.skipWs();
  return s.eof();
}

/** One Via value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=…;received=…;rport`. */
export function parseVia(value: string): Via | null {
  const s = new Scanner(value);
  s.skipWs();
  const protocol = s.token();
  if (!protocol || !s.sep(0x2f)) return null;
  const version = s.token();
  if (!version || !s.sep(0x2f)) return null;
  const transport = s.token();
  if (!transport || !isWs(s.peek())) return null;
  s.skipWs();
  let host: string;
  if (s.peek() === 0x5b) {
    const close = value.indexOf(']', s.pos);
    if (close < 0) return null;
    host = value.slice(s.pos, close + 1);
    s.pos = close + 1;
  } else {
    host = s.until(':;,');
  }
  if (!isValidHost(host)) return null;
  const via: Via = {
    protocol: protocol.toUpperCase(),
    version,
    transport: transport.toUpperCase(),
    host,
    params: new Map(),
  };
  if (s.sep(0x3a)) {
    const port = parsePort(s.token());
    if (port === null) return null;
    via.port = port;
  }
  if (!readParams(s, via.params, true)) return null;
  const branch = via.params.get('branch');
  if (branch === null) return null;
  if (branch !== undefined) via.branch = branch;
  const received = via.params.get('received');
  if (received === null) return null;
  if (received !== undefined) via.received = received;
  if (via.params.has('rport')) {
    const rport = via.params.get('rport');
    if (rport === null || rport === undefined) via.rport = null;
    else {
      const n = parsePort(rport);
      if (n === null) return null;
      via.rport = n;
    }
  }
  return via;
}

export function formatVia(via: Via): string {
  let out = `${via.protocol}/${via.version}/${via.transport} ${via.host}`;
  if (via.port !== undefined) out += `:${via.port}`;
  return out + formatParams(via.params);
}

/** A branch created by an RFC 3261 element: the magic cookie followed by a unique part (§17.2.3). */
export function isRfc3261Branch(branch: string | undefined): boolean {
  return (
    branch !== undefined && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE)
  );
}

function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

function isDisplayTokens(text: string): boolean {
  let i = 0;
  let seen = false;
  while (i < text.length) {
    while (i < text.length && isWs(text.charCodeAt(i))) i++;
    const start = i;
    while (i < text.length && !isWs(text.charCodeAt(i))) i++;
    if (i > start) {
      if (!isToken(text.slice(start, i))) return false;
      seen = true;
    }
  }
  return seen;
}

/**
 * A name-addr or addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39: From, To,
 * Contact, Route, Record-Route…). Unbracketed URIs end at the first ';' and must not contain ',' or
 * '?' (§20.10); spaces inside `<…>` are rejected (RFC 4475 §3.1.2.14).
 */
export function parseNameAddr(value: string): NameAddr | null {
  const s = new Scanner(value);
  s.skipWs();
  let displayName: string | undefined;
  let bracketed = false;
  if (s.peek() === 0x22) {
    const q = s.quoted();
    if (q === null) return null;
    displayName = q;
    s.skipWs();
    if (s.peek() !== 0x3c) return null;
    bracketed = true;
  } else if (s.peek() === 0x3c) {
    bracketed = true;
  } else {
    const lt = value.indexOf('<', s.pos);
    if (lt > 0 && isDisplayTokens(value.slice(s.pos, lt))) {
      displayName = trimWs(value.slice(s.pos, lt))
        .split(/[ \t]+/)
        .join(' ');
      s.pos = lt;
      bracketed = true;
    }
  }
  let uri: string;
  if (bracketed) {
    const gt = value.indexOf('>', s.pos);
    if (gt < 0) return null;
    uri = value.slice(s.pos + 1, gt);
    s.pos = gt + 1;
  } else {
    uri = s.until(';');
    if (uri.includes(',') || uri.includes('?')) return null;
  }
  if (parseUri(uri) === null) return null;
  const na: NameAddr = { uri, params: new Map() };
  if (displayName !== undefined) na.displayName = displayName;
  if (!readParams(s, na.params, false)) return null;
  const tag = na.params.get('tag');
  if (tag === null) return null;
  if (tag !== undefined) na.tag = tag;
  return na;
}

export function formatNameAddr(na: NameAddr): string {
  const name = na.displayName !== undefined ? `${quote(na.displayName)} ` : '';
  return `${name}<${na.uri}>${formatParams(na.params)}`;
}

/** A Contact value: `*` (RFC 3261 §10.2.2, REGISTER removing all bindings) or a name-addr. */
export function parseContact(value: string): NameAddr | '*' | null {
  return trimWs(value) === '*' ? '*' : parseNameAddr(value);
}

/** Decoded value of a header parameter: quoted-strings unescaped. */
export function paramValue(params: Params, name: string): string | null | undefined {
  const v = params.get(name.toLowerCase());
  if (v === null || v === undefined || !v.startsWith('"')) return v;
  return new Scanner(v).quoted() ?? v;
}

/** Contact `expires` parameter in seconds (RFC 3261 §20.10), undefined if absent or invalid. */
export function contactExpires(contact: NameAddr): number | undefined {
  const v = contact.params.get('expires');
  return typeof v === 'string' ? (parseBoundedInt(v, MAX_U32) ?? undefined) : undefined;
}

/** Contact `q` parameter (RFC 3261 §20.10: 0 to 1 with up to three decimals). */
export function contactQ(contact: NameAddr): number | undefined {
  const v = contact.params.get('q');
  if (typeof v !== 'string') return undefined;
  const dot = v.indexOf('.');
  const int = dot < 0 ? v : v.slice(0, dot);
  const frac = dot < 0 ? '' : v.slice(dot + 1);
  if ((int !== '0' && int !== '1') || frac.length > 3 || (frac && !isDigits(frac)))
    return undefined;
  const q = Number(v);
  return q <= 1 ? q : undefined;
}

/** CSeq (RFC 3261 §20.16): sequence number below 2**31 (§8.1.1.5) and a method token. */
export function parseCSeq(value: string): CSeq | null {
  const s = new Scanner(value);
  s.skipWs();
  const digits = s.until('');
  const seq = parseBoundedInt(digits, 2 ** 31 - 1);
  if (seq === null || !isWs(s.peek())) return null;
  s.skipWs();
  const method = s.token();
  s.skipWs();
  return method && s.eof() ? { seq, method } : null;
}

/** Max-Forwards (RFC 3261 §20.22): 0 to 255 (RFC 4475 §3.1.2.4). */
export function parseMaxForwards(value: string): number | null {
  return parseBoundedInt(trimWs(value), 255);
}

/** Content-Length (RFC 3261 §20.14); bounded so that a huge value cannot overflow arithmetic. */
export function parseContentLength(value: string): number | null {
  return parseBoundedInt(trimWs(value), 0x7fffffff);
}

/** Expires and other delta-seconds values: 0 to 2**32-1 (RFC 3261 §20.19). */
export function parseDeltaSeconds(value: string): number | null {
  return parseBoundedInt(trimWs(value), MAX_U32);
}

/** Call-ID (RFC 3261 §20.8): word ["@" word]. */
export function isValidCallId(value: string): boolean {
  const at = value.indexOf('@');
  if (at < 0) return isWord(value);
  return isWord(value.slice(0, at)) && isWord(value.slice(at + 1));
}

export interface AuthHeader {
  scheme: string;
  /** Lower-case names; quoted-string values unescaped. */
  params: Map<string, string>;
}

/**
 * A challenge or credentials value (RFC 3261 §25.1, RFC 7616/8760): `scheme name=value, …` where a
 * value is a token or a quoted-string. Never comma-split by the parser: the commas separate params.
 */
export function parseAuthHeader(value: string): AuthHeader | null {
  const s = new Scanner(value);
  s.skipWs();
  const scheme = s.token();
  if (!scheme) return null;
  const auth: AuthHeader = { scheme, params: new Map() };
  s.skipWs();
  if (s.eof()) return auth;
  for (;;) {
    const name = s.token();
    if (!name || !s.sep(0x3d)) return null;
    let v: string | null;
    if (s.peek() === 0x22) v = s.quoted();
    else {
      v = s.until(',');
      if (!v) v = null;
    }
    if (v === null) return null;
    auth.params.set(name.toLowerCase(), v);
    if (!s.sep(0x2c)) break;
  }
  s.skipWs();
  return s.eof() ? auth : null;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** Upper case as registered: MD5, SHA-256, their -sess variants (RFC 8760). */
  algorithm: string;
  /** qop-options, e.g. ["auth", "auth-int"]; empty when absent. */
  qop: string[];
  stale: boolean;
  params: Map<string, string>;
}

/** WWW-Authenticate / Proxy-Authenticate with the Digest scheme (RFC 3261 §22.4, RFC 8760). */
export function parseDigestChallenge(value: string): DigestChallenge | null {
  const auth = parseAuthHeader(value);
  if (!auth || auth.scheme.toLowerCase() !== 'digest') return null;
  const p = auth.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined) return null;
  const challenge: DigestChallenge = {
    realm,
    nonce,
    algorithm: (p.get('algorithm') ?? 'MD5').toUpperCase(),
    qop: (p.get('qop') ?? '')
      .split(',')
      .map((q) => q.trim())
      .filter(Boolean),
    stale: (p.get('stale') ?? '').toLowerCase() === 'true',
    params: p,
  };
  const opaque = p.get('opaque');
  if (opaque !== undefined) challenge.opaque = opaque;
  return challenge;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: string;
  cnonce?: string;
  qop?: string;
  nc?: string;
  opaque?: string;
  params: Map<string, string>;
}

/** Authorization / Proxy-Authorization with the Digest scheme (RFC 3261 §22.4). */
export function parseDigestCredentials(value: string): DigestCredentials | null {
  const auth = parseAuthHeader(value);
  if (!auth || auth.scheme.toLowerCase() !== 'digest') return null;
  const p = auth.params;
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (
    username === undefined ||
    realm === undefined ||
    nonce === undefined ||
    uri === undefined ||
    response === undefined
  ) {
    return null;
  }
  const creds: DigestCredentials = {
    username,
    realm,
    nonce,
    uri,
    response,
    algorithm: (p.get('algorithm') ?? 'MD5').toUpperCase(),
    params: p,
  };
  for (const key of ['cnonce', 'qop', 'nc', 'opaque'] as const) {
    const v = p.get(key);
    if (v !== undefined) creds[key] = v;
  }
  return creds;
}

/** Format auth params; `quoted` lists the names whose value must be a quoted-string. */
export function formatAuthHeader(
  scheme: string,
  params: ReadonlyArray<readonly [string, string]>,
  quoted: ReadonlySet<string>,
): string {
  const parts = params.map(([n, v]) => `${n}=${quoted.has(n) ? quote(v) : v}`);
  return `${scheme} ${parts.join(', ')}`;
}

// ---------------------------------------------------------------------------
// Lazy accessors on a message.

function parseAll<T>(values: string[], parse: (v: string) => T | null): T[] | null {
  const out: T[] = [];
  for (const value of values) {
    // Values set through the API may still hold a comma-separated list.
    for (const part of splitList(value)) {
      const parsed = parse(part);
      if (parsed === null) return null;
      out.push(parsed);
    }
  }
  return out;
}

function single<T>(values: string[], parse: (v: string) => T | null): T | null {
  const [first] = values;
  return values.length === 1 && first !== undefined ? parse(first) : null;
}

/** All Via values, topmost first; null if any is malformed. */
export function getVias(m: SipMessage): readonly Via[] | null {
  return m.headers.memo('via', 'parsed', (values) => parseAll(values, parseVia));
}

export function getTopVia(m: SipMessage): Via | null {
  return getVias(m)?.[0] ?? null;
}

/** From, or null if absent, repeated or malformed. */
export function getFrom(m: SipMessage): NameAddr | null {
  return m.headers.memo('from', 'parsed', (values) => single(values, parseNameAddr));
}

export function getTo(m: SipMessage): NameAddr | null {
  return m.headers.memo('to', 'parsed', (values) => single(values, parseNameAddr));
}

/** Contacts (empty when absent); null if any is malformed. */
export function getContacts(m: SipMessage): readonly (NameAddr | '*')[] | null {
  return m.headers.memo('contact', 'parsed', (values) => parseAll(values, parseContact));
}

export function getRoutes(m: SipMessage): readonly NameAddr[] | null {
  return m.headers.memo('route', 'parsed', (values) => parseAll(values, parseNameAddr));
}

export function getRecordRoutes(m: SipMessage): readonly NameAddr[] | null {
  return m.headers.memo('record-route', 'parsed', (values) => parseAll(values, parseNameAddr));
}

export function getCSeq(m: SipMessage): CSeq | null {
  return m.headers.memo('cseq', 'parsed', (values) => single(values, parseCSeq));
}

export function getCallId(m: SipMessage): string | null {
  return m.headers.memo('call-id', 'parsed', (values) =>
    single(values, (v) => (isValidCallId(v) ? v : null)),
  );
}

export function getMaxForwards(m: SipMessage): number | null {
  return m.headers.memo('max-forwards', 'parsed', (values) => single(values, parseMaxForwards));
}
