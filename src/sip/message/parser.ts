/**
 * SIP message parsing (RFC 3261 §7) for datagrams (`parseMessage`) and byte streams
 * (`StreamParser`). Parsing never throws: failures come back as values carrying whatever could be
 * read, so the transport can answer 400 (RFC 3261 §8.2.6.2 needs Via, From, To, Call-ID and CSeq)
 * or drop the bytes.
 */
import { parseContentLength } from './headers.js';
import { isDigits, isToken, splitList, trimWs } from './syntax.js';
import { Headers, headerKey } from './types.js';
import type { SipMessage } from './types.js';

export interface PartialMessage {
  /** Known once the start line has been recognised, even if it is malformed. */
  kind?: 'request' | 'response';
  method?: string;
  /** Every header line that could be read. */
  headers: Headers;
}

export interface SipParseError {
  reason: string;
  /**
   * True when the bytes were a request other than ACK whose Via, From, To, Call-ID and CSeq could
   * be read: the transport may answer 400. Otherwise it should drop them silently.
   */
  canReply: boolean;
  /** The status to answer with when not 400: 413 for a body beyond the limit (RFC 3261 §21.4.11). */
  status?: 413;
  partial: PartialMessage;
}

export type ParseResult = { ok: true; message: SipMessage } | { ok: false; error: SipParseError };

// RFC 3261 §7.3.1: headers whose value is a comma-separated list, which may be split into
// several header lines and back without changing the message's meaning. Headers whose grammar
// allows commas in a single value (WWW-Authenticate, Authorization, Date…) are absent on purpose.
const LIST_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'alert-info',
  'allow',
  'allow-events',
  'call-info',
  'contact',
  'content-encoding',
  'content-language',
  'error-info',
  'in-reply-to',
  'path',
  'proxy-require',
  'record-route',
  'require',
  'route',
  'service-route',
  'supported',
  'unsupported',
  'via',
  'warning',
]);

const EMPTY = Buffer.alloc(0);
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

interface Head {
  kind?: 'request' | 'response';
  method?: string;
  uri?: string;
  version?: string;
  status?: number;
  reason?: string;
  headers: Headers;
  error?: string;
}

/** RFC 3261 §7.1: SIP-Version is case-insensitive; "SIP/" 1*DIGIT "." 1*DIGIT. */
function isSipVersion(v: string): boolean {
  if (v.length < 7 || v.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = v.indexOf('.', 4);
  return dot > 4 && isDigits(v.slice(4, dot)) && isDigits(v.slice(dot + 1));
}

function parseStartLine(line: string, head: Head): string | undefined {
  if (line.slice(0, 4).toUpperCase() === 'SIP/') {
    head.kind = 'response';
    // RFC 3261 §7.2: SIP-Version SP Status-Code SP Reason-Phrase; the phrase may be empty.
    const sp1 = line.indexOf(' ');
    if (sp1 < 0) return 'malformed Status-Line';
    const sp2 = line.indexOf(' ', sp1 + 1);
    const version = line.slice(0, sp1);
    const code = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
    if (!isSipVersion(version)) return 'malformed SIP-Version';
    if (code.length !== 3 || !isDigits(code) || code < '100' || code > '699') {
      return 'malformed Status-Code';
    }
    head.version = version;
    head.status = Number(code);
    head.reason = sp2 < 0 ? '' : detach(line.slice(sp2 + 1));
    return undefined;
  }
  // RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, single spaces, no LWS anywhere
  // (RFC 4475 §3.1.2.8-10).
  const parts = line.split(' ');
  const method = parts[0] ?? '';
  if (!isToken(method)) return 'malformed Request-Line';
  head.kind = 'request';
  head.method = detach(method);
  const [, uri, version] = parts;
  if (parts.length !== 3 || !uri || !version) return 'malformed Request-Line';
  if (!isSipVersion(version)) return 'malformed SIP-Version';
  head.uri = detach(uri);
  head.version = version;
  return undefined;
}

/** V8 copies a substring shorter than this; a longer one is a slice pointing into its parent. */
const SLICED_MIN_LENGTH = 13;

/**
 * `s` as a string of its own. A header value is cut from the text of the whole message, and V8
 * keeps such a cut as a slice of that text: a value held for a lingering transaction's 32 s
 * (its response's Via, From, To, Call-ID) or a binding's hour (its Contact) would keep the
 * whole message alive with it. Prefixing a character makes a concatenation that slicing flattens
 * into a fresh copy; the slice taken back points into that copy only.
 */
export function detach(s: string): string {
  return s.length < SLICED_MIN_LENGTH ? s : (' ' + s).slice(1);
}

function addHeader(headers: Headers, name: string, value: string): void {
  const field = detach(name);
  if (value.includes(',') && LIST_HEADERS.has(headerKey(name))) {
    for (const part of splitList(value)) headers.appendParsed(field, detach(part));
  } else {
    headers.appendParsed(field, detach(value));
  }
}

/** Parse the start line and header lines; never throws, records the first problem in `error`. */
function parseHead(text: string): Head {
  const head: Head = { headers: new Headers() };
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  head.error = parseStartLine(first.endsWith('\r') ? first.slice(0, -1) : first, head);
  let name: string | undefined;
  let parts: string[] = [];
  const flush = (): void => {
    if (name === undefined) return;
    addHeader(head.headers, name, parts.length === 1 ? (parts[0] ?? '') : trimWs(parts.join(' ')));
    name = undefined;
  };
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.includes('\r')) {
      head.error ??= 'bare CR in header section';
      continue;
    }
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) {
      // RFC 3261 §7.3.1: header field values may be folded onto multiple lines; the folding LWS
      // is equivalent to a single SP.
      if (name === undefined) head.error ??= 'continuation line before any header';
      else {
        const more = trimWs(line);
        if (more) parts.push(more);
      }
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    // RFC 3261 §7.3.1: whitespace is allowed between the field name and the colon.
    const fieldName = colon < 0 ? '' : trimWs(line.slice(0, colon));
    if (!isToken(fieldName)) {
      head.error ??= 'malformed header line';
      continue;
    }
    name = fieldName;
    const value = trimWs(line.slice(colon + 1));
    parts = value ? [value] : [];
  }
  flush();
  return head;
}

