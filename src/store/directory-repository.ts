import type {
  Action,
  Contact,
  Directory,
  Extension,
  ForwardingException,
  Hours,
  Language,
  NumberFormat,
  PresentCallerId,
  Repeat,
  RingGroup,
  RingStrategy,
  Role,
  ScheduledStatus,
  Settings,
  Status,
  StatusForwarding,
  TemporaryStatus,
  Trunk,
  WeeklySchedule,
} from '../domain/types.js';
import { parseCallerId } from '../domain/patterns.js';
import { defaultSettings } from '../domain/document.js';
import { readTransaction, writeTransaction } from './database.js';
import type { Db } from './database.js';
import { loadedPassword, loadedPin, storedPassword, storedPin } from './credentials.js';
import { dataDirOf, settingsToStore } from './sealed-secret.js';

/** Rows are inserted in chunks: SQLite limits the number of bound parameters per statement. */
const CHUNK = 200;

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

async function insertChunked<T>(
  rows: T[],
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await insert(rows.slice(i, i + CHUNK));
  }
}

/**
 * Replaces the whole stored directory in one write transaction: either all of `directory` is stored
 * or, on any error, the previous directory is left untouched. The directory is expected to be valid
 * (built by buildDirectory); the schema's constraints are a last line of defence.
 */
export async function saveDirectory(db: Db, directory: Directory): Promise<void> {
  // Hashed before the write lock is taken: scrypt takes a while per PIN.
  const secrets = await storedSecrets([...directory.extensions.values()]);
  const dataDir = dataDirOf(db);
  await writeTransaction(db, (trx) => writeDirectory(trx, dataDir, directory, secrets));
}

/** What the extension table keeps of each extension's password and PIN: hashes only. */
type StoredSecrets = Map<string, { password: string; voicemail_pin: string | null }>;

async function storedSecrets(extensions: readonly Extension[]): Promise<StoredSecrets> {
  const entries = await Promise.all(
    extensions.map(
      async (ext) =>
        [
          ext.number,
          {
            password: storedPassword(ext.number, ext.password),
            voicemail_pin: await storedPin(ext.voicemailPin),
          },
        ] as const,
    ),
  );
  return new Map(entries);
}

/** What an edit keeps: the whole directory, or only some extensions of it (rows and exceptions). */
export interface DirectorySave {
  directory: Directory;
  /** Absent: the whole directory is written. */
  extensions?: readonly string[];
}

/**
 * Reads the stored directory and writes what `edit` makes of it, in one write transaction: no
 * other writer can slip in between the read and the write, and when `edit` returns no `save` (it
 * refused the change) or throws, nothing is written.
 */
export async function editDirectory<T>(
  db: Db,
  edit: (current: Directory) => { result: T; save: DirectorySave | null },
): Promise<T> {
  const dataDir = dataDirOf(db);
  return writeTransaction(db, async (trx) => {
    const { result, save } = edit(await readDirectory(trx));
    if (save !== null) {
      const numbers = save.extensions ?? [...save.directory.extensions.keys()];
      const extensions = numbers.flatMap((n) => save.directory.extensions.get(n) ?? []);
      const secrets = await storedSecrets(extensions);
      if (save.extensions === undefined) {
        await writeDirectory(trx, dataDir, save.directory, secrets);
      } else await writeExtensions(trx, save.directory, save.extensions, secrets);
    }
    return result;
  });
}

function contactRows(owner: string | null, contacts: readonly Contact[]) {
  return contacts.map((contact, position) => ({
    owner,
    position,
    name: contact.name,
    numbers: JSON.stringify(contact.numbers),
    groups: JSON.stringify(contact.groups),
  }));
}

function exceptionRows(ext: Extension) {
  return ext.exceptions.map((exception, position) => ({
    extension: ext.number,
    position,
    caller_id: exception.callerId,
    hours: exception.hours,
    periods: JSON.stringify(exception.periods),
    statuses: JSON.stringify(exception.statuses),
    enabled: exception.enabled ? 1 : 0,
    action: JSON.stringify(exception.action),
    valid_from: exception.from,
    valid_until: exception.until,
    repeat: exception.repeat === null ? null : JSON.stringify(exception.repeat),
  }));
}

/**
 * Rewrites some extensions' rows and exceptions, leaving the rest of the store alone: an edit of
 * one user's rules costs the same whatever the size of the directory.
 */
