/**
 * Defence against password guessing and extension enumeration (SIPVicious `svcrack`/`svwar` and the
 * like), pure: the clock is passed in and the log is a function the caller provides.
 *
 * Failures are counted per source address AND claimed user: a whole office behind one NAT shares
 * an address, so one phone with a wrong password (about one failure per registration attempt)
 * gets only itself refused, never its neighbours. Guessing one user's password (`svcrack`) hits
 * that pair's limit; trying many users from one address (a password sprayed over extensions)
 * blocks the whole address once `maxUsers` different users have failed within the window.
 *
 * How the registrar (and the B2BUA for INVITE) uses it, per request from `address`:
 * 1. `guard.isBlocked(address, undefined, now)`: the address is refused before any digest work.
 *    Recommendation: on UDP drop the request silently (no response to amplify or to time, and
 *    scanners stall on timeouts); on TCP and WebSocket answer 403 and let the connection close.
 * 2. Verify; then `guard.isBlocked(address, user, now)` for the user the credentials claim: a
 *    blocked pair is refused the same way, whatever the password, so a guess that happens to be
 *    right while blocked teaches nothing.
 * 3. `authenticationOutcome(…)` says what to answer. If `outcome.failure`,
 *    `guard.recordFailure(address, user, now)`; on `accept`, `recordSuccess(address, user)`.
 */
import type { DigestVerifyResult } from '../../sip/auth/digest.js';

export interface AuthGuardOptions {
  /** Failures of one user from one address within `windowSeconds` that block the pair. Default 10. */
  maxFailures?: number;
  /** Different users failing from one address within `windowSeconds` that block it. Default 10. */
  maxUsers?: number;
  windowSeconds?: number;
  banSeconds?: number;
  /** Pairs and addresses tracked at most; the least recently seen is forgotten first. Default 10 000. */
  maxTracked?: number;
  /** Told once per block, when it starts. */
  log?: (message: string) => void;
}

interface Entry {
  /** Epoch ms of the failures still inside the window, oldest first, at most the limit. */
  failures: number[];
  /** Epoch ms; 0 when not blocked. */
  blockedUntil: number;
}

/** Sliding-window counters with a block, keyed by text; the least recently seen forgotten first. */
class Counters {
  /** Map order is least recently seen first. */
  readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly banMs: number,
    private readonly maxTracked: number,
  ) {}

  isBlocked(key: string, now: number): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.blockedUntil <= now) return false;
    // A key that keeps knocking stays tracked, so a flood of others evicts it last.
    this.touch(key, entry);
    return true;
  }

  /** Keys blocked at `now`: a walk over the tracked ones, for a metrics scrape. */
  blockedCount(now: number): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.blockedUntil > now) n++;
    return n;
  }

  /** Failures of `key` still inside the window (0 when unknown). */
  recent(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (entry === undefined) return 0;
    const since = now - this.windowMs;
    return entry.failures.filter((t) => t > since).length;
  }

  record(key: string, now: number): { blockedNow: boolean; blockedUntil?: number } {
    const entry = this.entries.get(key) ?? { failures: [], blockedUntil: 0 };
    this.touch(key, entry);
    if (entry.blockedUntil > now) return { blockedNow: false, blockedUntil: entry.blockedUntil };
    const since = now - this.windowMs;
    entry.failures = entry.failures.filter((t) => t > since);
    entry.failures.push(now);
    if (entry.failures.length < this.limit) return { blockedNow: false };
    entry.failures = [];
    entry.blockedUntil = now + this.banMs;
    return { blockedNow: true, blockedUntil: entry.blockedUntil };
  }

  clear(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    if (entry.blockedUntil === 0) this.entries.delete(key);
    else entry.failures = [];
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxTracked) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }
}

export class AuthGuard {
  private readonly maxFailures: number;
  private readonly maxUsers: number;
  private readonly windowMs: number;
  private readonly banMs: number;
  private readonly log: (message: string) => void;
  /** Keyed by address and user. */
  private readonly pairs: Counters;
  /** Keyed by address: one count per user that starts failing there. */
  private readonly addresses: Counters;

  constructor(options: AuthGuardOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.maxUsers = options.maxUsers ?? 10;
    this.windowMs = (options.windowSeconds ?? 60) * 1000;
    this.banMs = (options.banSeconds ?? 300) * 1000;
    const maxTracked = options.maxTracked ?? 10_000;
    this.pairs = new Counters(this.maxFailures, this.windowMs, this.banMs, maxTracked);
    this.addresses = new Counters(this.maxUsers, this.windowMs, this.banMs, maxTracked);
    this.log = options.log ?? (() => undefined);
  }

