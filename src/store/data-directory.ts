/**
 * The data directory holds what a reader of the disk must not get: the database (password
 * digests, PIN hashes, the session list), the keys file, voicemail and greetings. Everything in
 * it is for the PBX's own user only: folders 0700, files 0600. `renvoi` sets its umask so that
 * what it creates is private from the start; these functions also make it so for files made
 * before, or by a process started some other way.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Bounds the walk at start whatever the folder holds. */
const MAX_ENTRIES = 1_000_000;

/** Creates the data directory if needed and makes it private. */
export function prepareDataDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  chmodSync(dir, PRIVATE_DIRECTORY_MODE);
}

/** Creates `file` empty and private if it does not exist, or makes it private if it does. */
export function privateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}

/**
 * Makes every folder and file under `dir` private (symbolic links are left alone: their target
 * may be anywhere). Returns how many entries had to be changed.
 */
export function makePrivate(dir: string): number {
  let changed = 0;
  let seen = 0;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const name of readdirSync(current)) {
      if (++seen > MAX_ENTRIES) return changed;
      const path = join(current, name);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) continue;
      const mode = stat.isDirectory() ? PRIVATE_DIRECTORY_MODE : PRIVATE_FILE_MODE;
      if ((stat.mode & 0o777) !== mode) {
        chmodSync(path, mode);
        changed++;
      }
      if (stat.isDirectory()) pending.push(path);
    }
  }
  return changed;
}
