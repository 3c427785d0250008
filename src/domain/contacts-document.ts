/**
 * Contacts in the directory document (issue 13 §2): `phonebook:` at the top and `contacts:` under
 * an extension, each entry a name, its numbers and its groups. Problems use the directory's codes
 * and paths, so the web client and `renvoi import` name them the same way.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import {
  GROUP_NAME,
  MAX_CONTACT_GROUPS,
  MAX_CONTACT_NAME,
  MAX_CONTACT_NUMBERS,
  contactKey,
} from './contacts.js';
import { MAX_DIGITS } from './patterns.js';
import { digitsOf } from './numbers.js';
import { at } from './problem-path.js';
import type { Contact, Country, Problem } from './types.js';

export const ContactSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: MAX_CONTACT_NAME }),
    numbers: Type.Array(Type.String(), { minItems: 1, maxItems: MAX_CONTACT_NUMBERS }),
    groups: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_CONTACT_GROUPS })),
  },
  { additionalProperties: false },
);
export type ContactDocument = Static<typeof ContactSchema>;

const KEYS = ['name', 'numbers', 'groups'];

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? '[…]' : '{…}';
  return JSON.stringify(value);
}

/** The strings of a list, each problem located; a YAML integer has lost its leading 0. */
function strings(value: unknown, path: string, problems: Problem[], max: number): string[] {
  if (!Array.isArray(value)) {
    problems.push({ path, code: 'directory.not-list', params: { value: describe(value) } });
    return [];
  }
  if (value.length > max) {
    problems.push({ path, code: 'directory.too-many', params: { count: value.length, max } });
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item === 'number') {
      problems.push({ path: at(path, i), code: 'directory.quote-it', params: { value: item } });
    } else if (typeof item !== 'string') {
      problems.push({
        path: at(path, i),
        code: 'directory.not-string',
        params: { value: describe(item) },
      });
    } else out.push(item);
  });
  return out;
}

/** One entry, or null when it cannot be read at all. Its problems are appended to `problems`. */
export function readContact(
  value: unknown,
  path: string,
  country: Country,
  problems: Problem[],
): Contact | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path, code: 'directory.not-object', params: { value: describe(value) } });
    return null;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KEYS.includes(key)) {
      problems.push({
        path: at(path, key),
        code: 'directory.unknown-key',
        params: { key, allowed: KEYS.join(', ') },
      });
    }
  }
  let name = '';
  if (typeof obj.name !== 'string') {
    problems.push(
      obj.name === undefined
        ? { path: at(path, 'name'), code: 'directory.required', params: {} }
        : {
            path: at(path, 'name'),
            code: 'directory.not-string',
            params: { value: describe(obj.name) },
          },
    );
  } else if (obj.name.trim() === '') {
    problems.push({ path: at(path, 'name'), code: 'directory.empty', params: {} });
  } else if (obj.name.length > MAX_CONTACT_NAME) {
    problems.push({
      path: at(path, 'name'),
      code: 'directory.too-long',
      params: { max: MAX_CONTACT_NAME },
    });
  } else name = obj.name.trim();

  const numbersPath = at(path, 'numbers');
  const numbers =
    obj.numbers === undefined
      ? []
      : strings(obj.numbers, numbersPath, problems, MAX_CONTACT_NUMBERS);
  if (obj.numbers === undefined || (Array.isArray(obj.numbers) && obj.numbers.length === 0)) {
    problems.push({ path: numbersPath, code: 'directory.required', params: {} });
  }
  numbers.forEach((number, i) => {
    const digits = digitsOf(number).replace('+', '');
    if (contactKey(number, country) === null || /[^\d\s+.\-()/]/.test(number)) {
      problems.push({
        path: at(numbersPath, i),
        code: 'directory.bad-contact-number',
        params: { value: number },
      });
    } else if (digits.length > MAX_DIGITS) {
      problems.push({
        path: at(numbersPath, i),
        code: 'directory.too-long',
        params: { max: MAX_DIGITS },
      });
    }
  });

  const groupsPath = at(path, 'groups');
  const groups =
    obj.groups === undefined ? [] : strings(obj.groups, groupsPath, problems, MAX_CONTACT_GROUPS);
  groups.forEach((group, i) => {
    if (!GROUP_NAME.test(group)) {
      problems.push({
        path: at(groupsPath, i),
        code: 'directory.bad-group-name',
        params: { value: group },
      });
    }
  });
  return { name, numbers: numbers.map((n) => n.trim()), groups };
}

/** A list of entries (`phonebook` or an extension's `contacts`), at most `max`. */
export function readContacts(
  value: unknown,
  path: string,
  country: Country,
  max: number,
  problems: Problem[],
): Contact[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push({ path, code: 'directory.not-list', params: { value: describe(value) } });
    return [];
  }
  if (value.length > max) {
    problems.push({ path, code: 'directory.too-many', params: { count: value.length, max } });
    return [];
  }
  return value
    .map((item, i) => readContact(item, at(path, i), country, problems))
    .filter((c): c is Contact => c !== null);
}

export function contactDocument(contact: Contact): ContactDocument {
  const doc: ContactDocument = { name: contact.name, numbers: [...contact.numbers] };
  if (contact.groups.length > 0) doc.groups = [...contact.groups];
  return doc;
}
