/**
 * Whether a PBX runs on a data directory: `renvoi start` writes its process id in `renvoi.pid`
 * there and removes it when it stops; a file left by a crash names a process that is gone (or,
 * the id reused since, one that is not Renvoi's). `renvoi restore` refuses to replace the data of
 * a PBX that runs.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'renvoi.pid';

/** Marks `dataDir` as used by this process; the function returned unmarks it. */
export function markRunning(dataDir: string): () => void {
  const file = join(dataDir, PID_FILE);
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  };
}

/** The id of the PBX process running on `dataDir`, or null when none does. */
export function runningPid(dataDir: string): number | null {
  const pid = readPid(join(dataDir, PID_FILE));
  if (pid === null) return null;
  if (!alive(pid)) return null;
  return looksLikeRenvoi(pid) ? pid : null;
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (the service's), which is still running.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where /proc tells, the process runs Node (the PBX is a Node program); elsewhere, assume so. */
function looksLikeRenvoi(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  return /node|renvoi/.test(cmdline);
}
