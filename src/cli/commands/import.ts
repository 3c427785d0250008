import type { Language } from '../../domain/types.js';
import { buildDirectory } from '../../domain/document.js';
import { saveDirectory } from '../../store/directory-repository.js';
import { message } from '../../i18n/index.js';
import { openStore } from '../data-dir.js';
import { formatProblem, readDocumentFile } from '../document-file.js';

export interface ImportArgs {
  file: string;
  dataDir: string;
  lang: Language;
  out: (s: string) => void;
  err: (s: string) => void;
}

/**
 * `renvoi import FILE`: validates the whole document first and touches the data directory only
 * when it is valid, then replaces the stored directory in one transaction.
 */
export async function runImport(args: ImportArgs): Promise<number> {
  const { file, dataDir, lang, out, err } = args;
  const read = await readDocumentFile(file, lang);
  if (!read.ok) {
    for (const line of read.lines) err(line);
    return 1;
  }
  const built = buildDirectory(read.file.data);
  if (!built.ok) {
    for (const problem of built.problems) err(formatProblem(file, read.file, problem, lang));
    err(message(lang, 'directory.problem-count', { count: built.problems.length }));
    return 1;
  }
  const { directory } = built;
  try {
    const db = await openStore(dataDir);
    try {
      await saveDirectory(db, directory);
    } finally {
      await db.destroy();
    }
  } catch (error) {
    err(`renvoi import: ${(error as Error).message}`);
    return 1;
  }
  let exceptions = 0;
  for (const ext of directory.extensions.values()) exceptions += ext.exceptions.length;
  out(
    message(lang, 'directory.imported', {
      extensions: directory.extensions.size,
      exceptions,
      groups: directory.ringGroups.size,
      trunks: directory.trunks.length,
    }),
  );
  return 0;
}
