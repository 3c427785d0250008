/**
 * Defence against password guessing and extension enumeration (SIPVicious `svcrack`/`svwar` and the
 * like), pure: the clock is passed in and the log is a function the caller provides.
 *
 * How the registrar (and the B2BUA for INVITE) uses it, per request from `address`:
 * 1. `guard.isBlocked(address, now)`: refuse before any digest work. Recommendation: on UDP
 *    drop the request silently (no response to amplify or to time, and scanners stall on
 *    timeouts); on TCP and WebSocket answer 403 and let the connection close.
 * 2. `authenticationOutcome(server.verify(…))` says what to answer.
 * 3. If `outcome.failure`, `guard.recordFailure(address, now)`; on `accept`, `recordSuccess`.
 *
 * The guard keys on the full source address. A whole office behind one NAT shares it, so a single
 * phone with a wrong password can get its neighbours refused for `banSeconds`; the defaults (10
 * failures in 60 s) are far above what one misconfigured phone produces (about one failure per
 * registration attempt).
 */
import type { DigestVerifyResult } from '../../sip/auth/digest.js';

export interface AuthGuardOptions {
  /** Failures within `windowSeconds` that block the address. Default 10. */
  maxFailures?: number;
  windowSeconds?: number;
  banSeconds?: number;
  /** Addresses tracked at most; the least recently seen is forgotten first. Default 10 000. */
  maxTracked?: number;
  /** Told once per block, when it starts. */
  log?: (message: string) => void;
}

interface Entry {
  /** Epoch ms of the failures still inside the window, oldest first, at most maxFailures. */
  failures: number[];
  /** Epoch ms; 0 when not blocked. */
  blockedUntil: number;
}

export class AuthGuard {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly banMs: number;
  private readonly maxTracked: number;
  private readonly log: (message: string) => void;
  /** Map order is least recently seen first. */
  private readonly entries = new Map<string, Entry>();

  constructor(options: AuthGuardOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = (options.windowSeconds ?? 60) * 1000;
    this.banMs = (options.banSeconds ?? 300) * 1000;
    this.maxTracked = options.maxTracked ?? 10_000;
    this.log = options.log ?? (() => undefined);
  }

  /** Addresses currently tracked (for metrics and tests). */
  get size(): number {
    return this.entries.size;
  }

  isBlocked(address: string, now: number): boolean {
    const entry = this.entries.get(address);
    if (entry === undefined) return false;
    if (entry.blockedUntil > now) {
      // An address that keeps knocking stays tracked, so a flood of other addresses evicts it last.
      this.touch(address, entry);
      return true;
    }
    return false;
  }

  /** Counts one failure; `blockedNow` is true for the failure that starts a block. */
  recordFailure(address: string, now: number): { blockedNow: boolean; blockedUntil?: number } {
    const entry = this.entries.get(address) ?? { failures: [], blockedUntil: 0 };
    this.touch(address, entry);
    if (entry.blockedUntil > now) return { blockedNow: false, blockedUntil: entry.blockedUntil };
    const since = now - this.windowMs;
    entry.failures = entry.failures.filter((t) => t > since);
    entry.failures.push(now);
    if (entry.failures.length < this.maxFailures) return { blockedNow: false };
    entry.failures = [];
    entry.blockedUntil = now + this.banMs;
    this.log(
      `auth-guard: refusing ${address} for ${this.banMs / 1000} s after ${this.maxFailures} ` +
        `authentication failures within ${this.windowMs / 1000} s`,
    );
    return { blockedNow: true, blockedUntil: entry.blockedUntil };
  }

  /** Success clears the address's failures but not a block (isBlocked is asked first). */
  recordSuccess(address: string): void {
    const entry = this.entries.get(address);
    if (entry === undefined) return;
    if (entry.blockedUntil === 0) this.entries.delete(address);
    else entry.failures = [];
  }

  private touch(address: string, entry: Entry): void {
    this.entries.delete(address);
    this.entries.set(address, entry);
    if (this.entries.size > this.maxTracked) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }
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
