/**
 * Contacts (issue 13 §2): each user's own, and the company phonebook that everyone reads and
 * admins edit. A list is replaced whole, imported from CSV or vCard (every bad row named, nothing
 * saved unless every row is good), and exported in either format.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { ContactSchema, readContact } from '../../domain/contacts-document.js';
import type { ContactDocument } from '../../domain/contacts-document.js';
import {
  MAX_IMPORT_ROWS,
  contactsCsv,
  contactsVcard,
  parseContactsCsv,
  parseContactsVcard,
} from '../../domain/contact-files.js';
import { MAX_PERSONAL_CONTACTS, MAX_PHONEBOOK } from '../../domain/contacts.js';
import { contactDocument } from '../../domain/contacts-document.js';
import type { DirectoryDocument } from '../../domain/document.js';
import type { Contact, Directory, Language, Problem } from '../../domain/types.js';
import { relativeTo } from '../directory-access.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, invalid } from '../errors.js';
import { problemMessage } from '../messages.js';
import { ErrorSchema, ExtParams } from '../schemas.js';
import { extensionDocument, extensionOf } from './edit.js';

/** An address book of thousands of cards with photos stripped is well under this. */
const FILE_LIMIT = 8 * 1024 * 1024;

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
const ContactListSchema = Type.Object({ contacts: Type.Array(ContactSchema) });
const FormatQuery = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('vcard')]),
});
const ImportQuery = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('vcard')]),
  mode: Type.Optional(Type.Union([Type.Literal('append'), Type.Literal('replace')])),
});
const ImportResultSchema = Type.Object({
  imported: Type.Integer(),
  contacts: Type.Array(ContactSchema),
});

type Book = { kind: 'phonebook' } | { kind: 'personal'; extension: string };

function contactsOf(directory: Directory, book: Book): Contact[] {
  return book.kind === 'phonebook'
    ? directory.phonebook
    : extensionOf(directory, book.extension).contacts;
}

/** Where the book's list lives in the document, to replace it. */
function setList(doc: DirectoryDocument, book: Book, list: ContactDocument[]): void {
  if (book.kind === 'phonebook') {
    if (list.length > 0) doc.phonebook = list;
    else delete doc.phonebook;
    return;
  }
  const { entry } = extensionDocument(doc, book.extension);
  if (list.length > 0) entry.contacts = list;
  else delete entry.contacts;
}

/**
 * Each bad row of an imported file as one problem that names the row, its name and what is wrong,
 * in the request's language (a row has no place in the document yet).
 */
function rowProblems(
  lang: Language,
  unit: 'line' | 'card',
  line: number,
  name: string,
  problems: Problem[],
): Problem[] {
  return problems.map((problem) => ({
    path: '',
    code: `contacts.row.${unit}`,
    params: { line, name: name === '' ? '-' : name, detail: problemMessage(lang, problem) },
  }));
}

