/**
 * Checks that decide whether a parsed message may enter the transaction layer, and which error
 * response a request deserves (RFC 3261 §8.2, §16.3). For a response, a failure means "discard".
 */
import {
  contactExpires,
  getCSeq,
  getCallId,
  getContacts,
  getFrom,
  getMaxForwards,
  getRecordRoutes,
  getRoutes,
  getTo,
  getVias,
  parseContentLength,
  parseDeltaSeconds,
} from './headers.js';
import { splitList } from './syntax.js';
import type { SipMessage, SipRequest } from './types.js';
import { parseUri } from './uri.js';

export type ValidationStatus = 400 | 406 | 415 | 416 | 420 | 483 | 505;

export type ValidationResult =
  | { ok: true }
  | {
      ok: false;
      status: ValidationStatus;
      /** Reason-Phrase naming what is wrong, e.g. "Missing Call-ID Header". */
      reason: string;
      /** For 420: the option-tags to list in the Unsupported header (RFC 3261 §8.2.2.3). */
      unsupported?: string[];
    };

export interface ValidateOptions {
  /**
   * 'uas' (default) checks Require (RFC 3261 §8.2.2.3); 'proxy' checks Proxy-Require and answers
   * 483 to a request that cannot be forwarded (§16.3).
   */
  role?: 'uas' | 'proxy';
  /** Option-tags this element supports (RFC 3261 §19.2). */
  supported?: readonly string[];
  /** RFC 3261 §8.1.1.6 makes Max-Forwards mandatory; false accepts RFC 2543 requests without it. */
  requireMaxForwards?: boolean;
  /** When set, a request body of another Content-Type gets 415 (RFC 3261 §8.2.3). */
  acceptedContentTypes?: readonly string[];
  /** When set, a request whose Accept allows none of these gets 406 (RFC 3261 §21.4.7). */
  responseContentTypes?: readonly string[];
}

/** Request-URI schemes this PBX serves (RFC 3261 §8.2.2.1: others get 416). */
const SUPPORTED_SCHEMES: ReadonlySet<string> = new Set(['sip', 'sips', 'tel']);

// RFC 3261 §7.3.1 and §20: headers that may appear at most once.
const SINGLE_HEADERS = [
  'To',
  'From',
  'Call-ID',
  'CSeq',
  'Max-Forwards',
  'Content-Length',
  'Content-Type',
  'Expires',
];

const OK: ValidationResult = { ok: true };

function fail(status: ValidationStatus, reason: string): ValidationResult {
  return { ok: false, status, reason };
}

function mediaType(value: string): string {
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}

function mediaMatches(range: string, type: string): boolean {
  if (range === '*/*' || range === type) return true;
  return range.endsWith('/*') && type.startsWith(range.slice(0, -1));
}

// RFC 3261 §20.17: rfc1123-date with "GMT" as the only time zone (RFC 4475 §3.1.2.12).
const RFC1123_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Checks shared by requests and responses; the status is what a request would get. */
function validateCommon(m: SipMessage): ValidationResult {
  const h = m.headers;
  // RFC 3261 §8.1.1: the minimum header set of every message.
  for (const name of ['Via', 'To', 'From', 'Call-ID', 'CSeq']) {
    if (!h.has(name)) return fail(400, `Missing ${name} Header`);
  }
  for (const name of SINGLE_HEADERS) {
    if (h.count(name) > 1) return fail(400, `Multiple ${name} Headers`);
  }
  const vias = getVias(m);
  if (vias === null || vias.length === 0) return fail(400, 'Malformed Via Header');
  if (getFrom(m) === null) return fail(400, 'Malformed From Header');
  if (getTo(m) === null) return fail(400, 'Malformed To Header');
  if (getCallId(m) === null) return fail(400, 'Malformed Call-ID Header');
  if (getCSeq(m) === null) return fail(400, 'Malformed CSeq Header');
  const contacts = getContacts(m);
  if (contacts === null) return fail(400, 'Malformed Contact Header');
  for (const c of contacts) {
    // RFC 4475 §3.1.2.4: an expires beyond 2**32-1 is out of range.
    if (c !== '*' && c.params.has('expires') && contactExpires(c) === undefined) {
      return fail(400, 'Malformed Contact expires');
    }
  }
  if (getRoutes(m) === null) return fail(400, 'Malformed Route Header');
  if (getRecordRoutes(m) === null) return fail(400, 'Malformed Record-Route Header');
  const expires = h.get('Expires');
  if (expires !== undefined && parseDeltaSeconds(expires) === null) {
    return fail(400, 'Malformed Expires Header');
  }
  const date = h.get('Date');
  if (date !== undefined && !RFC1123_DATE.test(date)) return fail(400, 'Malformed Date Header');
  const cl = h.get('Content-Length');
  if (cl !== undefined && parseContentLength(cl) !== m.body.length) {
    return fail(400, 'Content-Length Mismatch');
  }
  return OK;
}

