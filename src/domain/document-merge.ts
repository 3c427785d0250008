/**
 * What an import keeps of the stored directory. A directory document replaces the directory, but
 * an extension's secrets and role are not the document's to lose by omission: an entry without a
 * password keeps the extension's password, without a voicemail PIN its PIN, without a role its
 * role. An admin can then keep the directory in a file without a secret in it, and importing an
 * example after the first start keeps the passwords that start printed and the admin it made.
 * The SMTP relay's password is kept the same way.
 * An entry that does set one replaces it; the import says which extensions' passwords changed.
 *
 * Works on the raw document, before `buildDirectory`, so that problems keep their paths (and the
 * file its lines) and whatever form the store exports a secret in is what is carried over.
 */
import type { DirectoryDocument } from './document.js';

/**
 * The fields kept when the entry names none of their forms: a key is one of a field's forms when
 * it starts with the field's name (a password in clear or as the digest export writes it).
 */
const KEPT_FIELDS = ['password', 'voicemailPin', 'role'] as const;

export interface KeptSecrets {
  /** The document to build: the input, with the stored fields filled in. */
  document: unknown;
  /** Existing extensions whose password the document changes. */
  passwordsSet: string[];
  /** New extensions without a password in the document, and the one they were given. */
  generated: { number: string; password: string }[];
}

type Entry = Record<string, unknown>;

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasField(entry: Entry, field: string): boolean {
  return Object.keys(entry).some((key) => key.startsWith(field));
}

/**
 * `input` with each existing extension's stored password, PIN and role where its entry has none.
 * `newPassword`, when given, makes a password for a new extension whose entry has none (else the
 * missing password is the document's problem, reported by `buildDirectory`).
 */
export function keepStoredSecrets(
  input: unknown,
  stored: DirectoryDocument,
  newPassword: (() => string) | null,
): KeptSecrets {
  const result: KeptSecrets = { document: input, passwordsSet: [], generated: [] };
  if (!isEntry(input)) return result;
  const smtp = keptSmtp(input.smtp, stored.smtp);
  const doc: Entry = smtp === input.smtp ? input : { ...input, smtp };
  result.document = doc;
  if (!Array.isArray(doc.extensions)) return result;
  const storedByNumber = new Map<string, Entry>();
  for (const ext of stored.extensions ?? []) storedByNumber.set(String(ext.number), ext as Entry);
  const extensions = doc.extensions.map((item: unknown) => {
    if (!isEntry(item)) return item;
    const number =
      typeof item.number === 'string' || typeof item.number === 'number'
        ? String(item.number)
        : null;
    const previous = number === null ? undefined : storedByNumber.get(number);
    const entry: Entry = { ...item };
    if (previous === undefined) {
      if (number !== null && newPassword !== null && !hasField(entry, 'password')) {
        entry.password = newPassword();
        result.generated.push({ number, password: entry.password as string });
      }
      return entry;
    }
    const passwordKeys = Object.keys(entry).filter((key) => key.startsWith('password'));
    if (passwordKeys.some((key) => entry[key] !== previous[key]) && number !== null) {
      result.passwordsSet.push(number);
    }
    for (const field of KEPT_FIELDS) {
      if (hasField(entry, field)) continue;
      for (const [key, value] of Object.entries(previous)) {
        if (key.startsWith(field)) entry[key] = value;
      }
    }
    return entry;
  });
  result.document = { ...doc, extensions };
  return result;
}

/**
 * The relay's password, kept like an extension's when the `smtp` entry names none of its forms
 * and the same user: the admin page sends back what the export shows, which never has it in clear.
 */
function keptSmtp(input: unknown, stored: DirectoryDocument['smtp']): unknown {
  if (!isEntry(input) || stored === undefined || hasField(input, 'password')) return input;
  if (input.username !== stored.username || stored.passwordSealed === undefined) return input;
  return { ...input, passwordSealed: stored.passwordSealed };
}
