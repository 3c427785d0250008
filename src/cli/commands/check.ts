import type { Directory, Language } from '../../domain/types.js';
import { checkDirectory, type Finding } from '../../domain/check.js';
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
    const findings = checkDirectory(directory);
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

export function describeFinding(lang: Language, finding: Finding, directory: Directory): string {
  switch (finding.kind) {
    case 'shadowed':
    case 'duplicate':
      return message(lang, `check.${finding.kind}`, {
        extension: finding.extension,
        exception: finding.exception + 1,
        by: finding.by + 1,
        callerId: callerIdOf(directory, finding.extension, finding.exception),
        byCallerId: callerIdOf(directory, finding.extension, finding.by),
      });
    case 'broken':
      return finding.exception === undefined
        ? message(lang, 'check.broken-forwarding', {
            extension: finding.extension,
            forwarding: message(lang, `check.forwarding.${finding.forwarding ?? ''}`),
            reason: message(lang, `trace.reason.${finding.reason}`),
          })
        : message(lang, 'check.broken', {
            extension: finding.extension,
            exception: finding.exception + 1,
            reason: message(lang, `trace.reason.${finding.reason}`),
          });
    case 'never':
      return message(lang, 'check.never', {
        extension: finding.extension,
        exception: finding.exception + 1,
        reason: message(lang, `check.reason.${finding.reason}`),
      });
    case 'loop':
      return message(lang, 'check.loop', { cycle: finding.cycle.join(' → ') });
  }
}

function callerIdOf(directory: Directory, extension: string, index: number): string {
  return directory.extensions.get(extension)?.exceptions[index]?.callerId ?? '';
}
