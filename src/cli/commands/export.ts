import { Document, isMap, isScalar, visit } from 'yaml';
import { toDocument } from '../../domain/document.js';
import type { DirectoryDocument } from '../../domain/document.js';
import { withDirectory } from '../data-dir.js';

export interface ExportArgs {
  dataDir: string;
  format: 'yaml' | 'json';
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Keys whose small mappings read best on one line: `action: { type: extension, target: "100" }`. */
const INLINE_MAPS = new Set([
  'action',
  'fallback',
  'outboundPolicy',
  'noAnswer',
  'busy',
  'away',
  'dnd',
  'lunch',
  'business-trip',
]);

export function documentToYaml(document: DirectoryDocument): string {
  const doc = new Document(document);
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && INLINE_MAPS.has(String(pair.key.value)) && isMap(pair.value)) {
        pair.value.flow = true;
      }
    },
    Seq(_, seq) {
      if (seq.items.every((item) => isScalar(item))) seq.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** `renvoi export`: prints the stored directory as a document `renvoi import` reads back. */
export async function runExport(args: ExportArgs): Promise<number> {
  return withDirectory(args.dataDir, args.err, (directory) => {
    const document = toDocument(directory);
    args.out(
      args.format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : documentToYaml(document),
    );
    return 0;
  });
}
