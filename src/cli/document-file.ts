import { readFile } from 'node:fs/promises';
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
 * Reads a YAML or JSON document. YAML goes through the YAML parser, which keeps node positions. A
 * .json file is read with JSON.parse, several times faster on a large directory, and parsed again
 * for positions only if there is a problem to place; one JSON.parse refuses is parsed as YAML
 * (JSON is YAML) so its syntax error gets a line and column.
 */
export async function readDocumentFile(file: string, lang: Language): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, lines: [message(lang, 'directory.cannot-read', { file, reason })] };
  }
  if (/\.json$/i.test(file)) {
    try {
      const data: unknown = JSON.parse(text);
      let located: PositionedDocument | null = null;
      return {
        ok: true,
        file: {
          data,
          locate: (path, preferKey) => {
            located ??= positioned(text);
            return located.doc.errors.length > 0 ? null : located.locate(path, preferKey);
          },
        },
      };
    } catch {
      // Fall through: the YAML parser says where the syntax error is.
    }
  }
  const { doc, lineCounter, locate } = positioned(text);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      lines: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        const reason = e.message.split('\n')[0] ?? e.message;
        return `${file}:${line}:${col}: ${message(lang, 'directory.syntax', { reason })}`;
      }),
    };
  }
  return { ok: true, file: { data: doc.toJS({ maxAliasCount: 1000 }), locate } };
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
