import type { Directory, Language, TraceEntry } from '../domain/types.js';
import { message } from './index.js';

/** One trace line in words; exceptions are counted from 1, as users count them. */
export function describeTrace(lang: Language, entry: TraceEntry, directory: Directory): string {
  const params: Record<string, string | number> = {};
  if (entry.extension !== undefined) params.extension = entry.extension;
  if (entry.exception !== undefined) params.exception = entry.exception + 1;
  if (entry.target !== undefined) params.target = entry.target;
  if (entry.status !== undefined) params.status = message(lang, `status.${entry.status}`);
  if (entry.hours !== undefined) params.hours = message(lang, `hours.${entry.hours}`);
  if (entry.number !== undefined) params.number = entry.number;
  if (entry.reason !== undefined) params.reason = message(lang, `trace.reason.${entry.reason}`);
  if (entry.from !== undefined) params.from = localText(entry.from);
  if (entry.until !== undefined) params.until = localText(entry.until);
  if (entry.statusUntil !== undefined) {
    params.statusUntil = instantFormat(lang, directory.settings.timezone).format(entry.statusUntil);
  }
  if (entry.after !== undefined) params.after = message(lang, `status.${entry.after}`);
  if (entry.repeat !== undefined) {
    const { count, calls, minutes, earlier } = entry.repeat;
    const time = timeFormat(lang, directory.settings.timezone);
    Object.assign(params, { count, calls, minutes });
    params.earlier = earlier.map((c) => time.format(c.at)).join(', ');
  }
  const name =
    entry.extension === undefined
      ? undefined
      : (directory.extensions.get(entry.extension) ?? directory.ringGroups.get(entry.extension))
          ?.name;
  params.name = name ?? '';
  if (entry.contact !== undefined) params.contact = entry.contact;
  const code = entry.book === undefined ? entry.code : `${entry.code}.${entry.book}`;
  if (entry.presentation !== undefined) {
    const shown = entry.number === undefined && entry.presentation !== 'anonymous';
    return message(lang, `trace.${code}.${shown ? 'none' : entry.presentation}`, params);
  }
  return message(lang, `trace.${code}`, params);
}

/** A validity bound as written ("2026-12-31", "2026-12-31T18:00") the way people write it. */
export function localText(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?$/.exec(value);
  if (m === null) return value;
  const date = `${m[3]}/${m[2]}/${m[1]}`;
  return m[4] === undefined ? date : `${date} ${m[4]}`;
}

function timeFormat(lang: Language, timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "jeudi 3 décembre à 14:00", in the directory's time zone. */
export function instantFormat(lang: Language, timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
  });
}
