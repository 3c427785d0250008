/**
 * Contacts (issue 13 §2): the company phonebook and each user's own contacts, found by the
 * caller's canonical number, so that every written form of a contact's number meets the same
 * entry, as caller-ID patterns do (design §2).
 *
 * Choices where the issue is silent:
 * - Only outside callers are looked up: a colleague is in the directory already, and an internal
 *   caller is never `unknown`. An anonymous caller is in no book, so it is `unknown`.
 * - Where a number is in several entries of one book, the first entry names the caller; the groups
 *   of all of them count for `group:NAME`.
 * - Group names compare without case or accents ("Clients" is "clients").
 */
import { canonicalCallerKey, digitsOf } from './numbers.js';
import type { Caller, CallerBook, Contact, Country, Directory, Extension } from './types.js';

export const MAX_PHONEBOOK = 20_000;
export const MAX_PERSONAL_CONTACTS = 2_000;
export const MAX_CONTACT_NUMBERS = 10;
export const MAX_CONTACT_GROUPS = 10;
export const MAX_CONTACT_NAME = 100;
/** Group names are one word of a caller-ID field: `group:NAME`. */
export const GROUP_NAME = /^[\p{L}\p{N}_.-]{1,40}$/u;

export function foldGroup(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The key a contact's number is filed under: the one a caller with those digits gets. */
export function contactKey(number: string, country: Country): string | null {
  const digits = digitsOf(number);
  if (digits === '' || digits === '+') return null;
  return canonicalCallerKey(digits, country) ?? digits;
}

type Index = Map<string, Contact[]>;

interface Indexed {
  country: Country;
  index: Index;
}

const indexes = new WeakMap<readonly Contact[], Indexed>();

/** Built once per list (lists are replaced, never edited in place), rebuilt if the country changes. */
function indexOf(contacts: readonly Contact[], country: Country): Index {
  const cached = indexes.get(contacts);
  if (cached !== undefined && cached.country === country) return cached.index;
  const index: Index = new Map();
  for (const contact of contacts) {
    for (const number of contact.numbers) {
      const key = contactKey(number, country);
      if (key === null) continue;
      const list = index.get(key);
      if (list === undefined) index.set(key, [contact]);
      else if (!list.includes(contact)) list.push(contact);
    }
  }
  indexes.set(contacts, { country, index });
  return index;
}

const EMPTY: CallerBook = { personal: null, phonebook: null, groups: new Set() };

/** Where `caller` is, seen from `owner`'s contacts and the phonebook. */
export function callerBook(
  directory: Directory,
  owner: Extension | null,
  caller: Caller,
): CallerBook {
  if (caller.kind !== 'external') return EMPTY;
  const key = caller.e164 ?? caller.digits;
  const country = directory.settings.country;
  const personal = owner === null ? [] : (indexOf(owner.contacts, country).get(key) ?? []);
  const phonebook = indexOf(directory.phonebook, country).get(key) ?? [];
  if (personal.length === 0 && phonebook.length === 0) return EMPTY;
  const groups = new Set<string>();
  for (const contact of [...personal, ...phonebook]) {
    for (const group of contact.groups) groups.add(foldGroup(group));
  }
  return { personal: personal[0] ?? null, phonebook: phonebook[0] ?? null, groups };
}

/** The name to show for a caller: the called user's own contact first, then the phonebook's. */
export function callerName(
  directory: Directory,
  owner: Extension | null,
  caller: Caller,
): string | null {
  const book = callerBook(directory, owner, caller);
  return (book.personal ?? book.phonebook)?.name ?? null;
}

/** Every group name of the phonebook and of `owner`'s contacts, folded, for `check`. */
export function knownGroups(directory: Directory, owner: Extension): Set<string> {
  const groups = new Set<string>();
  for (const contact of [...owner.contacts, ...directory.phonebook]) {
    for (const group of contact.groups) groups.add(foldGroup(group));
  }
  return groups;
}
