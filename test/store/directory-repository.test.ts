import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/database.js';
import type { Db } from '../../src/store/database.js';
import { migrate, migrationNames } from '../../src/store/migrations.js';
import {
  editDirectory,
  loadDirectory,
  saveDirectory,
} from '../../src/store/directory-repository.js';
import { directoryOf, tempDir } from './helpers.js';
import { existsSync, readFileSync } from 'node:fs';
import { PIN_HASH, digestsOf, passwordMatches } from '../../src/domain/credentials.js';
import type { Directory } from '../../src/domain/types.js';
import { pinMatches } from '../../src/store/credentials.js';
import { randomBytes } from 'node:crypto';
import { SEALED_SECRET } from '../../src/domain/mail-settings.js';
import { toDocument } from '../../src/domain/document.js';
import { keepStoredSecrets } from '../../src/domain/document-merge.js';
import {
  SMTP_PASSWORD,
  SealedSecretError,
  openSealed,
  sealingKey,
} from '../../src/store/sealed-secret.js';

/** What the store gives back for a built directory: the same, its passwords and PINs hashed. */
function stored(directory: Directory): Directory {
  const extensions = new Map(
    [...directory.extensions].map(([number, ext]) => [
      number,
      {
        ...ext,
        password: { digests: digestsOf(number, ext.password) },
        voicemailPin:
          ext.voicemailPin === null ? null : { hash: expect.stringMatching(PIN_HASH) as string },
      },
    ]),
  );
  return { ...directory, extensions };
}

