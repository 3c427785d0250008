import type { Finding } from '../domain/check.js';
import type { Directory, Language } from '../domain/types.js';
import { message } from './index.js';
import { localText } from './trace.js';

/** One `renvoi check` finding in words, as the command and the web client show it. */
export function describeFinding(lang: Language, finding: Finding, directory: Directory): string {
  switch (finding.kind) {
    case 'repeat-shadowed':
      return message(
        lang,
        finding.statuses === undefined ? 'check.repeat-shadowed' : 'check.repeat-shadowed-in',
        {
          extension: finding.extension,
          exception: finding.exception + 1,
          by: finding.by + 1,
          callerId: callerIdOf(directory, finding.extension, finding.exception),
          byCallerId: callerIdOf(directory, finding.extension, finding.by),
          statuses: (finding.statuses ?? []).map((s) => message(lang, `status.${s}`)).join(', '),
        },
      );
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
    case 'expired':
      return message(lang, 'check.expired', {
        extension: finding.extension,
        exception: finding.exception + 1,
        callerId: callerIdOf(directory, finding.extension, finding.exception),
        until: localText(finding.until),
      });
    case 'loop':
      return message(lang, 'check.loop', { cycle: finding.cycle.join(' → ') });
    case 'foreign-caller-id':
      return message(lang, 'check.foreign-caller-id', {
        extension: finding.extension,
        exception: finding.exception + 1,
        callerId: callerIdOf(directory, finding.extension, finding.exception),
        trunk: finding.trunk,
      });
    case 'no-relay':
      return message(lang, 'check.no-relay', { extensions: finding.extensions.join(', ') });
  }
}

function callerIdOf(directory: Directory, extension: string, index: number): string {
  return directory.extensions.get(extension)?.exceptions[index]?.callerId ?? '';
}
