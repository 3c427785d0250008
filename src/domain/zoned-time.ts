/**
 * Reading a wall-clock time ("2026-11-25T10:30", no offset) in a given time zone, as a person
 * typing a date into `renvoi simulate --at` or the web tester means it.
 */

const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Milliseconds to add to UTC to get the wall clock of `timeZone` at `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant an ISO-8601 text names. A text with `Z` or an offset is absolute; one without is a
 * wall-clock time in `timeZone`. A time in the hour skipped by a daylight-saving change
 * is read as the time after the change; in the repeated hour, the first occurrence. null when the text is not a date.
 */
export function parseInstant(text: string, timeZone: string): Date | null {
  const local = LOCAL_ISO.exec(text.trim());
  if (local === null) {
    if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) return null;
    const absolute = new Date(text);
    return Number.isNaN(absolute.getTime()) ? null : absolute;
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = local;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  // The offsets a day either side bracket any daylight-saving change on that date.
  const DAY = 86_400_000;
  const candidates = [wall - offsetAt(wall - DAY, timeZone), wall - offsetAt(wall + DAY, timeZone)];
  const exact = candidates.filter((c) => c + offsetAt(c, timeZone) === wall);
  // Repeated hour: the first occurrence. Skipped hour: read with the offset before the change,
  // which lands after it (02:30 on a spring-forward night becomes 03:30).
  return new Date(exact.length > 0 ? Math.min(...exact) : (candidates[0] ?? wall));
}
