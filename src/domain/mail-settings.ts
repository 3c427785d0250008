/**
 * Voicemail by e-mail in the directory document (issue 13 §7): each extension's address and
 * whether its messages leave the mailbox once mailed, and the SMTP relay they go through. Read
 * with the document's reader, so every mistake has its path; written back by `toDocument`.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { SMTP_SECURITIES } from './types.js';
import type { SmtpPassword, SmtpSecurity, SmtpSettings } from './types.js';
import type { Reader } from './document.js';
import { at } from './problem-path.js';

type Obj = Record<string, unknown>;

/** RFC 5321 §4.5.3.1: a path is at most 256 octets with its brackets, a local part 64. */
const MAX_ADDRESS = 254;
const MAX_LOCAL = 64;
/** RFC 5322 §3.2.3 dot-atom; quoted local parts are left out (no user of a PBX has one). */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** A host name with at least one dot (RFC 1035 labels); the last label a name, not digits. */
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** Whether `text` is an address a relay will take: local@domain, nothing around it. */
export function isEmailAddress(text: string): boolean {
  if (text.length > MAX_ADDRESS) return false;
  const atSign = text.lastIndexOf('@');
  if (atSign < 1) return false;
  const local = text.slice(0, atSign);
  const domain = text.slice(atSign + 1);
  return local.length <= MAX_LOCAL && LOCAL_PART.test(local) && DOMAIN.test(domain);
}

/** `$aes256gcm$<iv>$<tag>$<ciphertext>`, each part base64: what store/sealed-secret.ts writes. */
export const SEALED_SECRET =
  /^\$aes256gcm\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]+={0,2}$/;

/** The port each way of securing the connection has by default (RFC 8314 §3.3, RFC 6409). */
export const SMTP_DEFAULT_PORTS: Record<SmtpSecurity, number> = {
  starttls: 587,
  tls: 465,
  none: 25,
};

export const SMTP_KEYS = [
  'host',
  'port',
  'security',
  'username',
  'password',
  'passwordSealed',
  'from',
] as const;

export const SmtpDocumentSchema = Type.Object(
  {
    host: Type.String(),
    port: Type.Optional(Type.Integer()),
    security: Type.Optional(Type.Union(SMTP_SECURITIES.map((s) => Type.Literal(s)))),
    username: Type.Optional(Type.String()),
    /** In clear, as typed; or else passwordSealed, as exported (only this PBX can open it). */
    password: Type.Optional(Type.String()),
    passwordSealed: Type.Optional(Type.String()),
    from: Type.String(),
  },
  { additionalProperties: false },
);
export type SmtpDocument = Static<typeof SmtpDocumentSchema>;

/** An address given as text, or null when absent or blank (a form's cleared field). */
function readAddress(r: Reader, value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  const text = r.string(value, path, '').trim();
  if (text === '') return null;
  if (!isEmailAddress(text)) {
    r.add(path, 'directory.bad-email', { value: text });
    return null;
  }
  return text;
}

/** An extension's `email` and `deleteAfterEmail`. */
export function readExtensionMail(
  r: Reader,
  obj: Obj,
  path: string,
): { email: string | null; deleteAfterEmail: boolean } {
  const email = readAddress(r, obj.email, at(path, 'email'));
  const deleteAfterEmail = r.boolean(obj.deleteAfterEmail, at(path, 'deleteAfterEmail'), false);
  const emailGiven = typeof obj.email === 'string' && obj.email.trim() !== '';
  if (deleteAfterEmail && !emailGiven) {
    // Deleting what is never sent would lose every message.
    r.add(at(path, 'deleteAfterEmail'), 'directory.delete-without-email');
  }
  return { email, deleteAfterEmail };
}

function readSmtpPassword(r: Reader, obj: Obj): SmtpPassword | null {
  if (obj.passwordSealed !== undefined && obj.password === undefined) {
    const text = r.string(obj.passwordSealed, 'smtp.passwordSealed', '');
    if (SEALED_SECRET.test(text)) return { sealed: text };
    if (typeof obj.passwordSealed === 'string')
      r.add('smtp.passwordSealed', 'directory.bad-sealed');
    return null;
  }
  if (obj.password === undefined || obj.password === null) return null;
  return { plain: r.text(obj.password, 'smtp.password') };
}

/** The document's `smtp` section, or null when there is none. */
export function readSmtp(r: Reader, value: unknown): SmtpSettings | null {
  if (value === undefined || value === null) return null;
  const obj = r.object(value, 'smtp', SMTP_KEYS);
  if (obj === null) return null;
  const host = r.text(obj.host, 'smtp.host');
  if (/[\s/@]/.test(host.trim())) r.add('smtp.host', 'directory.bad-host', { value: host });
  const security = r.oneOf(obj.security, 'smtp.security', SMTP_SECURITIES, 'starttls');
  const port = r.integer(obj.port, 'smtp.port', SMTP_DEFAULT_PORTS[security], 1, 65535);
  const username =
    obj.username === undefined || obj.username === null
      ? null
      : r.text(obj.username, 'smtp.username');
  const password = readSmtpPassword(r, obj);
  const passwordGiven = obj.password !== undefined || obj.passwordSealed !== undefined;
  if ((username === null) === passwordGiven) {
    r.add(username === null ? 'smtp.username' : 'smtp.password', 'directory.credentials-pair');
  }
  const fromGiven = typeof obj.from === 'string' ? obj.from.trim() !== '' : obj.from !== undefined;
  if (!fromGiven) r.add('smtp.from', 'directory.required');
  const from = readAddress(r, obj.from, 'smtp.from') ?? '';
  return { host: host.trim(), port, security, username, password, from };
}

/** The `smtp` section of an export: defaults left out, the password only ever sealed. */
export function smtpDocument(smtp: SmtpSettings): SmtpDocument {
  const doc: SmtpDocument = { host: smtp.host, from: smtp.from };
  if (smtp.port !== SMTP_DEFAULT_PORTS[smtp.security]) doc.port = smtp.port;
  if (smtp.security !== 'starttls') doc.security = smtp.security;
  if (smtp.username !== null) doc.username = smtp.username;
  if (smtp.password !== null) {
    // In clear only for a directory read from a document and not stored yet.
    if ('plain' in smtp.password) doc.password = smtp.password.plain;
    else doc.passwordSealed = smtp.password.sealed;
  }
  return doc;
}
