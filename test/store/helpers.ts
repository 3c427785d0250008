import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDirectory } from '../../src/domain/document.js';
import type { Directory } from '../../src/domain/types.js';

/** A fresh directory under the system's temp dir, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `renvoi-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function directoryOf(doc: unknown): Directory {
  const result = buildDirectory(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.directory;
}
