import { toDocument } from '../../domain/document.js';
import { documentToYaml } from '../../domain/document-yaml.js';
import { withDirectory } from '../data-dir.js';

export interface ExportArgs {
  dataDir: string;
  format: 'yaml' | 'json';
  out: (s: string) => void;
  err: (s: string) => void;
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