/** The database file and its WAL, as bytes on disk. */
function onDisk(file: string): Buffer {
  return Buffer.concat(
    [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
  );
}

const rich = {
  country: 'FR',
  language: 'en',
  maxExceptions: 20,
  officeHours: { 'mon-fri': ['09:00-12:30', '14:00-18:00'] },
  holidays: ['2026-12-25', { date: '2027-01-01', name: "Jour de l'an" }],
  outboundPolicy: { allow: ['fixed', 'mobile', 'international'] },
  extensions: [
    { number: '100', name: 'Secrétariat', password: 'change-me-100', role: 'admin' },
    {
      number: '101',
      name: 'Alice Martin',
      password: 'change-me-101',
      mobile: '06 11 22 33 44',
      voicemailPin: '1234',
      ringTimeout: 25,
      status: 'dnd',
      language: 'fr',
      contacts: [
        { name: 'Maman', numbers: ['06 12 34 56 78', '04 91 00 00 00'], groups: ['famille'] },
        { name: 'Dr Bernard', numbers: ['+33 4 91 00 00 03'] },
      ],
      forwarding: { dnd: { type: 'busy' }, noAnswer: { type: 'system', target: '800' } },
      exceptions: [
        { callerId: '06* 07*', action: { type: 'extension', target: '100', voicemail: true } },
        {
          callerId: '06 00 00 00 00',
          action: { type: 'external', number: '04 42 93 06 98', bounce: true },
          statuses: ['dnd', 'away'],
        },
        {
          callerId: '*',
          hours: 'specific',
          periods: { sat: ['09:00-12:00'] },
          enabled: false,
          action: { type: 'mobile', bounce: true, presentCallerId: 'company', confirm: true },
        },
      ],
    },
  ],
  ringGroups: [
    { number: '800', name: 'Accueil', strategy: 'hunt', members: ['101', '100'], timeout: 15 },
  ],
  trunks: [
    {
      name: 'carrier',
      host: 'sip.example.net',
      username: 'acme',
      password: 'secret',
      trusted: true,
      presentCallerId: 'extension',
      ownNumbersOnly: true,
      inbound: { '0442000000': '800', '0442000001': '101' },
    },
  ],
  phonebook: [{ name: 'Cabinet Durand', numbers: ['01 42 00 00 01'], groups: ['clients'] }],
};

const small = {
  extensions: [{ number: '200', name: 'Bob', password: 'change-me-200' }],
};

describe('directory repository', () => {
  let dir: { dir: string; remove: () => void };
  let db: Db;
  let file: string;

  beforeEach(async () => {
    dir = tempDir('store');
    file = join(dir.dir, 'renvoi.sqlite');
    db = openDatabase(file);
    await migrate(db);
  });

  afterEach(async () => {
    await db.destroy();
    dir.remove();
  });

  it('loads what it saved', async () => {
    const directory = directoryOf(rich);
    await saveDirectory(db, directory);
    expect(await loadDirectory(db)).toEqual(stored(directory));
    await db.destroy();
    db = openDatabase(file);
    expect(await loadDirectory(db)).toEqual(stored(directory));
  });

  it('seals the SMTP password with the keys file, exports it sealed, and keeps it on re-import', async () => {
    const password = 'relay-password-7731';
    const directory = directoryOf({
      ...small,
      smtp: { host: 'mail.example.net', from: 'pbx@example.net', username: 'pbx', password },
    });
    await saveDirectory(db, directory);
    expect(onDisk(file).includes(password)).toBe(false);
    const keys = JSON.parse(readFileSync(join(dir.dir, 'keys.json'), 'utf8')) as object;
    expect(Object.keys(keys)).toContain('sealing');
    const loaded = await loadDirectory(db);
    const sealed = loaded.settings.smtp?.password;
    expect(sealed).toEqual({ sealed: expect.stringMatching(SEALED_SECRET) as string });
    const key = await sealingKey(db);
    expect(openSealed(key, SMTP_PASSWORD, (sealed as { sealed: string }).sealed)).toBe(password);
    expect(() =>
      openSealed(randomBytes(32), SMTP_PASSWORD, (sealed as { sealed: string }).sealed),
    ).toThrow(SealedSecretError);

    const exported = toDocument(loaded);
    expect(JSON.stringify(exported)).not.toContain(password);
    expect(directoryOf(exported)).toEqual(loaded);
    // The admin page sends the section back without any password: the stored one stays.
    const withoutPassword = { ...exported.smtp };
    delete withoutPassword.passwordSealed;
    const kept = keepStoredSecrets({ ...exported, smtp: withoutPassword }, exported, null);
    expect(directoryOf(kept.document).settings.smtp).toEqual(loaded.settings.smtp);
  });

  it('replaces the whole directory', async () => {
    await saveDirectory(db, directoryOf(rich));
    await saveDirectory(db, directoryOf(small));
    const loaded = await loadDirectory(db);
    expect(loaded).toEqual(stored(directoryOf(small)));
    const rows = await db
      .selectFrom('exception')
      .select(db.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(rows?.n)).toBe(0);
    const contacts = await db
      .selectFrom('contact')
      .select(db.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(contacts?.n)).toBe(0);
  });

  it('rewrites one user’s contacts alone, leaving the phonebook and the others', async () => {
    await saveDirectory(db, directoryOf(rich));
    await editDirectory(db, (current) => {
      const alice = current.extensions.get('101');
      if (alice === undefined) throw new Error('no 101');
      const extensions = new Map(current.extensions);
      extensions.set('101', {
        ...alice,
        contacts: [{ name: 'Léa', numbers: ['0700000001'], groups: [] }],
      });
      return { result: null, save: { directory: { ...current, extensions }, extensions: ['101'] } };
    });
    const loaded = await loadDirectory(db);
    expect(loaded.extensions.get('101')?.contacts).toEqual([
      { name: 'Léa', numbers: ['0700000001'], groups: [] },
    ]);
    expect(loaded.phonebook).toEqual(directoryOf(rich).phonebook);
  });

  it('gives default settings and nothing else from an empty store', async () => {
    expect(await loadDirectory(db)).toEqual(directoryOf({}));
  });

  it('keeps the previous directory when saving fails midway', async () => {
    const before = directoryOf(rich);
    await saveDirectory(db, before);
    // Bypasses validation: a member that is no extension breaks a foreign key after the
    // extensions and exceptions of the new directory have been written.
    const broken = directoryOf(small);
    broken.ringGroups.set('900', {
      number: '900',
      name: 'Broken',
      strategy: 'ring-all',
      members: ['404'],
      timeout: 20,
      fallback: { type: 'busy' },
    });
    await expect(saveDirectory(db, broken)).rejects.toThrow(/FOREIGN KEY/);
    expect(await loadDirectory(db)).toEqual(stored(before));
  });

  it('parses caller IDs again on load', async () => {
    await saveDirectory(db, directoryOf(rich));
    await sql`update exception set caller_id = '+33 4*' where position = 0`.execute(db);
    const loaded = await loadDirectory(db);
    expect(loaded.extensions.get('101')?.exceptions[0]?.patterns).toEqual([
      { kind: 'number', raw: '+334*', canonical: '+334*' },
    ]);
  });

  it('migrates once: reopening and migrating again changes nothing', async () => {
    await saveDirectory(db, directoryOf(rich));
    await migrate(db);
    await db.destroy();
    db = openDatabase(file);
    await migrate(db);
    await migrate(db);
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const names = applied.rows.map((r) => r.name);
    expect(names).toEqual(migrationNames());
    expect(new Set(names).size).toBe(names.length);
    expect(await loadDirectory(db)).toEqual(stored(directoryOf(rich)));
  });

  it('keeps passwords as digests and PINs as scrypt hashes, never in clear', async () => {
    await saveDirectory(db, directoryOf(rich));
    const loaded = await loadDirectory(db);
    const alice = loaded.extensions.get('101');
    if (alice?.voicemailPin == null) throw new Error('no 101 or no PIN');
    expect(passwordMatches('101', alice.password, 'change-me-101')).toBe(true);
    expect(passwordMatches('101', alice.password, 'change-me-100')).toBe(false);
    expect(await pinMatches(alice.voicemailPin, '1234')).toBe(true);
    expect(await pinMatches(alice.voicemailPin, '1235')).toBe(false);
    await db.destroy();
    expect(onDisk(file).includes('change-me-10')).toBe(false);
    db = openDatabase(file);
  });

  it('migrates passwords and PINs an earlier version kept in clear, in place, losing nothing', async () => {
    await saveDirectory(db, directoryOf(rich));
    // As an earlier version left them, and before it knew of the migration.
    await sql`update extension set password = 'kept-in-clear-' || number`.execute(db);
    await sql`update extension set voicemail_pin = '987654' where number = '101'`.execute(db);
    await sql`delete from kysely_migration where name = '0006-hashed-credentials'`.execute(db);
    await db.destroy();
    expect(onDisk(file).includes('kept-in-clear-101')).toBe(true);

    db = openDatabase(file);
    await migrate(db);
    const loaded = await loadDirectory(db);
    const expected = stored(directoryOf(rich));
    for (const ext of expected.extensions.values()) {
      ext.password = { digests: digestsOf(ext.number, { plain: `kept-in-clear-${ext.number}` }) };
    }
    expect(loaded).toEqual(expected);
    const pin = loaded.extensions.get('101')?.voicemailPin ?? null;
    expect(pin !== null && (await pinMatches(pin, '987654'))).toBe(true);
    await db.destroy();
    const bytes = onDisk(file);
    expect(bytes.includes('kept-in-clear-')).toBe(false);
    expect(bytes.includes('987654')).toBe(false);
    db = openDatabase(file);
  });

  it('opens in WAL mode with foreign keys and a busy timeout', async () => {
    const pragma = async (name: string) =>
      Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBeGreaterThanOrEqual(5000);
  });
});
