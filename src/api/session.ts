/**
 * Web sessions without server state: the cookie carries the extension, the expiry and a CSRF
 * nonce, signed with HMAC-SHA256 under a key kept in the store (so sessions outlive a restart).
 *
 * - The cookie also carries a fingerprint of the extension's password: changing the password ends
 *   every session of that extension, on every node, without any list.
 * - Logging out puts the cookie's signature on an in-memory deny list until the cookie expires.
 *   That is enough because the browser drops the cookie at once (the deny list only matters to a
 *   copy stolen before logout), a cookie lives SESSION_MS at most so the list stays small, and a
 *   restart that forgets the list still leaves a stolen cookie useless after a password change.
 * - The CSRF token handed to the page is the nonce masked with a fresh salt each time it is asked
 *   for: every token handed out for a session verifies, and none repeats.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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

export class SessionKeeper {
  private readonly denied = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    private readonly clock: () => number = Date.now,
  ) {}

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
    const password = passwordOf(payload.e);
    if (password === null || !sameBytes(this.fingerprint(payload.e, password), String(payload.p))) {
      return null;
    }
    return { extension: payload.e, expiresAt: payload.x, nonce: payload.n, id };
  }

  /** Logout: the cookie is refused from now until it would have expired anyway. */
  revoke(session: Session): void {
    this.purge();
    if (this.denied.size >= MAX_DENIED) {
      const oldest = this.denied.keys().next();
      if (oldest.done !== true) this.denied.delete(oldest.value);
    }
    this.denied.set(session.id, session.expiresAt);
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
  }
}