async function writeExtensions(
  trx: Db,
  directory: Directory,
  numbers: readonly string[],
  secrets: StoredSecrets,
): Promise<void> {
  for (const number of numbers) {
    const ext = directory.extensions.get(number);
    if (ext === undefined) throw new Error(`extension ${number} is not in the directory`);
    const updated = await trx
      .updateTable('extension')
      .set(extensionColumns(ext, secrets))
      .where('number', '=', number)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw new Error(`extension ${number} is not stored`);
    await trx.deleteFrom('exception').where('extension', '=', number).execute();
    const rows = exceptionRows(ext);
    if (rows.length > 0) await trx.insertInto('exception').values(rows).execute();
    await trx.deleteFrom('contact').where('owner', '=', number).execute();
    await insertChunked(contactRows(number, ext.contacts), (chunk) =>
      trx.insertInto('contact').values(chunk).execute(),
    );
  }
}

/** An extension's own row, but its number and position (which edits of one extension keep). */
function extensionColumns(ext: Extension, secrets: StoredSecrets) {
  const stored = secrets.get(ext.number);
  if (stored === undefined) throw new Error(`extension ${ext.number}: credentials not hashed`);
  return {
    name: ext.name,
    password: stored.password,
    mobile: ext.mobile,
    voicemail_pin: stored.voicemail_pin,
    ring_timeout: ext.ringTimeout,
    status: ext.status,
    language: ext.language,
    role: ext.role,
    forwarding: JSON.stringify(ext.forwarding),
    temporary_status: ext.temporaryStatus === null ? null : JSON.stringify(ext.temporaryStatus),
    status_schedule: JSON.stringify(ext.statusSchedule),
    email: ext.email,
    delete_after_email: ext.deleteAfterEmail ? 1 : 0,
  };
}

async function writeDirectory(
  trx: Db,
  dataDir: string,
  directory: Directory,
  secrets: StoredSecrets,
): Promise<void> {
  // Children first: members, exceptions and contacts reference extensions.
  await trx.deleteFrom('contact').execute();
  await trx.deleteFrom('trunk_inbound').execute();
  await trx.deleteFrom('trunk').execute();
  await trx.deleteFrom('ring_group_member').execute();
  await trx.deleteFrom('ring_group').execute();
  await trx.deleteFrom('exception').execute();
  await trx.deleteFrom('extension').execute();
  await trx.deleteFrom('setting').execute();

  // An SMTP password is sealed before it is written: the table never holds it in clear.
  const stored = await settingsToStore(trx, dataDir, directory.settings);
  const settings = Object.entries(stored).map(([key, value]) => ({
    key,
    value: JSON.stringify(value),
  }));
  await trx.insertInto('setting').values(settings).execute();

  const extensions = [...directory.extensions.values()];
  await insertChunked(
    extensions.map((ext, position) => ({
      number: ext.number,
      position,
      ...extensionColumns(ext, secrets),
    })),
    (chunk) => trx.insertInto('extension').values(chunk).execute(),
  );

  const exceptions = extensions.flatMap(exceptionRows);
  await insertChunked(exceptions, (chunk) => trx.insertInto('exception').values(chunk).execute());

  const groups = [...directory.ringGroups.values()];
  await insertChunked(
    groups.map((group, position) => ({
      number: group.number,
      position,
      name: group.name,
      strategy: group.strategy,
      timeout: group.timeout,
      fallback: JSON.stringify(group.fallback),
    })),
    (chunk) => trx.insertInto('ring_group').values(chunk).execute(),
  );
  await insertChunked(
    groups.flatMap((group) =>
      group.members.map((extension, position) => ({
        ring_group: group.number,
        position,
        extension,
      })),
    ),
    (chunk) => trx.insertInto('ring_group_member').values(chunk).execute(),
  );

  await insertChunked(
    directory.trunks.map((trunk, position) => ({
      name: trunk.name,
      position,
      host: trunk.host,
      port: trunk.port,
      transport: trunk.transport,
      username: trunk.username,
      password: trunk.password,
      number_format: trunk.numberFormat,
      trusted: trunk.trusted ? 1 : 0,
      present_caller_id: trunk.presentCallerId ?? null,
      own_numbers_only: trunk.ownNumbersOnly === true ? 1 : 0,
    })),
    (chunk) => trx.insertInto('trunk').values(chunk).execute(),
  );
  await insertChunked(
    directory.trunks.flatMap((trunk) =>
      Object.entries(trunk.inbound).map(([did, destination], position) => ({
        trunk: trunk.name,
        position,
        did,
        destination,
      })),
    ),
    (chunk) => trx.insertInto('trunk_inbound').values(chunk).execute(),
  );

  await insertChunked(
    [
      ...contactRows(null, directory.phonebook),
      ...extensions.flatMap((ext) => contactRows(ext.number, ext.contacts)),
    ],
    (chunk) => trx.insertInto('contact').values(chunk).execute(),
  );
}

/**
 * Reads the stored directory from one snapshot. An empty store gives the default settings and no
 * extensions. Caller-ID texts are parsed again, so a fix to the pattern rules applies to stored
 * exceptions; a text the current rules refuse gets no pattern (it never matches) and is reported by
 * `renvoi check` and by a re-import of the export.
 */
