/**
 * Contacts to and from the files people have: CSV (a spreadsheet, an address book's export) and
 * vCard 3.0/4.0 (phones, Outlook, Google, Apple). Parsed with csv-parse and ical.js; what each
 * entry says is then validated as any directory contact is (contacts-document.ts), row by row.
 *
 * Choices:
 * - CSV: a header row names the columns, in French or English, any case or accents: the name
 *   ("name", "nom", "full name"…), every column about a phone ("numbers", "téléphone", "mobile",
 *   "Phone 1 - Value"…) and the groups ("groups", "groupes", "categories"). A cell may hold several
 *   values separated by "|" or " ::: " (Google's export). The delimiter is "," or ";", whichever
 *   the header uses (French spreadsheets write ";").
 * - vCard: FN (or N) is the name, every TEL a number, CATEGORIES the groups.
 */
import ICAL from 'ical.js';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Contact } from './types.js';

/** An entry as read from a file, before validation; `line` is where it starts (1-based). */
export interface ContactRow {
  line: number;
  contact: { name: string; numbers: string[]; groups: string[] };
}

export type ContactFileResult =
  /** `line` counts a CSV file's lines, `card` a vCard file's cards. */
  | { ok: true; unit: 'line' | 'card'; rows: ContactRow[] }
  | {
      ok: false;
      code: 'contacts.syntax' | 'contacts.no-name-column' | 'contacts.empty';
      reason: string;
    };

export const MAX_IMPORT_ROWS = 20_000;

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

const NAME_HEADERS = new Set(['name', 'nom', 'full name', 'display name', 'nom complet', 'fn']);
const NUMBER_HEADER = /phone|tel|mobile|portable|numero|number|fax/;
const GROUP_HEADER = /^(groups?|groupes?|categories|group membership)$/;

function values(cell: string | undefined): string[] {
  if (cell === undefined) return [];
  return cell
    .split(/\s*(?:\||:::)\s*/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Group cells also separate by "," or ";" inside the cell (Outlook's "Categories"). */
function groupValues(cell: string | undefined): string[] {
  return values(cell)
    .flatMap((v) => v.split(/[,;]/))
    .map((v) => v.trim().replace(/^\* /, ''))
    .filter((v) => v !== '' && v !== '* myContacts' && v !== 'myContacts');
}

export function parseContactsCsv(text: string): ContactFileResult {
  const body = text.replace(/^\uFEFF/, '');
  const header = body.split(/\r?\n/, 1)[0] ?? '';
  const delimiter =
    (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: string[][];
  try {
    records = parse(body, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      to: MAX_IMPORT_ROWS + 1,
    }) as string[][];
  } catch (error) {
    return { ok: false, code: 'contacts.syntax', reason: (error as Error).message };
  }
  const [head, ...rows] = records;
  if (head === undefined || rows.length === 0)
    return { ok: false, code: 'contacts.empty', reason: '' };
  const columns = head.map(fold);
  const nameColumn = columns.findIndex((c) => NAME_HEADERS.has(c));
  if (nameColumn === -1) {
    return { ok: false, code: 'contacts.no-name-column', reason: head.join(delimiter) };
  }
  const numberColumns = columns.flatMap((c, i) =>
    i !== nameColumn && NUMBER_HEADER.test(c) && !/type|label/.test(c) ? [i] : [],
  );
  const groupColumns = columns.flatMap((c, i) => (GROUP_HEADER.test(c) ? [i] : []));
  // Lines of the file: the header is line 1; a quoted cell over several lines is not counted apart.
  return {
    ok: true,
    unit: 'line',
    rows: rows.map((row, i) => ({
      line: i + 2,
      contact: {
        name: (row[nameColumn] ?? '').trim(),
        numbers: numberColumns.flatMap((c) => values(row[c])),
        groups: groupColumns.flatMap((c) => groupValues(row[c])),
      },
    })),
  };
}

export function parseContactsVcard(text: string): ContactFileResult {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, code: 'contacts.syntax', reason: (error as Error).message };
  }
  // One card parses to one component, several to a list of them.
  const list = (
    Array.isArray(parsed) && typeof parsed[0] === 'string' ? [parsed] : parsed
  ) as unknown[];
  const cards = list
    .map((jcal) => new ICAL.Component(jcal as ConstructorParameters<typeof ICAL.Component>[0]))
    .filter((c) => c.name === 'vcard');
  if (cards.length === 0) return { ok: false, code: 'contacts.empty', reason: '' };
  return {
    ok: true,
    unit: 'card',
    rows: cards.slice(0, MAX_IMPORT_ROWS + 1).map((card, i) => {
      const fn = card.getFirstPropertyValue('fn');
      const n = card.getFirstPropertyValue('n');
      const structured = Array.isArray(n)
        ? n.flat().filter((p) => typeof p === 'string' && p !== '')
        : [];
      const name =
        typeof fn === 'string' && fn.trim() !== '' ? fn : [...structured].reverse().join(' ');
      return {
        line: i + 1,
        contact: {
          name: name.trim(),
          numbers: card
            .getAllProperties('tel')
            .map((p) =>
              String(p.getFirstValue() ?? '')
                .replace(/^tel:/i, '')
                .trim(),
            )
            .filter((v) => v !== ''),
          groups: card
            .getAllProperties('categories')
            .flatMap((p) => p.getValues().map((v) => String(v).trim()))
            .filter((v) => v !== ''),
        },
      };
    }),
  };
}

export function contactsCsv(contacts: readonly Contact[]): string {
  return stringify([
    ['name', 'numbers', 'groups'],
    ...contacts.map((c) => [c.name, c.numbers.join(' | '), c.groups.join(' | ')]),
  ]);
}

/** vCard 4.0 (RFC 6350), one card per contact. */
export function contactsVcard(contacts: readonly Contact[]): string {
  return contacts
    .map((contact) => {
      const card = new ICAL.Component('vcard');
      card.addPropertyWithValue('version', '4.0');
      card.addPropertyWithValue('fn', contact.name);
      for (const number of contact.numbers) card.addPropertyWithValue('tel', number);
      if (contact.groups.length > 0) {
        const categories = new ICAL.Property('categories', card);
        categories.setValues(contact.groups);
        card.addProperty(categories);
      }
      return card.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
    })
    .join('');
}
