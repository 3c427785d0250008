/** The directory document (design §6) as the admin pages edit it: only the parts they show. */

export type NumberText = string | number;

export interface ExtensionDoc {
  number: NumberText;
  name: string;
  password?: string;
  mobile?: string;
  voicemailPin?: string;
  ringTimeout?: number;
  language?: 'fr' | 'en';
  role?: 'user' | 'admin';
  email?: string;
  deleteAfterEmail?: boolean;
  [other: string]: unknown;
}

export interface RingGroupDoc {
  number: NumberText;
  name: string;
  strategy?: 'ring-all' | 'hunt';
  members: NumberText[];
  timeout?: number;
  [other: string]: unknown;
}

export interface TrunkDoc {
  name: string;
  host: string;
  port?: number;
  transport?: 'udp' | 'tcp';
  username?: string;
  password?: string;
  inbound?: Record<string, NumberText>;
  [other: string]: unknown;
}

/** SIP calls from neither a trunk nor an extension (absent keys: the defaults below). */
export interface OutsideCallsDoc {
  allow?: boolean;
  concurrent?: number;
  perMinute?: number;
  keepDays?: number;
}

export const OUTSIDE_CALLS_DEFAULTS = { allow: false, concurrent: 2, perMinute: 10, keepDays: 30 };

export type HolidayDoc = string | { date: string; name?: string };

/** The relay voicemail e-mails go through; the password only ever comes back sealed. */
export interface SmtpDoc {
  host: string;
  port?: number;
  security?: 'starttls' | 'tls' | 'none';
  username?: string;
  password?: string;
  passwordSealed?: string;
  from: string;
}

export interface DirectoryDoc {
  timezone?: string;
  maxExceptions?: number;
  officeHours?: Record<string, string | string[]>;
  holidays?: HolidayDoc[];
  outboundPolicy?: { allow: string[] };
  outsideCalls?: OutsideCallsDoc;
  extensions?: ExtensionDoc[];
  ringGroups?: RingGroupDoc[];
  trunks?: TrunkDoc[];
  smtp?: SmtpDoc;
  [other: string]: unknown;
}

export const NUMBER_CLASSES = [
  'fixed',
  'mobile',
  'toll-free',
  'shared-cost',
  'premium-rate',
  'voip',
  'international',
  'other',
] as const;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];
export { DAYS };

/** "mon-fri", "sat", "mon,wed" → the days they name; unknown names are left out. */
function daysOf(key: string): Day[] {
  const found = new Set<Day>();
  for (const part of key.split(',')) {
    const [a = '', b] = part.trim().toLowerCase().split('-');
    const from = DAYS.indexOf(a as Day);
    const to = b === undefined ? from : DAYS.indexOf(b as Day);
    if (from < 0 || to < 0) continue;
    for (let i = from; i <= to; i++) found.add(DAYS[i] as Day);
  }
  return DAYS.filter((d) => found.has(d));
}

/** Office hours per day as editable text: "09:00-12:30, 14:00-18:00". */
export function hoursPerDay(hours: DirectoryDoc['officeHours']): Record<Day, string> {
  const out = Object.fromEntries(DAYS.map((d) => [d, ''])) as Record<Day, string>;
  for (const [key, value] of Object.entries(hours ?? {})) {
    const ranges = typeof value === 'string' ? [value] : value;
    for (const day of daysOf(key)) {
      out[day] = [out[day], ...ranges].filter((r) => r !== '').join(', ');
    }
  }
  return out;
}

export function hoursFromDays(days: Record<Day, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const day of DAYS) {
    const ranges = days[day]
      .split(/[,;]/)
      .map((r) => r.trim())
      .filter((r) => r !== '');
    if (ranges.length > 0) out[day] = ranges;
  }
  return out;
}

export function holidaysToText(holidays: DirectoryDoc['holidays']): string {
  return (holidays ?? [])
    .map((h) => (typeof h === 'string' ? h : `${h.date}${h.name ? ` ${h.name}` : ''}`))
    .join('\n');
}

export function holidaysFromText(text: string): HolidayDoc[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.search(/\s/);
      if (space < 0) return line;
      return { date: line.slice(0, space), name: line.slice(space + 1).trim() };
    });
}