function validateRequest(m: SipRequest, options: ValidateOptions): ValidationResult {
  // RFC 3261 §8.2.2.1 checks the Request-URI before anything else that needs the headers.
  const uri = parseUri(m.uri);
  if (uri === null) return fail(400, 'Malformed Request-URI');
  if (!SUPPORTED_SCHEMES.has(uri.scheme)) return fail(416, 'Unsupported URI Scheme');
  // RFC 3261 §19.1.1 (table): headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (uri.kind === 'sip' && uri.headers.size > 0) return fail(400, 'Headers in Request-URI');
  const common = validateCommon(m);
  if (!common.ok) return common;
  const h = m.headers;
  if (options.requireMaxForwards !== false && !h.has('Max-Forwards')) {
    return fail(400, 'Missing Max-Forwards Header');
  }
  const maxForwards = h.has('Max-Forwards') ? getMaxForwards(m) : undefined;
  if (maxForwards === null) return fail(400, 'Malformed Max-Forwards Header');
  // RFC 3261 §8.2.6 / §12.2.1.1: the CSeq method must match the request method.
  if (getCSeq(m)?.method !== m.method) return fail(400, 'CSeq Method Mismatch');
  const role = options.role ?? 'uas';
  const supported = new Set((options.supported ?? []).map((t) => t.toLowerCase()));
  // RFC 3261 §8.2.2.3: Require is ignored in ACK and CANCEL; §16.3 step 5: Proxy-Require.
  const requireHeader = role === 'proxy' ? 'Proxy-Require' : 'Require';
  if (role === 'proxy' || (m.method !== 'ACK' && m.method !== 'CANCEL')) {
    const unsupported: string[] = [];
    for (const value of h.getAll(requireHeader)) {
      for (const tag of splitList(value)) {
        if (!supported.has(tag.toLowerCase())) unsupported.push(tag);
      }
    }
    if (unsupported.length > 0) {
      return { ok: false, status: 420, reason: 'Bad Extension', unsupported };
    }
  }
  // RFC 3261 §16.3 step 3: a proxy may answer OPTIONS itself, anything else gets 483.
  if (role === 'proxy' && maxForwards === 0 && m.method !== 'OPTIONS') {
    return fail(483, 'Too Many Hops');
  }
  if (options.acceptedContentTypes && m.body.length > 0) {
    const type = mediaType(h.get('Content-Type') ?? '');
    if (!options.acceptedContentTypes.some((t) => t.toLowerCase() === type)) {
      return fail(415, 'Unsupported Media Type');
    }
  }
  const accept = h.getAll('Accept');
  if (options.responseContentTypes && accept.length > 0) {
    const ranges = accept.flatMap((v) => splitList(v)).map(mediaType);
    const ours = options.responseContentTypes.map((t) => t.toLowerCase());
    if (!ranges.some((r) => ours.some((t) => mediaMatches(r, t)))) {
      return fail(406, 'Not Acceptable');
    }
  }
  return OK;
}

/**
 * Validate a parsed message. Requests: the result's status and reason are the response to send.
 * Responses: any failure means the response must be discarded (RFC 3261 §18.1.2).
 */
export function validateMessage(m: SipMessage, options: ValidateOptions = {}): ValidationResult {
  try {
    // RFC 3261 §8.2.2.1 / §21.5.6: another SIP version gets 505.
    if (m.version.toUpperCase() !== 'SIP/2.0') return fail(505, 'Version Not Supported');
    return m.kind === 'request' ? validateRequest(m, options) : validateCommon(m);
  } catch {
    // Defensive: a bug in a helper must cost one message, never the transport loop.
    return fail(400, 'Bad Request');
  }
}
