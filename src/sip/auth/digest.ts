/**
 * HTTP Digest authentication for SIP (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760): the server
 * side that challenges and verifies phones, and the client side Renvoi uses towards a trunk.
 *
 * Decisions:
 * - Algorithms: SHA-256 and MD5, offered in that order, one challenge per algorithm (RFC 8760 §2.4:
 *   the UAC uses the topmost it supports). The -sess variants are answered as a client but never
 *   offered: no SIP phone needs them and they only add state.
 * - qop: only `auth` is offered, and required. `auth-int` would need the body and no phone uses it
 *   for REGISTER or INVITE. Credentials without qop (the RFC 2069 form) carry no nonce-count, so
 *   nothing tells a replay from the original: a captured INVITE could be sent again from anywhere
 *   for the nonce's whole lifetime. Every challenge offers qop, and RFC 7616 §3.3 then obliges the
 *   client to use it, so such credentials get a fresh challenge and count as a failure.
 * - Nonces are stateless: base64url(timestamp, instance, salt, HMAC-SHA-256(secret, realm +
 *   timestamp + instance + salt)). The salt keeps two challenges issued in the same millisecond
 *   distinct, which the replay check below relies on.
 * - Replay (RFC 7616 §3.4, RFC 3261 §22.4): the server remembers, per nonce, the highest nc it
 *   accepted (a bounded LRU; only successful verifications enter it, so nobody without the
 *   password can evict entries) and refuses an nc that does not increase. A nonce whose history
 *   is not known cannot be checked, so it is refused as stale: one issued by another instance (an
 *   earlier run of the PBX: the instance field differs, while the persisted secret still proves it
 *   ours), and one issued no later than a nonce the LRU has already forgotten. Each refusal is a
 *   stale challenge, so an honest client retries once with a fresh nonce and no user prompt.
 * - A wrong password and an unknown user cost the same work (the response is computed against a
 *   fixed dummy password) and compare in constant time, so neither the answer nor its timing says
 *   which extensions exist.
 * - The server side never sees a password: it checks against HA1 (what the store keeps), and
 *   results carry the username only.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomFill, randomToken } from '../random.js';
import {
  formatAuthHeader,
  parseDigestChallenge,
  parseDigestCredentials,
  parseUri,
  uriEquals,
} from '../message/index.js';
import type { DigestChallenge, DigestCredentials } from '../message/index.js';

/** Algorithms the server offers (RFC 8760 §2.1). */
export type DigestAlgorithm = 'SHA-256' | 'MD5';

/** Algorithms the client answers (RFC 8760 §2.1), upper case as parseDigestChallenge gives them. */
export type ClientDigestAlgorithm = DigestAlgorithm | 'SHA-256-SESS' | 'MD5-SESS';

const CLIENT_ALGORITHMS: ReadonlySet<string> = new Set<ClientDigestAlgorithm>([
  'SHA-256',
  'MD5',
  'SHA-256-SESS',
  'MD5-SESS',
]);

/** Node's name for the hash behind each algorithm. */
function hashName(algorithm: ClientDigestAlgorithm): 'sha256' | 'md5' {
  return algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
}

// crypto.hash (Node 20.12 and later) digests in one call, without a Hash object per digest: a
// REGISTER's check takes three of them.
const oneShotHash = typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

function h(hash: 'sha256' | 'md5', data: string): string {
  return oneShotHash !== undefined
    ? oneShotHash(hash, data, 'hex')
    : createHash(hash).update(data, 'utf8').digest('hex');
}

export interface DigestInput {
  algorithm: ClientDigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  /** The digest-uri, as it appears in the credentials. */
  uri: string;
  nonce: string;
  /** Absent for the RFC 2069 form. */
  qop?: 'auth';
  /** 8 hex digits (RFC 2617 §3.2.2); required with qop. */
  nc?: string;
  /** Required with qop and with the -sess algorithms. */
  cnonce?: string;
}

/**
 * The `response` value (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1), lower-case hex:
 * H(HA1:nonce:nc:cnonce:qop:HA2) with qop, H(HA1:nonce:HA2) without (RFC 2069).
 */
export function digestResponse(input: DigestInput): string {
  return responseFromHa1(input, ha1(input.algorithm, input.username, input.realm, input.password));
}

/** H(username:realm:password), lower-case hex (RFC 7616 §3.4.2): what a server keeps. */
export function ha1(
  algorithm: ClientDigestAlgorithm,
  username: string,
  realm: string,
  password: string,
): string {
  return h(hashName(algorithm), `${username}:${realm}:${password}`);
}

