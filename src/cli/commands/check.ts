import type { Language } from '../../domain/types.js';
import { checkDirectory } from '../../domain/check.js';
import { describeFinding } from '../../i18n/finding.js';
import { message } from '../../i18n/index.js';
import { withDirectory } from '../data-dir.js';

export interface CheckArgs {
  dataDir: string;
  lang: Language;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** `renvoi check`: exits 1 when it finds anything, so scripts and CI can gate on it. */
export async function runCheck(args: CheckArgs): Promise<number> {
  return withDirectory(args.dataDir, args.err, (directory) => {
    const findings = checkDirectory(directory, new Date());
    const described = findings.map((f) => ({
      ...f,
      text: describeFinding(args.lang, f, directory),
    }));
    if (args.json) {
      args.out(JSON.stringify({ ok: findings.length === 0, findings: described }, null, 2));
    } else if (findings.length === 0) {
      args.out(message(args.lang, 'check.clean'));
    } else {
      for (const f of described) args.out(f.text);
      args.out(message(args.lang, 'check.count', { count: findings.length }));
    }
    return findings.length === 0 ? 0 : 1;
  });
}
