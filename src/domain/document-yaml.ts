import { Document, isMap, isScalar, visit } from 'yaml';
import type { DirectoryDocument } from './document.js';

/** Keys whose small mappings read best on one line: `action: { type: extension, target: "100" }`. */
const INLINE_MAPS = new Set([
  'action',
  'fallback',
  'outboundPolicy',
  'outsideCalls',
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