function canReply(head: Head): boolean {
  const h = head.headers;
  return (
    head.kind === 'request' &&
    head.method !== 'ACK' &&
    h.has('via') &&
    h.has('from') &&
    h.has('to') &&
    h.has('call-id') &&
    h.has('cseq')
  );
}

function parseError(reason: string, head: Head): SipParseError {
  const partial: PartialMessage = { headers: head.headers };
  if (head.kind) partial.kind = head.kind;
  if (head.method !== undefined) partial.method = head.method;
  return { reason, canReply: canReply(head), partial };
}

function failure(reason: string, head: Head): ParseResult {
  return { ok: false, error: parseError(reason, head) };
}

function build(head: Head, body: Buffer): SipMessage {
  if (head.kind === 'response') {
    return {
      kind: 'response',
      version: head.version ?? '',
      status: head.status ?? 0,
      reason: head.reason ?? '',
      headers: head.headers,
      body,
    };
  }
  return {
    kind: 'request',
    method: head.method ?? '',
    uri: head.uri ?? '',
    version: head.version ?? '',
    headers: head.headers,
    body,
  };
}

/** Content-Length of a parsed head: undefined if absent, null if invalid or repeated. */
function contentLength(head: Head): number | null | undefined {
  const values = head.headers.getAll('content-length');
  if (values.length === 0) return undefined;
  const [only] = values;
  // RFC 4475 §3.3.9: with two Content-Length values nobody can tell where the body ends.
  return values.length === 1 && only !== undefined ? parseContentLength(only) : null;
}

/** RFC 3261 §7.5: CRLFs before the start line are ignored. */
function skipLeadingCrlf(data: Buffer, from: number): number {
  let i = from;
  while (i < data.length && (data[i] === 0x0d || data[i] === 0x0a)) i++;
  return i;
}

/** End of the header section and start of the body, or null while the blank line is missing. */
function findHeadEnd(data: Buffer, from: number): { headEnd: number; bodyStart: number } | null {
  const crlf = data.indexOf(CRLFCRLF, from);
  // Tolerate bare-LF line ends, but only if the LF LF comes before any CRLF CRLF.
  const lf = data.subarray(from, crlf < 0 ? data.length : crlf).indexOf(LFLF);
  if (lf >= 0) return { headEnd: from + lf + 1, bodyStart: from + lf + 2 };
  if (crlf >= 0) return { headEnd: crlf + 2, bodyStart: crlf + 4 };
  return null;
}

function decodeHead(data: Buffer, start: number, headEnd: number): string {
  // Strip the final line end so that split() yields no trailing empty line.
  let end = headEnd;
  if (data[end - 1] === 0x0a) end--;
  if (data[end - 1] === 0x0d) end--;
  return data.toString('utf8', start, end);
}

/**
 * Parse one datagram holding a whole message (RFC 3261 §18.3). A Content-Length larger than the
 * bytes present is an error; extra bytes after Content-Length are ignored (RFC 4475 §3.1.1.8);
 * without Content-Length the body is the rest of the datagram. The body is a view on `data`.
 */
export function parseMessage(data: Buffer): ParseResult {
  try {
    const start = skipLeadingCrlf(data, 0);
    if (start >= data.length) return failure('empty message', { headers: new Headers() });
    const end = findHeadEnd(data, start);
    const head = parseHead(decodeHead(data, start, end ? end.headEnd : data.length));
    if (!end) return failure('header section not terminated by an empty line', head);
    if (head.error) return failure(head.error, head);
    const cl = contentLength(head);
    if (cl === null) return failure('invalid Content-Length', head);
    const available = data.length - end.bodyStart;
    if (cl !== undefined && cl > available) return failure('Content-Length exceeds body', head);
    const body = data.subarray(end.bodyStart, end.bodyStart + (cl ?? available));
    return { ok: true, message: build(head, body) };
  } catch (e) {
    // Defensive: a bug in a helper must cost one message, never the transport loop.
    return failure(`internal parser error: ${String(e)}`, { headers: new Headers() });
  }
}

