/**
 * Voicemail PINs hashed with scrypt (RFC 7914, Node's crypto), and the conversions between the
 * domain's credentials and the text the extension table keeps (domain/credentials.ts explains the
 * forms). scrypt runs on libuv's thread pool: a PIN check during a call never blocks the event
 * loop, where the media clock runs.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import {
  PIN_HASH,
  digestsOf,
  formatPasswordHash,
  parsePasswordHash,
} from '../domain/credentials.js';
import type { SipPassword, VoicemailPin } from '../domain/credentials.js';

/**
 * A low cost (1 MiB, about a millisecond). A PIN has 4 to 10 digits, so no cost would stop an
 * offline search of all of them; what the hash buys is that nobody reads the PIN, and the salt
 * that equal PINs do not look equal. Node's default (N = 16,384: tens of milliseconds a hash)
 * would make an import of the benchmark's 1,000 extensions, each with a PIN, last tens of seconds.
 * The cost is written in each hash, so hashes made with another one still verify.
 */
const COST = { N: 1024, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

function derive(
  pin: string,
  salt: Buffer,
  options: ScryptOptions,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, length, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(pin, salt, COST, KEY_BYTES);
  return `$scrypt$N=${COST.N},r=${COST.r},p=${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `entered` is the PIN; false for a hash this code cannot read. */
export async function pinMatches(pin: VoicemailPin, entered: string): Promise<boolean> {
  if ('plain' in pin) {
    const a = Buffer.from(pin.plain);
    const b = Buffer.from(entered);
    return a.length === b.length && timingSafeEqual(a, b);
  }
  const match = PIN_HASH.exec(pin.hash);
  if (match === null) return false;
  const [, n, r, p, salt = '', key = ''] = match;
  const expected = Buffer.from(key, 'base64');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  try {
    const actual = await derive(entered, Buffer.from(salt, 'base64'), options, expected.length);
    return timingSafeEqual(expected, actual);
  } catch {
    // Parameters scrypt refuses (N not a power of two, too much memory): no PIN matches them.
    return false;
  }
}

/** The `password` column's text: always the digests, never the password. */
export function storedPassword(number: string, password: SipPassword): string {
  return formatPasswordHash(digestsOf(number, password));
}

/** The `voicemail_pin` column's text: always a hash, never the PIN. */
export async function storedPin(pin: VoicemailPin | null): Promise<string | null> {
  if (pin === null) return null;
  return 'hash' in pin ? pin.hash : hashPin(pin.plain);
}

/**
 * A `password` column read back. Text that is not a digest pair is a password an older version
 * stored in clear, which the migration hashes: kept as such until then.
 */
export function loadedPassword(text: string): SipPassword {
  const digests = parsePasswordHash(text);
  return digests === null ? { plain: text } : { digests };
}

export function loadedPin(text: string | null): VoicemailPin | null {
  if (text === null) return null;
  return PIN_HASH.test(text) ? { hash: text } : { plain: text };
}
