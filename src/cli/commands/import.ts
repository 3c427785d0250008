import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Directory, Language, Problem } from '../../domain/types.js';
import { buildDirectory, toDocument } from '../../domain/document.js';
import { keepStoredSecrets } from '../../domain/document-merge.js';
import type { KeptSecrets } from '../../domain/document-merge.js';
import { editDirectory } from '../../store/directory-repository.js';
import { message } from '../../i18n/index.js';
import { databasePath, openStore } from '../data-dir.js';
import { formatProblem, readDocumentFile } from '../document-file.js';

export interface ImportArgs {
  file: string;
  dataDir: string;
  lang: Language;
  out: (s: string) => void;
  err: (s: string) => void;
}

type Prepared =
  { ok: true; directory: Directory; kept: KeptSecrets } | { ok: false; problems: Problem[] };

/** A new extension's password when the document gives none: printed once, as at first start. */
function newPassword(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * `renvoi import FILE`: replaces the stored directory with the document in one transaction,
 * keeping what the document leaves out of an existing extension (password, PIN, role:
 * document-merge.ts). Nothing is written unless the whole document is valid; a data directory
 * that does not exist yet is created only then.
 */
export async function runImport(args: ImportArgs): Promise<number> {
  const { file, dataDir, lang, out, err } = args;
  const read = await readDocumentFile(file, lang);
  if (!read.ok) {
    for (const line of read.lines) err(line);
    return 1;
  }
  const prepare = (stored: Directory | null): Prepared => {
    const kept = keepStoredSecrets(
      read.file.data,
      stored === null ? { extensions: [] } : toDocument(stored),
      newPassword,
    );
    const built = buildDirectory(kept.document);
    return built.ok
      ? { ok: true, directory: built.directory, kept }
      : { ok: false, problems: built.problems };
  };
  let prepared: Prepared;
  try {
    if (existsSync(databasePath(dataDir))) {
      const db = await openStore(dataDir);
      try {
        prepared = await editDirectory(db, (current) => {
          const result = prepare(current);
          return { result, save: result.ok ? { directory: result.directory } : null };
        });
      } finally {
        await db.destroy();
      }
    } else {
      prepared = prepare(null);
      if (prepared.ok) {
        const { directory } = prepared;
        const db = await openStore(dataDir);
        try {
          await editDirectory(db, () => ({ result: undefined, save: { directory } }));
        } finally {
          await db.destroy();
        }
      }
    }
  } catch (error) {
    err(`renvoi import: ${(error as Error).message}`);
    return 1;
  }
  if (!prepared.ok) {
    for (const problem of prepared.problems) err(formatProblem(file, read.file, problem, lang));
    err(message(lang, 'directory.problem-count', { count: prepared.problems.length }));
    return 1;
  }
  const { directory, kept } = prepared;
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
  if (kept.passwordsSet.length > 0) {
    out(message(lang, 'directory.passwords-set', { extensions: kept.passwordsSet.join(', ') }));
  }
  for (const { number, password } of kept.generated) {
    out(message(lang, 'directory.password-generated', { extension: number, password }));
  }
  return 0;
}
