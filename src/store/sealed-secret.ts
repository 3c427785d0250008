/**
 * Secrets the PBX must give back in clear to someone else (the SMTP relay's password, RFC 4954
 * AUTH), so they cannot be hashed: they are sealed with AES-256-GCM under a key of the keys file
 * (secrets.ts), which lives beside the database and never in it. A copy of the database or an
 * export shows only the sealed text; only the PBX holding the key opens it. The associated data
 * names what the secret is for, so a sealed value moved to another field does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { SEALED_SECRET } from '../domain/mail-settings.js';
import type { Settings } from '../domain/types.js';
import type { Db } from './database.js';
import { sqliteOf } from './database.js';
import { loadOrCreateSecret, secretWithin } from './secrets.js';

const KEY_NAME = 'sealing';
const PREFIX = '$aes256gcm$';
/** NIST SP 800-38D §8.2: a random 96-bit IV, never reused under a key with any likelihood. */
const IV_BYTES = 12;

export class SealedSecretError extends Error {
  override readonly name = 'SealedSecretError';
}

/** The keys file sits beside the database, in the data directory. */
export function dataDirOf(db: Db): string {
  return dirname(sqliteOf(db).name);
}

/** The sealing key, for a caller outside any transaction (the mail queue at start). */
export function sealingKey(db: Db): Promise<Buffer> {
  return loadOrCreateSecret(db, dataDirOf(db), KEY_NAME);
}

export function seal(key: Buffer, purpose: string, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${PREFIX}${iv.toString('base64')}$${tag.toString('base64')}$${body.toString('base64')}`;
}

/** The secret in clear; throws when the text was sealed under another key or altered. */
export function openSealed(key: Buffer, purpose: string, sealed: string): string {
  if (!SEALED_SECRET.test(sealed)) throw new SealedSecretError('not a sealed secret');
  const [iv = '', tag = '', body = ''] = sealed.slice(PREFIX.length).split('$');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
    return plain.toString('utf8');
  } catch {
    throw new SealedSecretError('sealed by another PBX (another keys file), or altered');
  }
}

export const SMTP_PASSWORD = 'smtp.password';

/**
 * The settings as the setting table keeps them: an SMTP password in clear sealed first. Called
 * with the write lock held, so the key it may create is the one every process uses.
 */
export async function settingsToStore(
  trx: Db,
  dataDir: string,
  settings: Settings,
): Promise<Settings> {
  const smtp = settings.smtp;
  if (smtp?.password === null || smtp?.password === undefined || !('plain' in smtp.password)) {
    return settings;
  }
  const { value: key } = await secretWithin(trx, dataDir, KEY_NAME);
  const sealed = seal(key, SMTP_PASSWORD, smtp.password.plain);
  return { ...settings, smtp: { ...smtp, password: { sealed } } };
}
