/**
 * How an extension's secrets are held. The SIP and web password is kept as its digest HA1 values
 * (RFC 7616 §3.4.2: H(number:realm:password)), one per algorithm the PBX offers: that is all a
 * digest check needs, and the same value checks a web login. The voicemail PIN is kept as an
 * scrypt hash (store/credentials.ts makes and checks it: it needs randomness and time).
 *
 * A document may carry either form: `password` / `voicemailPin` in clear (what a person writes),
 * or `passwordHash` / `voicemailPinHash` as `renvoi export` prints them, so export then import
 * round-trips without anyone seeing a password. A hashed password is bound to the realm and to
 * the extension's number: renumbering an extension needs a new password.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The digest realm, fixed for every PBX: the stored HA1 values depend on it. */
export const REALM = 'renvoi';

/** HA1 for each digest algorithm offered (RFC 8760), lower-case hex. */
export interface PasswordDigests {
  md5: string;
  sha256: string;
}

export type SipPassword = { plain: string } | { digests: PasswordDigests };

/** `hash`: the text voicemailPinHash holds ($scrypt$...). */
export type VoicemailPin = { plain: string } | { hash: string };

export function passwordDigests(number: string, password: string): PasswordDigests {
  const a1 = `${number}:${REALM}:${password}`;
  return {
    md5: createHash('md5').update(a1, 'utf8').digest('hex'),
    sha256: createHash('sha256').update(a1, 'utf8').digest('hex'),
  };
}

/** The digests of a password in either form. */
export function digestsOf(number: string, password: SipPassword): PasswordDigests {
  return 'digests' in password ? password.digests : passwordDigests(number, password.plain);
}

const HASH_PREFIX = `$ha1$${REALM}$`;
const PASSWORD_HASH = /^\$ha1\$([^$]+)\$([0-9a-f]{32})\$([0-9a-f]{64})$/;

/** The `passwordHash` text: `$ha1$<realm>$<MD5 HA1>$<SHA-256 HA1>`. */
export function formatPasswordHash(digests: PasswordDigests): string {
  return `${HASH_PREFIX}${digests.md5}$${digests.sha256}`;
}

/** The digests a `passwordHash` text holds, or null when it is not one (or for another realm). */
export function parsePasswordHash(text: string): PasswordDigests | null {
  const match = PASSWORD_HASH.exec(text);
  if (match === null || match[1] !== REALM) return null;
  return { md5: match[2] ?? '', sha256: match[3] ?? '' };
}

/** `$scrypt$N=<cost>,r=<block>,p=<parallel>$<salt>$<key>`, salt and key in base64. */
export const PIN_HASH =
  /^\$scrypt\$N=(\d{1,7}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88}={0,2})\$([A-Za-z0-9+/]{43,88}={0,2})$/;

/** Whether `given` is the password (constant time in what it compares). */
export function passwordMatches(number: string, password: SipPassword, given: string): boolean {
  const expected = Buffer.from(digestsOf(number, password).sha256, 'hex');
  const actual = Buffer.from(passwordDigests(number, given).sha256, 'hex');
  return timingSafeEqual(expected, actual);
}

/**
 * The stored form of a password as text: what the session fingerprint is taken from, so that a
 * password change ends the sessions opened with the old one.
 */
export function passwordKey(number: string, password: SipPassword): string {
  return formatPasswordHash(digestsOf(number, password));
}
