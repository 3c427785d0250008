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
  const name =
    entry.extension === undefined
      ? undefined
      : (directory.extensions.get(entry.extension) ?? directory.ringGroups.get(entry.extension))
          ?.name;
  params.name = name ?? '';
  return message(lang, `trace.${entry.code}`, params);
}