export function contactRoutes(app: ApiApp, ctx: ApiContext): void {
  const tags = ['contacts'];
  app.addContentTypeParser(
    ['text/csv', 'text/vcard', 'text/x-vcard', 'text/directory'],
    { parseAs: 'string', bodyLimit: FILE_LIMIT },
    (_request, body, done) => done(null, body),
  );

  const save = async (book: Book, list: ContactDocument[]): Promise<Directory> => {
    const { directory } = await ctx.directories.edit({
      ...(book.kind === 'personal' ? { extensions: [book.extension] } : {}),
      relocate: (problem, doc) =>
        book.kind === 'phonebook'
          ? problem
          : relativeTo(extensionDocument(doc, book.extension).path)(problem),
      change: (doc) => setList(doc, book, list),
    });
    ctx.events.emit({ type: 'directory' });
    return directory;
  };

  const importFile = async (
    lang: Language,
    book: Book,
    body: unknown,
    format: 'csv' | 'vcard',
    mode: 'append' | 'replace',
  ) => {
    if (typeof body !== 'string') {
      throw new ApiError(415, 'unsupported-type', 'api.unsupported-type', { type: '-' });
    }
    const read = format === 'csv' ? parseContactsCsv(body) : parseContactsVcard(body);
    if (!read.ok) throw new ApiError(400, 'invalid', read.code, { reason: read.reason });
    if (read.rows.length > MAX_IMPORT_ROWS) {
      throw new ApiError(400, 'invalid', 'contacts.too-many-rows', { max: MAX_IMPORT_ROWS });
    }
    const country = (await ctx.directories.current()).settings.country;
    const problems: Problem[] = [];
    const imported: ContactDocument[] = [];
    for (const row of read.rows) {
      const own: Problem[] = [];
      const contact = readContact(row.contact, '', country, own);
      if (own.length > 0 || contact === null) {
        problems.push(...rowProblems(lang, read.unit, row.line, row.contact.name, own));
      } else imported.push(contactDocument(contact));
    }
    if (problems.length > 0) throw invalid(problems);
    const current = contactsOf(await ctx.directories.current(), book).map(contactDocument);
    const list = mode === 'replace' ? imported : [...current, ...imported];
    const max = book.kind === 'phonebook' ? MAX_PHONEBOOK : MAX_PERSONAL_CONTACTS;
    if (list.length > max) throw new ApiError(400, 'invalid', 'contacts.too-many', { max });
    const directory = await save(book, list);
    return {
      imported: imported.length,
      contacts: contactsOf(directory, book).map(contactDocument),
    };
  };

  const exportFile = (
    reply: FastifyReply,
    contacts: Contact[],
    format: 'csv' | 'vcard',
    file: string,
  ) => {
    const csv = format === 'csv';
    void reply
      .header('content-type', csv ? 'text/csv; charset=utf-8' : 'text/vcard; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file}.${csv ? 'csv' : 'vcf'}"`);
    return csv ? contactsCsv(contacts) : contactsVcard(contacts);
  };

  const personal = (extension: string): Book => ({ kind: 'personal', extension });
  const phonebook: Book = { kind: 'phonebook' };

  app.get(
    '/api/extensions/:ext/contacts',
    {
      schema: {
        tags,
        summary: "The user's own contacts",
        params: ExtParams,
        response: { 200: ContactListSchema, ...errors },
      },
    },
    async (request) => ({
      contacts: contactsOf(await ctx.directories.current(), personal(request.params.ext)).map(
        contactDocument,
      ),
    }),
  );

  app.put(
    '/api/extensions/:ext/contacts',
    {
      schema: {
        tags,
        summary: "Replace the user's contacts (400 naming each bad entry, nothing saved)",
        params: ExtParams,
        body: ContactListSchema,
        response: { 200: ContactListSchema, ...errors },
      },
    },
    async (request) => {
      const book = personal(request.params.ext);
      const directory = await save(book, request.body.contacts);
      return { contacts: contactsOf(directory, book).map(contactDocument) };
    },
  );

  app.post(
    '/api/extensions/:ext/contacts/import',
    {
      schema: {
        tags,
        summary: 'Add (or replace with) the contacts of a CSV or vCard file; every bad row named',
        params: ExtParams,
        querystring: ImportQuery,
        response: { 200: ImportResultSchema, ...errors },
      },
    },
    async (request) =>
      importFile(
        request.lang,
        personal(request.params.ext),
        request.body,
        request.query.format,
        request.query.mode ?? 'append',
      ),
  );

  app.get(
    '/api/extensions/:ext/contacts/export',
    {
      schema: {
        tags,
        summary: "The user's contacts as CSV or vCard 4.0",
        params: ExtParams,
        querystring: FormatQuery,
      },
    },
    async (request, reply) =>
      exportFile(
        reply,
        contactsOf(await ctx.directories.current(), personal(request.params.ext)),
        request.query.format,
        `contacts-${request.params.ext}`,
      ),
  );

  app.get(
    '/api/phonebook',
    {
      schema: {
        tags,
        summary: 'The company phonebook (every user reads it)',
        response: { 200: ContactListSchema, ...errors },
      },
    },
    async () => ({ contacts: (await ctx.directories.current()).phonebook.map(contactDocument) }),
  );

  app.put(
    '/api/phonebook',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'Replace the company phonebook (admin)',
        body: ContactListSchema,
        response: { 200: ContactListSchema, ...errors },
      },
    },
    async (request) => {
      const directory = await save(phonebook, request.body.contacts);
      return { contacts: directory.phonebook.map(contactDocument) };
    },
  );

  app.post(
    '/api/phonebook/import',
    {
      config: { admin: true },
      schema: {
        tags,
        summary: 'Add (or replace with) the entries of a CSV or vCard file (admin)',
        querystring: ImportQuery,
        response: { 200: ImportResultSchema, ...errors },
      },
    },
    async (request) =>
      importFile(
        request.lang,
        phonebook,
        request.body,
        request.query.format,
        request.query.mode ?? 'append',
      ),
  );

  app.get(
    '/api/phonebook/export',
    { schema: { tags, summary: 'The phonebook as CSV or vCard 4.0', querystring: FormatQuery } },
    async (request, reply) =>
      exportFile(
        reply,
        (await ctx.directories.current()).phonebook,
        request.query.format,
        'phonebook',
      ),
  );
}
