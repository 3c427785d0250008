/**
 * The SIP message model (RFC 3261 §7): a start line, an ordered multimap of header fields and a
 * body kept as raw bytes. Structured views of header values (Via, name-addr, CSeq…) are parsed on
 * first access by `headers.ts` and cached on the `Headers` object until that header changes.
 */

export interface HeaderField {
  /** Canonical spelling for known headers ("Call-ID"), as received for extension headers. */
  readonly name: string;
  readonly value: string;
}

// RFC 3261 §7.3.3 and the extensions registered with a compact form.
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  x: 'session-expires',
};

const CANONICAL: ReadonlyMap<string, string> = new Map(
  [
    'Accept',
    'Accept-Encoding',
    'Accept-Language',
    'Alert-Info',
    'Allow',
    'Allow-Events',
    'Authentication-Info',
    'Authorization',
    'Call-ID',
    'Call-Info',
    'Contact',
    'Content-Disposition',
    'Content-Encoding',
    'Content-Language',
    'Content-Length',
    'Content-Type',
    'CSeq',
    'Date',
    'Error-Info',
    'Event',
    'Expires',
    'From',
    'In-Reply-To',
    'Max-Forwards',
    'Min-Expires',
    'Min-SE',
    'MIME-Version',
    'Organization',
    'P-Asserted-Identity',
    'Path',
    'Priority',
    'Proxy-Authenticate',
    'Proxy-Authorization',
    'Proxy-Require',
    'RAck',
    'Reason',
    'Record-Route',
    'Refer-To',
    'Referred-By',
    'Reply-To',
    'Require',
    'Retry-After',
    'Route',
    'RSeq',
    'Server',
    'Service-Route',
    'Session-Expires',
    'SIP-ETag',
    'SIP-If-Match',
    'Subject',
    'Subscription-State',
    'Supported',
    'Timestamp',
    'To',
    'Unsupported',
    'User-Agent',
    'Via',
    'Warning',
    'WWW-Authenticate',
  ].map((n) => [n.toLowerCase(), n]),
);

interface NameForms {
  key: string;
  canonical: string;
}

/**
 * Key and canonical spelling of the known headers under the spellings met on every message (as
 * written here, lower case, compact in either case), so that the hot path is one Map lookup
 * instead of a lower-casing and two lookups per header line. Fixed at load: names from the network
 * never enter it.
 */
const KNOWN_FORMS: ReadonlyMap<string, NameForms> = (() => {
  const forms = new Map<string, NameForms>();
  for (const [key, canonical] of CANONICAL) {
    const entry = { key, canonical };
    forms.set(key, entry);
    forms.set(canonical, entry);
  }
  for (const [letter, key] of Object.entries(COMPACT)) {
    const entry = { key, canonical: CANONICAL.get(key) ?? key };
    forms.set(letter, entry);
    forms.set(letter.toUpperCase(), entry);
  }
  return forms;
})();