function responseFromHa1(input: Omit<DigestInput, 'password'>, userHa1: string): string {
  const hash = hashName(input.algorithm);
  let ha1 = userHa1;
  if (input.algorithm.endsWith('-SESS')) {
    // RFC 7616 §3.4.2: the session variants hash the nonces into A1.
    if (input.cnonce === undefined) throw new Error('digestResponse: -sess needs a cnonce');
    ha1 = h(hash, `${ha1}:${input.nonce}:${input.cnonce}`);
  }
  const ha2 = h(hash, `${input.method}:${input.uri}`);
  if (input.qop === undefined) return h(hash, `${ha1}:${input.nonce}:${ha2}`);
  if (input.nc === undefined || input.cnonce === undefined) {
    throw new Error('digestResponse: qop needs nc and cnonce');
  }
  return h(hash, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

// RFC 7616 §3.4: these parameters are quoted-strings; algorithm, qop (in credentials), nc and stale
// are tokens.
const QUOTED = new Set(['realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque', 'username']);
const CHALLENGE_QUOTED = new Set(['realm', 'nonce', 'opaque', 'qop']);

export interface AnswerOptions {
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Defaults to 16 random bytes in hex. */
  cnonce?: string;
  /** Request count under this nonce, from 1 (RFC 2617 §3.2.2). */
  nc?: number;
}

function supportedChallenge(value: string): DigestChallenge | null {
  const challenge = parseDigestChallenge(value);
  if (challenge === null || !CLIENT_ALGORITHMS.has(challenge.algorithm)) return null;
  // Only `auth` can be answered; a challenge offering qop without it (auth-int only) cannot.
  if (challenge.qop.length > 0 && !challenge.qop.includes('auth')) return null;
  // The -sess variants need a cnonce, which only travels with qop.
  if (challenge.qop.length === 0 && challenge.algorithm.endsWith('-SESS')) return null;
  return challenge;
}

/**
 * The Authorization (or Proxy-Authorization) value answering a WWW-Authenticate (or
 * Proxy-Authenticate) value. Given several challenges (one header each), the first one this client
 * supports is answered (RFC 8760 §2.4: servers list their preferred algorithm first). Null when
 * none is supported.
 */
export function answerChallenge(
  challenges: string | readonly string[],
  options: AnswerOptions,
): string | null {
  const list = typeof challenges === 'string' ? [challenges] : challenges;
  let challenge: DigestChallenge | null = null;
  for (const value of list) {
    challenge = supportedChallenge(value);
    if (challenge !== null) break;
  }
  if (challenge === null) return null;
  const algorithm = challenge.algorithm as ClientDigestAlgorithm;
  const useQop = challenge.qop.length > 0;
  const cnonce = options.cnonce ?? randomToken(16, 'hex');
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const input: DigestInput = {
    algorithm,
    username: options.username,
    realm: challenge.realm,
    password: options.password,
    method: options.method,
    uri: options.uri,
    nonce: challenge.nonce,
  };
  if (useQop) {
    input.qop = 'auth';
    input.nc = nc;
    input.cnonce = cnonce;
  }
  const params: [string, string][] = [
    ['username', options.username],
    ['realm', challenge.realm],
    ['nonce', challenge.nonce],
    ['uri', options.uri],
    ['response', digestResponse(input)],
    // RFC 7616 §3.4: the algorithm is echoed so the server knows which challenge is answered.
    ['algorithm', algorithm.replace('-SESS', '-sess')],
  ];
  if (input.cnonce !== undefined) params.push(['cnonce', input.cnonce]);
  if (challenge.opaque !== undefined) params.push(['opaque', challenge.opaque]);
  if (useQop) params.push(['qop', 'auth'], ['nc', nc]);
  return formatAuthHeader('Digest', params, QUOTED);
}

// ---------------------------------------------------------------------------
// Server

export interface DigestServerOptions {
  realm: string;
  /** HMAC key for nonces; persist it (store/secrets.ts) so nonces survive a restart. */
  secret: Uint8Array;
  /** Nonce age after which an authentic nonce is stale. Default 300 s. */
  nonceLifetimeSeconds?: number;
  /** Offered in this order. Default ['SHA-256', 'MD5']. */
  algorithms?: readonly DigestAlgorithm[];
  /** Nonces whose highest nc is remembered. Default 10 000. */
  replayCacheSize?: number;
}

export type DigestFailure =
  /** No credentials for this server: challenge. */
  | 'missing'
  /** Not a Digest value, a required parameter missing, a qop or nc that is not valid. */
  | 'malformed'
  /** The RFC 2069 form (no qop), which cannot be told from its replay: challenge again. */
  | 'no-qop'
  | 'unknown-user'
  | 'wrong-password'
  /** Right password, authentic nonce too old (or from the future): challenge with stale=true. */
  | 'stale'
  /**
   * Right password, authentic nonce, but nc not above the last one accepted, or the nonce's
   * history is unknown (issued by an earlier run, or forgotten): challenge with stale.
   */
  | 'replay'
  /** A nonce this server never issued (forged, or signed with another secret). */
  | 'nonce'
  | 'realm'
  /** An algorithm this server does not offer. */
  | 'algorithm'
  /** The digest-uri is not the request's URI (RFC 2617 §3.2.2.5). */
  | 'uri';

export type DigestVerifyResult =
  | { ok: true; username: string }
  /** `stale`: answer with a challenge carrying stale=true (RFC 2617 §3.2.1). */
  | { ok: false; reason: DigestFailure; stale: boolean; username?: string };

export interface DigestRequest {
  method: string;
  /** The Request-URI, as text. */
  uri: string;
}

/**
 * The user's HA1 for the algorithm (ha1()), or null when there is no such user: the server needs
 * no password, so the store keeps none.
 */
export type Ha1Lookup = (username: string, algorithm: DigestAlgorithm) => string | null;

const TIMESTAMP_BYTES = 8;
const INSTANCE_BYTES = 4;
const SALT_BYTES = 4;
const MAC_BYTES = 16;
const BODY_BYTES = TIMESTAMP_BYTES + INSTANCE_BYTES + SALT_BYTES;
const NONCE_BYTES = BODY_BYTES + MAC_BYTES;
/** Nonces stamped up to this far in the future (clock steps between nodes) still count as fresh. */
const CLOCK_SKEW_MS = 5_000;
const NC_PATTERN = /^[0-9a-fA-F]{8}$/;
// Compared against when the user does not exist, so that an unknown user costs a full check.
const DUMMY_HA1: Record<DigestAlgorithm, string> = {
  MD5: h('md5', 'renvoi-no-such-user'),
  'SHA-256': h('sha256', 'renvoi-no-such-user'),
};

function fail(reason: DigestFailure, username?: string): DigestVerifyResult {
  const stale = reason === 'stale' || reason === 'replay';
  return username === undefined
    ? { ok: false, reason, stale }
    : { ok: false, reason, stale, username };
}

function sameUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const a = parseUri(digestUri);
  const b = parseUri(requestUri);
  // RFC 3261 §19.1.4 equality: a client may re-escape or re-case what the request carries.
  return a !== null && b !== null && uriEquals(a, b);
}

export class DigestServer {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  private readonly secret: Buffer;
  private readonly lifetimeMs: number;
  private readonly replayCacheSize: number;
  /** Names the nonces this instance issued, whose nc history it alone holds. */
  private readonly instance: Buffer = randomBytes(INSTANCE_BYTES);
  /** nonce → its issue time and the highest nc accepted; Map order is least recently used first. */
  private readonly highestNc = new Map<string, { issuedAt: number; nc: number }>();
  /** The latest issue time among forgotten nonces: older unknown nonces may have been used. */
  private forgottenUntil = Number.NEGATIVE_INFINITY;

  constructor(
    options: DigestServerOptions,
    private readonly clock: () => number = Date.now,
  ) {
    if (options.secret.length < 16) throw new Error('DigestServer: secret shorter than 16 bytes');
    this.realm = options.realm;
    this.secret = Buffer.from(options.secret);
    this.lifetimeMs = (options.nonceLifetimeSeconds ?? 300) * 1000;
    this.algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    if (this.algorithms.length === 0) throw new Error('DigestServer: no algorithm');
    this.replayCacheSize = options.replayCacheSize ?? 10_000;
  }

  /** A fresh nonce stamped with `now` (ms). */
  nonce(now: number = this.clock()): string {
    const body = Buffer.alloc(BODY_BYTES);
    body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(now))));
    this.instance.copy(body, TIMESTAMP_BYTES);
    randomFill(body, TIMESTAMP_BYTES + INSTANCE_BYTES, SALT_BYTES);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /**
   * WWW-Authenticate (401) or Proxy-Authenticate (407) values, one per algorithm, preferred first
   * (RFC 8760 §2.4), sharing one nonce. `stale` after a 'stale' or 'replay' failure.
   */
  challenge(options: { stale?: boolean; now?: number } = {}): string[] {
    const nonce = this.nonce(options.now ?? this.clock());
    return this.algorithms.map((algorithm) => {
      const params: [string, string][] = [
        ['realm', this.realm],
        ['nonce', nonce],
        ['algorithm', algorithm],
        ['qop', 'auth'],
      ];
      if (options.stale === true) params.push(['stale', 'true']);
      return formatAuthHeader('Digest', params, CHALLENGE_QUOTED);
    });
  }

  /**
   * Checks an Authorization / Proxy-Authorization value against the request it came with. Given
   * several values (one per realm, RFC 3261 §22.3), the one for this realm is checked.
   */
  verify(
    credentials: string | readonly string[] | undefined,
    request: DigestRequest,
    lookup: Ha1Lookup,
    now: number = this.clock(),
  ): DigestVerifyResult {
    const values =
      credentials === undefined
        ? []
        : typeof credentials === 'string'
          ? [credentials]
          : credentials;
    if (values.length === 0) return fail('missing');
    const parsed = values.map(parseDigestCredentials);
    const creds = parsed.find((c) => c !== null && c.realm === this.realm) ?? parsed[0] ?? null;
    if (creds === null) return fail('malformed');
    if (creds.realm !== this.realm) return fail('realm', creds.username);

    const algorithm = this.algorithms.find((a) => a === creds.algorithm);
    if (algorithm === undefined) return fail('algorithm', creds.username);
    if (creds.qop === undefined) return fail('no-qop', creds.username);
    if (!validQop(creds)) return fail('malformed', creds.username);
    if (!sameUri(creds.uri, request.uri)) return fail('uri', creds.username);

    const issued = this.nonceOrigin(creds.nonce);
    if (issued === null) return fail('nonce', creds.username);

    const userHa1 = lookup(creds.username, algorithm);
    const input = {
      algorithm,
      username: creds.username,
      realm: creds.realm,
      method: request.method,
      uri: creds.uri,
      nonce: creds.nonce,
      qop: 'auth',
      nc: creds.nc,
      cnonce: creds.cnonce,
    } as const;
    const expected = responseFromHa1(input, userHa1 ?? DUMMY_HA1[algorithm]);
    const matches = constantTimeHexEquals(expected, creds.response);
    if (userHa1 === null) return fail('unknown-user', creds.username);
    if (!matches) return fail('wrong-password', creds.username);

    // RFC 2617 §3.2.1: stale only once the digest is known to be right, so that the client retries
    // silently instead of prompting for a password it already has.
    const age = now - issued.at;
    if (age > this.lifetimeMs || age < -CLOCK_SKEW_MS) return fail('stale', creds.username);
    if (!issued.here || !this.acceptNc(creds.nonce, issued.at, Number.parseInt(creds.nc, 16))) {
      return fail('replay', creds.username);
    }
    return { ok: true, username: creds.username };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret)
      .update(this.realm, 'utf8')
      .update(body)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  /**
   * Issue time (ms) of a nonce signed with this server's secret, and whether this instance issued
   * it; null for anything else.
   */
  private nonceOrigin(nonce: string): { at: number; here: boolean } | null {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return null;
    const body = raw.subarray(0, BODY_BYTES);
    if (!timingSafeEqual(raw.subarray(BODY_BYTES), this.mac(body))) return null;
    const instance = body.subarray(TIMESTAMP_BYTES, TIMESTAMP_BYTES + INSTANCE_BYTES);
    return { at: Number(raw.readBigUInt64BE(0)), here: instance.equals(this.instance) };
  }

  /**
   * Records nc for the nonce if it is above the last accepted one (RFC 7616 §3.4). An unknown
   * nonce is taken as new only if it was issued after every nonce the LRU has forgotten.
   */
  private acceptNc(nonce: string, issuedAt: number, nc: number): boolean {
    const last = this.highestNc.get(nonce);
    if (last === undefined ? issuedAt <= this.forgottenUntil : nc <= last.nc) return false;
    this.highestNc.delete(nonce);
    this.highestNc.set(nonce, { issuedAt, nc });
    if (this.highestNc.size > this.replayCacheSize) {
      const oldest = this.highestNc.entries().next();
      if (oldest.done !== true) {
        this.highestNc.delete(oldest.value[0]);
        this.forgottenUntil = Math.max(this.forgottenUntil, oldest.value[1].issuedAt);
      }
    }
    return true;
  }
}

/**
 * qop=auth with a cnonce and an 8-hex-digit nc above zero (RFC 2617 §3.2.2); narrows creds to
 * carry them.
 */
function validQop(
  creds: DigestCredentials,
): creds is DigestCredentials & { qop: string; nc: string; cnonce: string } {
  return (
    creds.qop?.toLowerCase() === 'auth' &&
    creds.cnonce !== undefined &&
    creds.nc !== undefined &&
    NC_PATTERN.test(creds.nc) &&
    Number.parseInt(creds.nc, 16) > 0
  );
}

/** Constant-time comparison of a computed lower-case hex digest with a received one. */
function constantTimeHexEquals(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received.toLowerCase(), 'utf8');
  // The length is fixed by the algorithm, so a length mismatch reveals nothing secret.
  return a.length === b.length && timingSafeEqual(a, b);
}