export async function loadDirectory(db: Db): Promise<Directory> {
  return readTransaction(db, readDirectory);
}

async function readDirectory(trx: Db): Promise<Directory> {
  const settingRows = await trx.selectFrom('setting').selectAll().execute();
  const stored = Object.fromEntries(settingRows.map((row) => [row.key, JSON.parse(row.value)]));
  const settings: Settings = { ...defaultSettings(), ...(stored as Partial<Settings>) };

  const extensionRows = await trx.selectFrom('extension').selectAll().orderBy('position').execute();
  const exceptionRows = await trx
    .selectFrom('exception')
    .selectAll()
    .orderBy('extension')
    .orderBy('position')
    .execute();
  const exceptionsByExtension = groupBy(exceptionRows, (row) => row.extension);
  const contactRows = await trx
    .selectFrom('contact')
    .selectAll()
    .orderBy('owner')
    .orderBy('position')
    .execute();
  const toContact = (row: (typeof contactRows)[number]): Contact => ({
    name: row.name,
    numbers: JSON.parse(row.numbers) as string[],
    groups: JSON.parse(row.groups) as string[],
  });
  const contactsByOwner = groupBy(contactRows, (row) => row.owner ?? '');
  const toException = (row: (typeof exceptionRows)[number]): ForwardingException => {
    const parsed = parseCallerId(row.caller_id, settings.country);
    return {
      callerId: row.caller_id,
      patterns: parsed.ok ? parsed.patterns : [],
      hours: row.hours as Hours,
      periods: JSON.parse(row.periods) as WeeklySchedule,
      statuses: JSON.parse(row.statuses) as Status[],
      enabled: row.enabled !== 0,
      from: row.valid_from,
      until: row.valid_until,
      repeat: row.repeat === null ? null : (JSON.parse(row.repeat) as Repeat),
      action: JSON.parse(row.action) as Action,
    };
  };
  const extensions = new Map<string, Extension>();
  for (const row of extensionRows) {
    extensions.set(row.number, {
      number: row.number,
      name: row.name,
      password: loadedPassword(row.password),
      mobile: row.mobile,
      voicemailPin: loadedPin(row.voicemail_pin),
      ringTimeout: row.ring_timeout,
      status: row.status as Status,
      language: row.language as Language,
      role: row.role as Role,
      forwarding: JSON.parse(row.forwarding) as StatusForwarding,
      exceptions: (exceptionsByExtension.get(row.number) ?? []).map(toException),
      temporaryStatus:
        row.temporary_status === null
          ? null
          : (JSON.parse(row.temporary_status) as TemporaryStatus),
      statusSchedule: JSON.parse(row.status_schedule) as ScheduledStatus[],
      contacts: (contactsByOwner.get(row.number) ?? []).map(toContact),
      email: row.email,
      deleteAfterEmail: row.delete_after_email !== 0,
    });
  }

  const groupRows = await trx.selectFrom('ring_group').selectAll().orderBy('position').execute();
  const memberRows = await trx
    .selectFrom('ring_group_member')
    .selectAll()
    .orderBy('ring_group')
    .orderBy('position')
    .execute();
  const membersByGroup = groupBy(memberRows, (row) => row.ring_group);
  const ringGroups = new Map<string, RingGroup>();
  for (const row of groupRows) {
    ringGroups.set(row.number, {
      number: row.number,
      name: row.name,
      strategy: row.strategy as RingStrategy,
      members: (membersByGroup.get(row.number) ?? []).map((m) => m.extension),
      timeout: row.timeout,
      fallback: JSON.parse(row.fallback) as Action,
    });
  }

  const trunkRows = await trx.selectFrom('trunk').selectAll().orderBy('position').execute();
  const inboundRows = await trx
    .selectFrom('trunk_inbound')
    .selectAll()
    .orderBy('trunk')
    .orderBy('position')
    .execute();
  const inboundByTrunk = groupBy(inboundRows, (row) => row.trunk);
  const trunks: Trunk[] = trunkRows.map((row) => ({
    name: row.name,
    host: row.host,
    port: row.port,
    transport: row.transport as Trunk['transport'],
    username: row.username,
    password: row.password,
    numberFormat: row.number_format as NumberFormat,
    trusted: row.trusted !== 0,
    ...(row.present_caller_id === null
      ? {}
      : { presentCallerId: row.present_caller_id as PresentCallerId }),
    ...(row.own_numbers_only === 0 ? {} : { ownNumbersOnly: true }),
    inbound: Object.fromEntries(
      (inboundByTrunk.get(row.name) ?? []).map((r) => [r.did, r.destination]),
    ),
  }));

  const phonebook = (contactsByOwner.get('') ?? []).map(toContact);
  return { settings, extensions, ringGroups, trunks, phonebook };
}