/** Lower-case key under which a header is stored: compact forms expanded (RFC 3261 §7.3.3). */
export function headerKey(name: string): string {
  const known = KNOWN_FORMS.get(name);
  if (known !== undefined) return known.key;
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** The spelling used when writing a header: canonical for known headers, as given otherwise. */
export function canonicalHeaderName(name: string): string {
  const known = KNOWN_FORMS.get(name);
  if (known !== undefined) return known.canonical;
  return CANONICAL.get(headerKey(name)) ?? name;
}

function entryOf(name: string, value: string): Entry {
  const known = KNOWN_FORMS.get(name);
  if (known !== undefined) return { key: known.key, name: known.canonical, value };
  const key = headerKey(name);
  return { key, name: CANONICAL.get(key) ?? name, value };
}

interface Entry {
  key: string;
  name: string;
  value: string;
}

function checkValue(value: string): void {
  // A CR or LF in a value would let a caller inject header lines into the serialized message.
  if (value.includes('\r') || value.includes('\n')) {
    throw new TypeError('SIP header value must not contain CR or LF');
  }
}

/**
 * Ordered multimap of header fields with case-insensitive names (RFC 3261 §7.3.1: field names are
 * case-insensitive; the relative order of fields with the same name is significant).
 */
export class Headers implements Iterable<HeaderField> {
  private readonly entries: Entry[] = [];
  /** Structured views by header key, then by view tag. */
  private cache: Map<string, Map<string, unknown>> | undefined;

  get size(): number {
    return this.entries.length;
  }

  /** First value of the header, or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const e of this.entries) if (e.key === key) return e.value;
    return undefined;
  }

  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const e of this.entries) if (e.key === key) out.push(e.value);
    return out;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.entries.some((e) => e.key === key);
  }

  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const e of this.entries) if (e.key === key) n++;
    return n;
  }

  append(name: string, value: string): this {
    checkValue(value);
    const entry = entryOf(name, value);
    this.entries.push(entry);
    this.invalidate(entry.key);
    return this;
  }

  /** Insert before the first field of that name (a proxy's new topmost Via, RFC 3261 §16.6). */
  prepend(name: string, value: string): this {
    checkValue(value);
    const entry = entryOf(name, value);
    const key = entry.key;
    const at = this.entries.findIndex((e) => e.key === key);
    if (at < 0) this.entries.push(entry);
    else this.entries.splice(at, 0, entry);
    this.invalidate(key);
    return this;
  }

  /** Replace every field of that name with one value, kept at the first field's position. */
  set(name: string, value: string): this {
    checkValue(value);
    const entry = entryOf(name, value);
    const key = entry.key;
    const at = this.entries.findIndex((e) => e.key === key);
    if (at < 0) return this.append(name, value);
    this.entries[at] = entry;
    for (let i = this.entries.length - 1; i > at; i--) {
      if (this.entries[i]?.key === key) this.entries.splice(i, 1);
    }
    this.invalidate(key);
    return this;
  }

  /** Remove the first field of that name (a proxy popping its own Via, RFC 3261 §16.7). */
  removeFirst(name: string): string | undefined {
    const key = headerKey(name);
    const at = this.entries.findIndex((e) => e.key === key);
    if (at < 0) return undefined;
    const [removed] = this.entries.splice(at, 1);
    this.invalidate(key);
    return removed?.value;
  }

  delete(name: string): number {
    const key = headerKey(name);
    const before = this.entries.length;
    for (let i = before - 1; i >= 0; i--) {
      if (this.entries[i]?.key === key) this.entries.splice(i, 1);
    }
    this.invalidate(key);
    return before - this.entries.length;
  }

  clone(): Headers {
    const copy = new Headers();
    for (const e of this.entries) copy.entries.push({ ...e });
    return copy;
  }

  *[Symbol.iterator](): IterableIterator<HeaderField> {
    for (const e of this.entries) yield { name: e.name, value: e.value };
  }

  /**
   * Structured value of a header, computed once and kept until a field of that name changes.
   * `tag` distinguishes several views of the same header.
   */
  memo<T>(name: string, tag: string, compute: (values: string[]) => T): T {
    const key = headerKey(name);
    this.cache ??= new Map();
    let views = this.cache.get(key);
    if (views === undefined) {
      views = new Map();
      this.cache.set(key, views);
    } else if (views.has(tag)) {
      return views.get(tag) as T;
    }
    const value = compute(this.getAll(key));
    views.set(tag, value);
    return value;
  }

  /** Append without the CR/LF check: only for the parser, whose values cannot hold line breaks. */
  appendParsed(name: string, value: string): void {
    this.entries.push(entryOf(name, value));
  }

  private invalidate(key: string): void {
    this.cache?.delete(key);
  }
}

export interface SipRequest {
  readonly kind: 'request';
  method: string;
  /** Request-URI as received; parse it with `parseUri` when needed. */
  uri: string;
  /** SIP-Version as received (RFC 3261 §7.1), "SIP/2.0" for anything this stack accepts. */
  version: string;
  headers: Headers;
  body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  version: string;
  status: number;
  reason: string;
  headers: Headers;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export function createRequest(method: string, uri: string, headers = new Headers()): SipRequest {
  return { kind: 'request', method, uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}

export function createResponse(
  status: number,
  reason: string,
  headers = new Headers(),
): SipResponse {
  return { kind: 'response', version: 'SIP/2.0', status, reason, headers, body: Buffer.alloc(0) };
}
