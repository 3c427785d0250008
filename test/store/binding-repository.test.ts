import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.js';
import type { Db } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrations.js';
import {
  BindingWriter,
  loadAllActive,
  loadBindings,
  purgeExpired,
  saveBindings,
} from '../../src/store/binding-repository.js';
import { applyRegister } from '../../src/pbx/registrar/bindings.js';
import type { Binding } from '../../src/pbx/registrar/bindings.js';
import { tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function binding(aor: string, contact: string, overrides: Partial<Binding> = {}): Binding {
  return {
    aor,
    contact,
    expiresAt: T0 + 3600_000,
    q: null,
    callId: `call-${contact}`,
    cseq: 1,
    instanceId: null,
    regId: null,
    source: { protocol: 'udp', address: '192.0.2.10', port: 5060 },
    userAgent: null,
    updatedAt: T0,
    ...overrides,
  };
}

describe('binding repository', () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let db: Db;

  beforeEach(async () => {
    tmp = tempDir('bindings');
    file = join(tmp.dir, 'renvoi.db');
    db = openDatabase(file);
    await migrate(db);
  });

  afterEach(async () => {
    await db.destroy();
    tmp.remove();
  });

  it('stores every field and reloads it after the file is reopened', async () => {
    const full = binding('sip:101@pbx', 'sip:101@192.0.2.10:5060;transport=tcp', {
      q: 0.7,
      instanceId: '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>',
      regId: 2,
      cseq: 42,
      source: { protocol: 'tcp', address: '2001:db8::1', port: 49152 },
      userAgent: 'Linphone/5.2',
      updatedAt: T0 + 5,
    });
    const other = binding('sip:101@pbx', 'sip:101@198.51.100.7', { updatedAt: T0 + 9 });
    await saveBindings(db, 'sip:101@pbx', [full, other]);
    await db.destroy();

    db = openDatabase(file);
    await migrate(db);
    expect(await loadBindings(db, 'sip:101@pbx')).toEqual([full, other]);
    expect(await loadBindings(db, 'sip:102@pbx')).toEqual([]);
  });

  it('replaces the bindings of one AOR only', async () => {
    await saveBindings(db, 'a', [binding('a', 'sip:a@1'), binding('a', 'sip:a@2')]);
    await saveBindings(db, 'b', [binding('b', 'sip:b@1')]);
    await saveBindings(db, 'a', [binding('a', 'sip:a@3')]);
    expect((await loadBindings(db, 'a')).map((b) => b.contact)).toEqual(['sip:a@3']);
    expect((await loadBindings(db, 'b')).map((b) => b.contact)).toEqual(['sip:b@1']);
    await saveBindings(db, 'a', []);
    expect(await loadBindings(db, 'a')).toEqual([]);
  });

  it('BindingWriter: the saves of one turn commit together, each resolving once stored', async () => {
    const writer = new BindingWriter(db);
    const commits: number[] = [];
    const first = writer.save('a', [binding('a', 'sip:a@1')]);
    const second = writer.save('b', [binding('b', 'sip:b@1')]);
    // The same AOR again in the same turn: its last set is the one stored.
    const third = writer.save('a', [binding('a', 'sip:a@2')]);
    expect(first).toBe(second);
    expect(second).toBe(third);
    // Nothing is written before the turn ends, so a REGISTER is not answered before its commit.
    expect(await loadBindings(db, 'a')).toEqual([]);
    await Promise.all([first, second, third].map((p) => p.then(() => commits.push(1))));
    expect(commits).toHaveLength(3);
    expect((await loadBindings(db, 'a')).map((b) => b.contact)).toEqual(['sip:a@2']);
    expect((await loadBindings(db, 'b')).map((b) => b.contact)).toEqual(['sip:b@1']);
    // A later turn is a batch of its own, still reaching the file a reopen reads.
    const later = writer.save('b', []);
    expect(later).not.toBe(first);
    await later;
    await db.destroy();
    db = openDatabase(file);
    expect(await loadBindings(db, 'b')).toEqual([]);
    expect((await loadBindings(db, 'a')).map((b) => b.contact)).toEqual(['sip:a@2']);
  });

  it('BindingWriter: a batch that cannot be written rejects every save in it', async () => {
    const writer = new BindingWriter(db);
    // A NOT NULL column given null makes SQLite refuse the insert.
    const broken = { ...binding('a', 'sip:a@1'), contact: null as unknown as string };
    const a = writer.save('a', [broken]);
    const b = writer.save('b', [binding('b', 'sip:b@1')]);
    await expect(a).rejects.toThrow();
    await expect(b).rejects.toThrow();
    // All or nothing: the transaction rolled back.
    expect(await loadBindings(db, 'b')).toEqual([]);
  });

  it('keeps two flows of one instance with the same contact URI (RFC 5626)', async () => {
    const flows = [1, 2].map((regId) =>
      binding('a', 'sip:a@192.0.2.1', { instanceId: '<urn:uuid:1>', regId }),
    );
    await saveBindings(db, 'a', flows);
    expect(await loadBindings(db, 'a')).toHaveLength(2);
  });

  it('loads the active bindings of every AOR and purges the expired ones', async () => {
    await saveBindings(db, 'a', [
      binding('a', 'sip:a@1', { expiresAt: T0 + 1000 }),
      binding('a', 'sip:a@2', { expiresAt: T0 + 9000 }),
    ]);
    await saveBindings(db, 'b', [binding('b', 'sip:b@1', { expiresAt: T0 + 5000 })]);
    const active = await loadAllActive(db, T0 + 1000);
    expect(active.map((b) => `${b.aor} ${b.contact}`)).toEqual(['a sip:a@2', 'b sip:b@1']);
    expect(await purgeExpired(db, T0 + 5000)).toBe(2);
    expect(await purgeExpired(db, T0 + 5000)).toBe(0);
    expect((await loadAllActive(db, T0)).map((b) => b.contact)).toEqual(['sip:a@2']);
  });

  it('round-trips what applyRegister produces', async () => {
    const result = applyRegister(
      [],
      {
        aor: 'sip:101@pbx',
        contacts: [{ uri: 'sip:101@192.0.2.10', q: 0.5 }, { uri: 'sip:101@192.0.2.11' }],
        callId: 'x',
        cseq: 1,
        source: { protocol: 'udp', address: '192.0.2.10', port: 5060 },
        userAgent: 'Yealink',
      },
      T0,
    );
    if (result.status !== 200) throw new Error('expected 200');
    await saveBindings(db, 'sip:101@pbx', result.bindings);
    const reloaded = await loadBindings(db, 'sip:101@pbx');
    expect(new Set(reloaded.map((b) => JSON.stringify(b)))).toEqual(
      new Set(result.bindings.map((b) => JSON.stringify(b))),
    );
  });
});