export interface StreamParserOptions {
  /** Largest header section accepted; a peer that exceeds it is cut off. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Largest body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
}

export type StreamEvent =
  | { type: 'message'; message: SipMessage }
  /** `fatal`: framing is lost; the transport must close the connection. */
  | { type: 'error'; error: SipParseError; fatal: boolean }
  /** RFC 5626 §3.5.1: a CRLFCRLF keep-alive ping; the transport should answer with one CRLF. */
  | { type: 'ping' };

interface Pending {
  head: Head;
  bodyStart: number;
  length: number;
}

/**
 * Frames SIP messages out of a byte stream (TCP, TLS) by Content-Length, which is mandatory on
 * streams (RFC 3261 §18.3, §20.14). Memory is bounded by maxHeaderBytes + maxBodyBytes plus one
 * chunk: anything larger is a fatal error, after which the parser ignores further input.
 */
export class StreamParser {
  private chunks: Buffer[] = [];
  private size = 0;
  private scanFrom = 0;
  private pending: Pending | undefined;
  private failed = false;
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;

  constructor(options: StreamParserOptions = {}) {
    this.maxHeaderBytes = options.maxHeaderBytes ?? 64 * 1024;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.size;
  }

  push(chunk: Buffer): StreamEvent[] {
    if (this.failed || chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.size += chunk.length;
    const events: StreamEvent[] = [];
    try {
      for (let ev = this.next(); ev; ev = this.next()) {
        events.push(ev);
        if (ev.type === 'error' && ev.fatal) break;
      }
    } catch (e) {
      events.push(this.fatal(`internal parser error: ${String(e)}`, { headers: new Headers() }));
    }
    return events;
  }

  private data(): Buffer {
    if (this.chunks.length !== 1) {
      const joined = this.chunks.length === 0 ? EMPTY : Buffer.concat(this.chunks, this.size);
      this.chunks = [joined];
    }
    return this.chunks[0] ?? EMPTY;
  }

  private consume(n: number): void {
    const rest = this.data().subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    this.scanFrom = 0;
  }

  private fatal(reason: string, head: Head, status?: 413): StreamEvent {
    this.failed = true;
    this.chunks = [];
    this.size = 0;
    this.pending = undefined;
    const error = parseError(reason, head);
    if (status !== undefined) error.status = status;
    return { type: 'error', error, fatal: true };
  }

  private next(): StreamEvent | null {
    for (;;) {
      if (this.failed) return null;
      if (this.pending) return this.completeBody(this.pending);
      const data = this.data();
      if (data.length === 0) return null;
      if (data[0] === 0x0d || data[0] === 0x0a) {
        const keepAlive = this.keepAlive(data);
        if (keepAlive === 'wait') return null;
        if (keepAlive === 'ping') return { type: 'ping' };
        continue;
      }
      return this.frame(data);
    }
  }

  private frame(data: Buffer): StreamEvent | null {
    const end = findHeadEnd(data, this.scanFrom);
    if (!end) {
      if (data.length > this.maxHeaderBytes) {
        return this.fatal('header section too large', { headers: new Headers() });
      }
      // The terminator may straddle chunks: rescan its last three bytes next time.
      this.scanFrom = Math.max(0, data.length - 3);
      return null;
    }
    const head = parseHead(decodeHead(data, 0, end.headEnd));
    if (end.headEnd > this.maxHeaderBytes) return this.fatal('header section too large', head);
    const cl = contentLength(head);
    // RFC 3261 §18.3: on a stream, Content-Length is the only way to find the message's end.
    if (cl === undefined) return this.fatal('missing Content-Length on a stream transport', head);
    if (cl === null) return this.fatal('invalid Content-Length', head);
    if (cl > this.maxBodyBytes) return this.fatal('body too large', head, 413);
    this.pending = { head, bodyStart: end.bodyStart, length: cl };
    return this.completeBody(this.pending);
  }

  private completeBody(p: Pending): StreamEvent | null {
    const total = p.bodyStart + p.length;
    if (this.size < total) return null;
    const data = this.data();
    // Copy so that a long-lived message does not pin the connection's receive buffer.
    const body = Buffer.from(data.subarray(p.bodyStart, total));
    this.pending = undefined;
    this.consume(total);
    if (p.head.error)
      return { type: 'error', error: parseError(p.head.error, p.head), fatal: false };
    return { type: 'message', message: build(p.head, body) };
  }

  /**
   * RFC 5626 §3.5.1: CRLFCRLF between messages is a keep-alive ping, a lone CRLF its pong;
   * RFC 3261 §7.5: other stray line ends before a start line are ignored.
   */
  private keepAlive(data: Buffer): 'ping' | 'wait' | 'skipped' {
    const n = Math.min(4, data.length);
    if (data.subarray(0, n).equals(CRLFCRLF.subarray(0, n))) {
      if (n < 4) return 'wait';
      this.consume(4);
      return 'ping';
    }
    this.consume(data[0] === 0x0d && data[1] === 0x0a ? 2 : 1);
    return 'skipped';
  }
}
