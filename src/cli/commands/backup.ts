/**
 * `renvoi backup DIR` and `renvoi restore DIR`. A backup is a directory laid out as a data
 * directory: the database (SQLite's online backup, consistent while the PBX runs), every other
 * file of the data directory (voicemail messages and greetings, prompts an admin recorded), and
 * `renvoi-backup.json` saying what it is. Copy it elsewhere with any tool (`tar`, `rsync`).
 *
 * Order matters while the PBX runs: the database first, then the files, so a message recorded in
 * between is a file without its row (ignored) rather than a row without its file.
 */
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { backupDatabase, integrityProblems } from '../../store/backup.js';
import { DATABASE_FILE } from '../data-dir.js';
import { PID_FILE, runningPid } from '../running.js';

export const MANIFEST = 'renvoi-backup.json';
const FORMAT = 1;

interface Manifest {
  format: number;
  createdAt: string;
  database: string;
}

export interface BackupArgs {
  /** The backup directory: created by `backup`, read by `restore`. */
  target: string;
  dataDir: string;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The database, its WAL and lock files, and the running marker are not copied as files. */
function isDataFile(path: string, root: string): boolean {
  if (dirname(path) !== root) return true;
  const name = basename(path);
  return !name.startsWith(DATABASE_FILE) && name !== PID_FILE;
}

/** A sibling of `path` on the same file system, so that renaming it into place is atomic. */
function sibling(path: string, what: string): string {
  return join(dirname(path), `.${basename(path)}.${what}-${randomBytes(4).toString('hex')}`);
}

export async function runBackup(args: BackupArgs): Promise<number> {
  const { target, dataDir, out, err } = args;
  const database = join(dataDir, DATABASE_FILE);
  if (!existsSync(database)) {
    err(`renvoi backup: no database in ${dataDir} (is --data right?)`);
    return 1;
  }
  if (existsSync(target)) {
    err(`renvoi backup: ${target} already exists; name a new directory`);
    return 1;
  }
  // Built aside and renamed at the end: a backup that failed half-way is never taken for one.
  const partial = sibling(target, 'partial');
  try {
    // Owner only: it holds every password and voicemail message.
    mkdirSync(partial, { mode: 0o700 });
    await backupDatabase(database, join(partial, DATABASE_FILE));
    cpSync(dataDir, partial, {
      recursive: true,
      filter: (source) => isDataFile(source, dataDir),
    });
    const problems = integrityProblems(join(partial, DATABASE_FILE));
    if (problems.length > 0) throw new Error(`the copy fails its integrity check: ${problems[0]}`);
    const manifest: Manifest = {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      database: DATABASE_FILE,
    };
    writeFileSync(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    err(`renvoi backup: ${(error as Error).message}`);
    return 1;
  }
  out(`Backup of ${dataDir} written to ${target}`);
  return 0;
}

export function runRestore(args: BackupArgs): number {
  const { target: backup, dataDir, out, err } = args;
  const refused = checkBackup(backup);
  if (refused !== null) {
    err(`renvoi restore: ${refused}`);
    return 1;
  }
  const pid = runningPid(dataDir);
  if (pid !== null) {
    err(
      `renvoi restore: a Renvoi PBX (process ${pid}) is running on ${dataDir}; stop it first ` +
        `(if none runs, delete ${join(dataDir, PID_FILE)})`,
    );
    return 1;
  }
  // Restored aside, checked, then swapped in by renames: the data directory is at every moment
  // either the old one or the whole restored one.
  const staging = sibling(dataDir, 'restoring');
  let previous: string | null = null;
  try {
    cpSync(backup, staging, {
      recursive: true,
      filter: (source) => source !== join(backup, MANIFEST),
    });
    const problems = integrityProblems(join(staging, DATABASE_FILE));
    if (problems.length > 0) throw new Error(`the restored copy fails its check: ${problems[0]}`);
    if (existsSync(dataDir)) {
      previous = `${dataDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(dataDir, previous);
    }
    try {
      renameSync(staging, dataDir);
    } catch (error) {
      if (previous !== null) renameSync(previous, dataDir);
      previous = null;
      throw error;
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    err(`renvoi restore: ${(error as Error).message}; ${dataDir} is unchanged`);
    return 1;
  }
  out(`Restored ${backup} into ${dataDir}`);
  if (previous !== null) out(`The data it replaced is in ${previous} (remove it when satisfied).`);
  return 0;
}

/** Why `dir` is not a backup to restore from, or null when it is one. */
function checkBackup(dir: string): string | null {
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Partial<Manifest>;
  } catch {
    return `${dir} is not a Renvoi backup (no readable ${MANIFEST})`;
  }
  if (manifest.format !== FORMAT) {
    return `${dir} is a backup of format ${String(manifest.format)}; this Renvoi reads format ${FORMAT}`;
  }
  const problems = integrityProblems(join(dir, DATABASE_FILE));
  if (problems.length > 0) return `the database in ${dir} is damaged: ${problems.join('; ')}`;
  return null;
}
