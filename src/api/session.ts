/**
 * Web sessions without server state: the cookie carries the extension, the expiry and a CSRF
 * nonce, signed with HMAC-SHA256 under a key kept in the store (so sessions outlive a restart).
 *
 * - The cookie also carries a fingerprint of the extension's password: changing the password ends
 *   every session of that extension, on every node, without any list.
 * - Logging out puts the cookie's signature on a deny list until the cookie expires, and an admin
 *   may end every session of an extension opened until now. Both are kept in the database
 *   (store/session-revocations.ts), so a restart does not bring a cookie back, and in memory,
 *   so checking a request reads no row. A cookie lives SESSION_MS at most, so the lists stay
 *   small.
 * - The CSRF token handed to the page is the nonce masked with a fresh salt each time it is asked
 *   for: every token handed out for a session verifies, and none repeats.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Revocations } from '../store/session-revocations.js';

/** How long a login lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** Bounds the deny list whatever happens: beyond it the oldest entries go first. */
const MAX_DENIED = 100_000;

export interface Session {
  extension: string;
  expiresAt: number;
  nonce: string;
  /** The signature, which names this cookie on the deny list. */
  id: string;
}

interface Payload {
  e: string;
  x: number;
  n: string;
  p: string;
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64url');
}

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Where revocations are kept so that they outlive the process. */
export interface RevocationStore {
  sessionRevoked(id: string, expiresAt: number): Promise<void>;
  extensionRevoked(extension: string, issuedBefore: number, expiresAt: number): Promise<void>;
}

export class SessionKeeper {
  private readonly denied: Map<string, number>;
  private readonly issuedBefore: Map<string, number>;

  /** `revoked`: what the store holds from before; without `store`, revocations last the process. */
  constructor(
    private readonly key: Buffer,
    private readonly clock: () => number = Date.now,
    revoked: Revocations = { sessions: new Map(), issuedBefore: new Map() },
    private readonly store?: RevocationStore,
  ) {
    this.denied = new Map(revoked.sessions);
    this.issuedBefore = new Map(revoked.issuedBefore);
  }

  private mac(label: string, data: string): string {
    return b64(createHmac('sha256', this.key).update(`${label}\n${data}`).digest());
  }

  private fingerprint(extension: string, password: string): string {
    return this.mac('password', `${extension}\n${password}`).slice(0, 16);
  }

  /** A new session for `extension`: the cookie value and the session it names. */
  issue(extension: string, password: string): { cookie: string; session: Session } {
    const payload: Payload = {
      e: extension,
      x: this.clock() + SESSION_MS,
      n: b64(randomBytes(18)),
      p: this.fingerprint(extension, password),
    };
    const body = b64(Buffer.from(JSON.stringify(payload)));
    const id = this.mac('session', body);
    return {
      cookie: `${body}.${id}`,
      session: { extension, expiresAt: payload.x, nonce: payload.n, id },
    };
  }

  /**
   * The session a cookie names, or null when it is forged, expired, logged out, or its
   * extension's password (looked up now) has changed or the extension is gone.
   */
  verify(
    cookie: string | undefined,
    passwordOf: (extension: string) => string | null,
  ): Session | null {
    if (cookie === undefined || cookie.length > 2048) return null;
    const [body = '', id = '', extra] = cookie.split('.');
    if (extra !== undefined || !sameBytes(this.mac('session', body), id)) return null;
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return null;
    }
    if (typeof payload.e !== 'string' || typeof payload.n !== 'string') return null;
    if (typeof payload.x !== 'number' || payload.x <= this.clock()) return null;
    if (this.denied.has(id)) return null;
    // The cookie says when it expires, and so when it was issued.
    const cutoff = this.issuedBefore.get(payload.e);
    if (cutoff !== undefined && payload.x - SESSION_MS <= cutoff) return null;
    const password = passwordOf(payload.e);
    if (password === null || !sameBytes(this.fingerprint(payload.e, password), String(payload.p))) {
      return null;
    }
    return { extension: payload.e, expiresAt: payload.x, nonce: payload.n, id };
  }

  /** Logout: the cookie is refused from now until it would have expired anyway. */
  async revoke(session: Session): Promise<void> {
    this.purge();
    if (this.denied.size >= MAX_DENIED) {
      const oldest = this.denied.keys().next();
      if (oldest.done !== true) this.denied.delete(oldest.value);
    }
    this.denied.set(session.id, session.expiresAt);
    await this.store?.sessionRevoked(session.id, session.expiresAt);
  }

  /** Every session of `extension` opened until now is refused; later logins are not. */
  async revokeAll(extension: string): Promise<void> {
    const now = this.clock();
    this.issuedBefore.set(extension, now);
    await this.store?.extensionRevoked(extension, now, now + SESSION_MS);
  }

  /** A CSRF token for the page: a fresh salt and the MAC of the session's nonce with it. */
  csrfToken(session: Session): string {
    const salt = b64(randomBytes(12));
    return `${salt}.${this.mac('csrf', `${session.nonce}\n${salt}`)}`;
  }

  csrfValid(session: Session, token: string | undefined): boolean {
    if (token === undefined || token.length > 256) return false;
    const [salt = '', mac = '', extra] = token.split('.');
    if (extra !== undefined || salt === '') return false;
    return sameBytes(this.mac('csrf', `${session.nonce}\n${salt}`), mac);
  }

  deniedCount(): number {
    this.purge();
    return this.denied.size;
  }

  private purge(): void {
    const now = this.clock();
    for (const [id, expiresAt] of this.denied) if (expiresAt <= now) this.denied.delete(id);
    for (const [extension, cutoff] of this.issuedBefore) {
      if (cutoff + SESSION_MS <= now) this.issuedBefore.delete(extension);
    }
  }
}
