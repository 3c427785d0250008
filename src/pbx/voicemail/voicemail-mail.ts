/**
 * The e-mail of a new voicemail message, in its owner's language: who called (name when the call
 * gave one, number as people write it), when, how long, and the history's sentence saying which
 * rule sent the call to voicemail. Pure: the queue hands it the mail and the directory.
 */
import type { Directory, Language } from '../../domain/types.js';
import { canonicalNumber, displayNumber } from '../../domain/numbers.js';
import { message } from '../../i18n/index.js';
import { sentenceFor } from '../../i18n/plan-sentence.js';
import { instantFormat } from '../../i18n/trace.js';
import type { QueuedMail } from '../../store/voicemail-mail-repository.js';

export interface ComposedMail {
  subject: string;
  text: string;
  /** The attachment's file name. */
  fileName: string;
}

function durationText(lang: Language, ms: number): string {
  const total = Math.max(1, Math.round(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes === 0
    ? message(lang, 'mail.seconds', { seconds })
    : message(lang, 'mail.minutes', { minutes, seconds: String(seconds).padStart(2, '0') });
}

function callerText(lang: Language, mail: QueuedMail, directory: Directory): string {
  const { callerNumber, callerName } = mail.message;
  if (callerNumber === null) return callerName ?? message(lang, 'mail.withheld');
  const { country } = directory.settings;
  const number = directory.extensions.has(callerNumber)
    ? callerNumber
    : displayNumber(canonicalNumber(callerNumber, country) ?? callerNumber, country);
  const name = callerName ?? directory.extensions.get(callerNumber)?.name ?? null;
  return name === null || name === number ? number : `${name} (${number})`;
}

/** "2026-12-03-1405-0612345678.wav": sortable, and says who without opening it. */
function fileName(mail: QueuedMail, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(mail.message.receivedAt);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const who = (mail.message.callerNumber ?? 'anonymous').replace(/[^0-9A-Za-z+]/g, '');
  return `${part('year')}-${part('month')}-${part('day')}-${part('hour')}${part('minute')}-${who}.wav`;
}

export function composeMail(mail: QueuedMail, directory: Directory): ComposedMail {
  const lang = mail.language;
  const { timezone } = directory.settings;
  const caller = callerText(lang, mail, directory);
  const duration = durationText(lang, mail.message.durationMs);
  const file = fileName(mail, timezone);
  const owner = directory.extensions.get(mail.message.mailbox)?.name ?? mail.message.mailbox;
  const lines = [
    message(lang, 'mail.greeting', { name: owner }),
    '',
    message(lang, 'mail.left', {
      caller,
      duration,
      when: instantFormat(lang, timezone).format(mail.message.receivedAt),
    }),
  ];
  if (mail.decision !== null) {
    const sentence = sentenceFor(lang, directory, mail.decision.to, mail.decision);
    lines.push('', message(lang, 'mail.why', { sentence }));
  }
  lines.push(
    '',
    message(lang, 'mail.attached', { file }),
    message(lang, mail.deleteAfter ? 'mail.deleted' : 'mail.kept'),
  );
  return {
    subject: message(lang, 'mail.subject', { caller, duration }),
    text: `${lines.join('\n')}\n`,
    fileName: file,
  };
}
