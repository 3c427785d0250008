import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';
import { KEYS_FILE, loadOrCreateSecret } from '../../src/store/secrets.js';
import { tempDir } from './helpers.js';

describe('keys file', () => {
  it('creates a 32-byte key once, in a 0600 file, and returns the same one after reopening', async () => {
    const tmp = tempDir('secrets');
    const file = join(tmp.dir, 'renvoi.db');
    try {
      let db = openDatabase(file);
      await migrate(db);
      const first = await loadOrCreateSecret(db, tmp.dir, 'digest-nonce');
      expect(first).toHaveLength(32);
      expect(await loadOrCreateSecret(db, tmp.dir, 'digest-nonce')).toEqual(first);
      const other = await loadOrCreateSecret(db, tmp.dir, 'other');
      expect(other.equals(first)).toBe(false);
      await db.destroy();
      expect(statSync(join(tmp.dir, KEYS_FILE)).mode & 0o777).toBe(0o600);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      db = openDatabase(file);
      await migrate(db);
      expect(await loadOrCreateSecret(db, tmp.dir, 'digest-nonce')).toEqual(first);
      expect(await db.selectFrom('secret').selectAll().execute()).toEqual([]);
      await db.destroy();
    } finally {
      tmp.remove();
    }
  });

  it('moves keys an earlier version kept in the database to the file, leaving no trace in it', async () => {
    const tmp = tempDir('secrets');
    const file = join(tmp.dir, 'renvoi.db');
    try {
      let db = openDatabase(file);
      await migrate(db);
      const session = Buffer.alloc(32, 0x5a);
      const nonce = Buffer.alloc(32, 0xa5);
      await db
        .insertInto('secret')
        .values([
          { name: 'web-session', value: session.toString('base64'), created_at: 1 },
          { name: 'sip-digest', value: nonce.toString('base64'), created_at: 1 },
        ])
        .execute();
      await db.destroy();
      expect(readFileSync(file).includes(session.toString('base64'))).toBe(true);

      db = openDatabase(file);
      expect(await loadOrCreateSecret(db, tmp.dir, 'sip-digest')).toEqual(nonce);
      await db.destroy();
      // Both moved at once, the one not asked for too.
      const keys = JSON.parse(readFileSync(join(tmp.dir, KEYS_FILE), 'utf8')) as object;
      expect(keys).toEqual({
        'web-session': session.toString('base64'),
        'sip-digest': nonce.toString('base64'),
      });
      for (const name of ['renvoi.db', 'renvoi.db-wal']) {
        const path = join(tmp.dir, name);
        if (!existsSync(path)) continue;
        const bytes = readFileSync(path);
        expect(bytes.includes(session.toString('base64'))).toBe(false);
        expect(bytes.includes(nonce.toString('base64'))).toBe(false);
      }
    } finally {
      tmp.remove();
    }
  });
});
