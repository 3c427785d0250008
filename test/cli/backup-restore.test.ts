/**
 * `renvoi backup` and `renvoi restore` on a real SQLite file: the backup is taken while another
 * process writes to the database without pause, and the restored copy is sound, consistent as of
 * one instant, and equal to the backup; restore refuses a running PBX's data and a damaged backup,
 * and then leaves the data as it was.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runStart } from '../../src/cli/commands/start.js';
import { eventually, freePort } from '../interop/harness.js';

const GUIDE = join(import.meta.dirname, '..', '..', 'examples', 'guide.yaml');

async function renvoi(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (s) => (out += `${s}\n`),
    err: (s) => (err += `${s}\n`),
    env: { LANG: 'en_US.UTF-8' },
  });
  return { code, out, err };
}

/**
 * Another process writing to the store without pause: each transaction adds ten rows to `probe`
 * and sets `probe_total` to the row count, so a copy taken mid-transaction would disagree.
 */
function startWriter(database: string): { child: ChildProcess; written: () => number } {
  const script = `
    const SQLite = require('better-sqlite3');
    const db = new SQLite(process.argv[1], { timeout: 15000 });
    db.pragma('journal_mode = WAL');
    db.exec('create table if not exists probe (id integer primary key, batch integer, payload text)');
    db.exec('create table if not exists probe_total (n integer)');
    db.exec('insert into probe_total select 0 where not exists (select 1 from probe_total)');
    const insert = db.prepare('insert into probe (batch, payload) values (?, ?)');
    const total = db.prepare('update probe_total set n = (select count(*) from probe)');
    const batch = db.transaction((b) => { for (let i = 0; i < 10; i++) insert.run(b, 'x'.repeat(200)); total.run(); });
    let b = 0;
    const end = Date.now() + 60000;
    (function loop() {
      for (let i = 0; i < 20; i++) batch(b++);
      process.stdout.write(b + '\\n');
      if (Date.now() < end) setImmediate(loop);
    })();
  `;
  const child = spawn(process.execPath, ['-e', script, database], {
    cwd: join(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let batches = 0;
  child.stdout?.on('data', (data: Buffer) => {
    const last = data.toString().trim().split('\n').at(-1);
    if (last !== undefined) batches = Number(last);
  });
  return { child, written: () => batches * 10 };
}

function rows(database: string, query: string): unknown[] {
  const db = new SQLite(database, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all();
  } finally {
    db.close();
  }
}

/** Every table's rows, in a stable order: what "equal content" means for two databases. */
function dump(database: string): Record<string, unknown[]> {
  const tables = rows(
    database,
    "select name from sqlite_master where type = 'table' order by name",
  );
  const content: Record<string, unknown[]> = {};
  for (const { name } of tables as { name: string }[]) {
    content[name] = rows(database, `select * from "${name}" order by rowid`);
  }
  return content;
}

describe('renvoi backup and restore', () => {
  const root = mkdtempSync(join(tmpdir(), 'renvoi-backup-'));
  const dataDir = join(root, 'data');
  const backup = join(root, 'backup');
  const database = join(dataDir, 'renvoi.sqlite');
  const message = Buffer.from('RIFF....WAVEfmt a recorded message');
  let writer: ReturnType<typeof startWriter> | undefined;

  beforeAll(async () => {
    expect((await renvoi(['import', GUIDE, '--data', dataDir])).code).toBe(0);
    mkdirSync(join(dataDir, 'voicemail', '101'), { recursive: true });
    writeFileSync(join(dataDir, 'voicemail', '101', 'msg-1.wav'), message);
    mkdirSync(join(dataDir, 'prompts', 'fr'), { recursive: true });
    writeFileSync(join(dataDir, 'prompts', 'fr', 'beep.wav'), 'an admin recording');
  });
  afterAll(() => {
    writer?.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up while another process writes, and the copy is one consistent instant', async () => {
    writer = startWriter(database);
    const w = writer;
    await eventually(() => w.written() >= 2000, 'the writer to be writing', 20_000);
    const before = w.written();
    const result = await renvoi(['backup', backup, '--data', dataDir]);
    expect(result.code, result.err).toBe(0);
    // The writer went on during and after the copy.
    await eventually(() => w.written() > before + 1000, 'the writer to go on', 20_000);
    w.child.kill('SIGTERM');
    await new Promise((resolve) => w.child.once('exit', resolve));

    const copy = join(backup, 'renvoi.sqlite');
    expect(rows(copy, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const [{ n }] = rows(copy, 'select n from probe_total') as [{ n: number }];
    const [{ count }] = rows(copy, 'select count(*) as count from probe') as [{ count: number }];
    expect(count).toBe(n);
    expect(count % 10).toBe(0);
    expect(count).toBeGreaterThanOrEqual(before);
    const [{ live }] = rows(database, 'select count(*) as live from probe') as [{ live: number }];
    expect(live).toBeGreaterThan(count);
    expect(readFileSync(join(backup, 'voicemail', '101', 'msg-1.wav'))).toEqual(message);
    expect(readFileSync(join(backup, 'prompts', 'fr', 'beep.wav'), 'utf8')).toBe(
      'an admin recording',
    );
    expect(existsSync(join(backup, 'renvoi-backup.json'))).toBe(true);
    expect(statSync(backup).mode & 0o777).toBe(0o700);
    // Nothing half-made left beside it.
    expect(readdirSync(root).sort()).toEqual(['backup', 'data']);
  });

  it('does not write over an existing backup', async () => {
    const again = await renvoi(['backup', backup, '--data', dataDir]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists');
  });

  it('refuses to restore over a running PBX, and restores once it has stopped', async () => {
    const lines: string[] = [];
    let stop = (): void => undefined;
    const running = runStart({
      dataDir,
      host: '127.0.0.1',
      sipPort: await freePort(),
      wsPort: 0,
      httpPort: 0,
      out: (s) => lines.push(s),
      err: (s) => lines.push(`ERR ${s}`),
      stopSignal: new Promise<void>((resolve) => (stop = resolve)),
      log: pino({ level: 'silent' }),
    });
    await eventually(
      () => lines.some((l) => l.startsWith('Web client') || l.startsWith('ERR')),
      'the PBX to start',
      15_000,
    );
    const refused = await renvoi(['restore', backup, '--data', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`process ${process.pid}`);
    expect(refused.err).toContain('stop it first');
    stop();
    expect(await running).toBe(0);

    const exported = await renvoi(['export', '--data', dataDir]);
    const restored = await renvoi(['restore', backup, '--data', dataDir]);
    expect(restored.code, restored.err).toBe(0);
    expect(dump(database)).toEqual(dump(join(backup, 'renvoi.sqlite')));
    expect(rows(database, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect((await renvoi(['export', '--data', dataDir])).out).toBe(exported.out);
    expect(readFileSync(join(dataDir, 'voicemail', '101', 'msg-1.wav'))).toEqual(message);
    // The data it replaced is kept aside, named in the output.
    const aside = readdirSync(root).filter((name) => name.startsWith('data.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(restored.out).toContain(aside[0]);
  });

  it('refuses a damaged backup and leaves the data as it was', async () => {
    const damaged = join(root, 'damaged');
    expect((await renvoi(['backup', damaged, '--data', dataDir])).code).toBe(0);
    const file = join(damaged, 'renvoi.sqlite');
    const bytes = readFileSync(file);
    // Garbage over the middle of the file: pages of tables and indexes.
    bytes.fill(0x5a, Math.floor(bytes.length / 3), Math.floor((bytes.length * 2) / 3));
    writeFileSync(file, bytes);
    const before = dump(database);
    const listing = readdirSync(root).sort();

    const result = await renvoi(['restore', damaged, '--data', dataDir]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('damaged');
    expect(dump(database)).toEqual(before);
    expect(readdirSync(root).sort()).toEqual(listing);

    const notBackup = await renvoi(['restore', dataDir, '--data', join(root, 'elsewhere')]);
    expect(notBackup.code).toBe(1);
    expect(notBackup.err).toContain('not a Renvoi backup');
    expect(existsSync(join(root, 'elsewhere'))).toBe(false);
  });
});
