/**
 * The API's way to the directory: reads from a cache that follows the store, and edits that load,
 * change the document, validate the whole of it and save, in one write transaction.
 */
import { sql } from 'kysely';
import type { Directory, Problem } from '../domain/types.js';
import { buildDirectory, toDocument } from '../domain/document.js';
import type { DirectoryDocument } from '../domain/document.js';
import { keepStoredSecrets } from '../domain/document-merge.js';
import type { Db } from '../store/database.js';
import { editDirectory, loadDirectory } from '../store/directory-repository.js';
import { invalid } from './errors.js';

/** Where a problem found in the whole (edited) document is shown: relative to the edited part. */
export type Relocate = (problem: Problem, doc: DirectoryDocument) => Problem;

/** Strips the first of `prefixes` a problem's path starts with ("extensions[2].exceptions[0]."). */
export function relativeTo(...prefixes: string[]): (problem: Problem) => Problem {
  return (problem) => {
    for (const prefix of prefixes) {
      if (problem.path === prefix) return { ...problem, path: '' };
      if (problem.path.startsWith(`${prefix}.`)) {
        return { ...problem, path: problem.path.slice(prefix.length + 1) };
      }
    }
    return problem;
  };
}

export interface DocumentEdit<T> {
  /** Extensions whose rows change; absent: the whole directory is replaced. */
  extensions?: readonly string[];
  relocate?: Relocate;
  /** Changes `doc` in place (or throws an ApiError, and nothing is written). */
  change: (doc: DirectoryDocument, current: Directory) => T;
  /**
   * Rules for what this edit sets that a stored document need not follow (a new rule to a mobile
   * that is not there): problems with document paths, reported with the document's own.
   */
  refuse?: (doc: DirectoryDocument, current: Directory) => Problem[];
}

export class DirectoryAccess {
  private cached: { version: number; directory: Directory } | null = null;

  constructor(private readonly db: Db) {}

  /**
   * The stored directory. SQLite's data_version changes when another connection commits, so the
   * cache is read again after an import or another node's edit; this connection's own edits
   * replace the cache themselves.
   */
  async current(): Promise<Directory> {
    const version = await this.dataVersion();
    if (this.cached !== null && this.cached.version === version) return this.cached.directory;
    const directory = await loadDirectory(this.db);
    this.cached = { version, directory };
    return directory;
  }

  /** Applies `edit` to the document of the stored directory; 400 with every problem if invalid. */
  async edit<T>(edit: DocumentEdit<T>): Promise<{ directory: Directory; value: T }> {
    const version = await this.dataVersion();
    const outcome = await editDirectory(this.db, (current) => {
      const doc = toDocument(current);
      const value = edit.change(doc, current);
      const built = buildDirectory(doc);
      const problems = [
        ...(built.ok ? [] : built.problems),
        ...(edit.refuse?.(doc, current) ?? []),
      ];
      if (!built.ok || problems.length > 0) {
        const relocate = edit.relocate ?? ((p: Problem) => p);
        throw invalid(problems.map((p) => relocate(p, doc)));
      }
      const save =
        edit.extensions === undefined
          ? { directory: built.directory }
          : { directory: built.directory, extensions: edit.extensions };
      return { result: { directory: built.directory, value }, save };
    });
    this.keep(version, outcome.directory);
    return outcome;
  }

  /**
   * Replaces the whole directory with a document; 400 with every problem and its path. An
   * existing extension's password, PIN and role are kept where its entry has none
   * (document-merge.ts); a new extension needs its password in the document.
   */
  async replace(input: unknown): Promise<Directory> {
    const version = await this.dataVersion();
    const directory = await editDirectory(this.db, (current) => {
      const built = buildDirectory(keepStoredSecrets(input, toDocument(current), null).document);
      if (!built.ok) throw invalid(built.problems);
      return { result: built.directory, save: { directory: built.directory } };
    });
    this.keep(version, directory);
    return directory;
  }

  /**
   * The directory an edit built, kept as the cache unless it holds a secret the store changes on
   * the way in (a relay password it seals): read back from the store then, so that nothing
   * served from the cache shows it in clear.
   */
  private keep(version: number, directory: Directory): void {
    const password = directory.settings.smtp?.password;
    const clear = password !== undefined && password !== null && 'plain' in password;
    this.cached = clear ? null : { version, directory };
  }

  private async dataVersion(): Promise<number> {
    const rows = await sql<{ data_version: number }>`pragma data_version`.execute(this.db);
    return rows.rows[0]?.data_version ?? 0;
  }
}