  /** Pairs and addresses currently tracked (for metrics and tests). */
  get size(): number {
    return this.pairs.entries.size + this.addresses.entries.size;
  }

  /** Addresses and address-user pairs blocked at `now`, for a metrics scrape. */
  blockedCount(now: number): number {
    return this.addresses.blockedCount(now) + this.pairs.blockedCount(now);
  }

  /** The address is blocked, or (with `user`) that user from that address is. */
  isBlocked(address: string, user: string | undefined, now: number): boolean {
    if (this.addresses.isBlocked(address, now)) return true;
    return user !== undefined && this.pairs.isBlocked(pairKey(address, user), now);
  }

  /**
   * Counts one failure of `user` (undefined: credentials naming nobody) from `address`;
   * `blockedNow` is true for the failure that starts a block of the pair or of the address.
   */
  recordFailure(
    address: string,
    user: string | undefined,
    now: number,
  ): { blockedNow: boolean; blockedUntil?: number } {
    const key = pairKey(address, user ?? '');
    // Only a user's first failure in the window counts against the address: one phone retrying
    // with a wrong password must not add up to a block of its neighbours.
    const newUser = this.pairs.recent(key, now) === 0 && !this.pairs.isBlocked(key, now);
    const pair = this.pairs.record(key, now);
    if (pair.blockedNow) {
      this.log(
        `auth-guard: refusing user ${JSON.stringify(user ?? '')} from ${address} for ` +
          `${this.banMs / 1000} s after ${this.maxFailures} authentication failures within ` +
          `${this.windowMs / 1000} s`,
      );
    }
    if (!newUser) return pair;
    const whole = this.addresses.record(address, now);
    if (whole.blockedNow) {
      this.log(
        `auth-guard: refusing ${address} for ${this.banMs / 1000} s after authentication ` +
          `failures of ${this.maxUsers} users within ${this.windowMs / 1000} s`,
      );
      return whole;
    }
    return pair;
  }

  /** Success clears the pair's failures but not a block (isBlocked is asked first). */
  recordSuccess(address: string, user: string): void {
    this.pairs.clear(pairKey(address, user));
  }
}

function pairKey(address: string, user: string): string {
  // A newline cannot occur in an address nor in a header value's username.
  return `${address}\n${user}`;
}

export type AuthOutcome =
  | { kind: 'accept'; username: string; failure: false }
  /** 401 (registrar, UAS) or 407 (proxy) with DigestServer.challenge({ stale }). */
  | { kind: 'challenge'; stale: boolean; failure: boolean }
  | { kind: 'reject'; status: 400 | 403; failure: true };

/**
 * What to answer to a verified (or not) request. The rule that matters: an unknown extension and a
 * wrong password get exactly the same treatment, a normal challenge first and then the same 403,
 * never a 404, so that scanning extensions (`svwar`) learns nothing. `failure` says whether the
 * attempt counts against the source address in the AuthGuard.
 */
export function authenticationOutcome(result: DigestVerifyResult): AuthOutcome {
  if (result.ok) return { kind: 'accept', username: result.username, failure: false };
  switch (result.reason) {
    // The usual first request, and the client answering a challenge we no longer honour.
    case 'missing':
    case 'realm':
    case 'algorithm':
      return { kind: 'challenge', stale: false, failure: false };
    // RFC 2617 §3.2.1: the password was right; the client retries silently with a fresh nonce.
    case 'stale':
    case 'replay':
      return { kind: 'challenge', stale: true, failure: false };
    // A nonce we never issued: forged, or signed with a secret since lost. A fresh challenge lets
    // an honest client in; counting it stops a scanner that never reads our challenges.
    // The RFC 2069 form (no qop) could be a replay: a client that can do better gets a challenge
    // to answer with qop; a replayer keeps failing until blocked.
    case 'nonce':
    case 'no-qop':
      return { kind: 'challenge', stale: false, failure: true };
    case 'malformed':
      return { kind: 'reject', status: 400, failure: true };
    // One answer for all three, whatever the cause.
    case 'unknown-user':
    case 'wrong-password':
    case 'uri':
      return { kind: 'reject', status: 403, failure: true };
  }
}
