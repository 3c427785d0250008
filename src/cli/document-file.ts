import { readFile } from 'node:fs/promises';
import { CORE_SCHEMA, load } from 'js-yaml';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Language, Problem } from '../domain/types.js';
import { parsePath } from '../domain/problem-path.js';
import { describeProblem, message } from '../i18n/index.js';

/** A directory document read from a file, able to say where in the file a path is. */
export interface DocumentFile {
  data: unknown;
  /** "LINE:COL" (1-based) of the value at `path`, or of its nearest ancestor present in the file. */
  locate(path: string, preferKey: boolean): { line: number; col: number } | null;
}

export type ReadResult = { ok: true; file: DocumentFile } | { ok: false; lines: string[] };

/**
 * Reads a YAML or JSON document. The file is parsed for its data only, and parsed again keeping
 * node positions when a syntax error or a problem in the directory needs a line and column.
 */
export async function readDocumentFile(file: string, lang: Language): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, lines: [message(lang, 'directory.cannot-read', { file, reason })] };
  }
  const data = quickParse(text, /\.json$/i.test(file));
  if (data !== undefined) {
    let located: PositionedDocument | null = null;
    return {
      ok: true,
      file: {
        data: data.value,
        locate: (path, preferKey) => {
          located ??= positioned(text);
          return located.doc.errors.length > 0 ? null : located.locate(path, preferKey);
        },
      },
    };
  }
  // A syntax error: the position-keeping parse says where, for every error in the file.
  const { doc, lineCounter } = positioned(text);
  if (doc.errors.length === 0) {
    return { ok: false, lines: [`${file}: ${message(lang, 'directory.syntax', { reason: '?' })}`] };
  }
  return {
    ok: false,
    lines: doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      const reason = e.message.split('\n')[0] ?? e.message;
      return `${file}:${line}:${col}: ${message(lang, 'directory.syntax', { reason })}`;
    }),
  };
}

/**
 * The document's data without node positions, which cost more than the parse itself on a large
 * directory; undefined on a syntax error. JSON.parse first for a .json file, then YAML (JSON is
 * YAML, and a .json file JSON.parse refuses gets YAML's reading of it).
 */
function quickParse(text: string, json: boolean): { value: unknown } | undefined {
  if (json) {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      // Try YAML below.
    }
  }
  try {
    // js-yaml reads a large directory an order of magnitude faster than `yaml`, which is kept
    // for what only it does: placing a problem at a line and column. The core schema reads YAML
    // 1.2 as `yaml` does: "2026-12-25" stays a string, "yes" a word; duplicate keys are refused.
    return { value: load(text, { schema: CORE_SCHEMA }) };
  } catch {
    return undefined;
  }
}

interface PositionedDocument {
  doc: Document;
  lineCounter: LineCounter;
  locate: DocumentFile['locate'];
}

function positioned(text: string): PositionedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  return {
    doc,
    lineCounter,
    locate: (path, preferKey) => {
      const offset = offsetOf(doc, path, preferKey);
      return offset === null ? null : lineCounter.linePos(offset);
    },
  };
}

/** The start offset of the node at `path`, walking down as far as the document goes. */
function offsetOf(doc: Document, path: string, preferKey: boolean): number | null {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const segment of parsePath(path)) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (pair === undefined) break;
      node = pair.value;
      offset =
        (preferKey ? rangeStart(pair.key) : null) ??
        rangeStart(node) ??
        rangeStart(pair.key) ??
        offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | null {
  return node !== null && typeof node === 'object' && 'range' in node
    ? ((node as YamlNode).range?.[0] ?? null)
    : null;
}

/** "FILE:LINE:COL: path: message", or "path: message" when the place is not in the file. */
export function formatProblem(
  file: string,
  document: DocumentFile,
  problem: Problem,
  lang: Language,
): string {
  const place = document.locate(problem.path, problem.code.startsWith('directory.unknown-key'));
  const text = describeProblem(lang, problem);
  return place === null ? text : `${file}:${place.line}:${place.col}: ${text}`;
}
