/**
 * Rule checks no PBX offers (issue "Foundation" §4): exceptions that can never fire, duplicates,
 * broken references and forwarding loops. Pure: reads a Directory, returns findings.
 */
import type { Action, Directory, Extension, ForwardingException, Status } from './types.js';
import { patternsCover } from './patterns.js';
import { knownGroups } from './contacts.js';
import { hoursCover } from './schedule.js';
import { actionProblem, forwardTargets } from './route.js';
import { boundsWithin, repeatCovers, validityAt, validityBounds } from './validity.js';
import { forwardTrunk, presentsForeignNumber } from './forward-options.js';

export type Finding =
  /** `exception` can never fire: `by`, earlier in the list, takes every call it would take. */
  | { kind: 'shadowed'; extension: string; exception: number; by: number }
  /** `exception` says exactly what `by` already says. */
  | { kind: 'duplicate'; extension: string; exception: number; by: number }
  /** `exception` (or the status forwarding `forwarding`) points at something that is not there. */
  | { kind: 'broken'; extension: string; exception?: number; forwarding?: string; reason: string }
  /** A call can be forwarded round `cycle` (first number repeated at the end). */
  | { kind: 'loop'; cycle: string[] }
  /** `exception` has a time condition that no instant satisfies. */
  | { kind: 'never'; extension: string; exception: number; reason: string }
  /** `exception`'s validity ended (`until`, as written): kept, but it no longer fires. */
  | { kind: 'expired'; extension: string; exception: number; until: string }
  /**
   * `exception`, a repeat-caller rule, never fires (in `statuses` only, when given): `by` takes
   * all those calls first.
   */
  | {
      kind: 'repeat-shadowed';
      extension: string;
      exception: number;
      by: number;
      statuses?: Status[];
    }
  /**
   * `exception` forwards out showing the caller's number through `trunk`, which only accepts its
   * own numbers: the carrier will refuse the call (issue 13 §5).
   */
  | { kind: 'foreign-caller-id'; extension: string; exception: number; trunk: string }
  /** These extensions have an e-mail address for voicemail, but no SMTP relay is configured. */
  | { kind: 'no-relay'; extensions: string[] };

/** `now` decides which exceptions have expired. */
export function checkDirectory(directory: Directory, now: Date): Finding[] {
  const findings: Finding[] = [];
  for (const ext of directory.extensions.values()) {
    findings.push(...checkExtension(ext, directory, now));
  }
  findings.push(...findLoops(directory));
  const mailed = [...directory.extensions.values()].filter((e) => e.email !== null);
  if (directory.settings.smtp === null && mailed.length > 0) {
    findings.push({ kind: 'no-relay', extensions: mailed.map((e) => e.number) });
  }
  return findings;
}

function checkExtension(ext: Extension, directory: Directory, now: Date): Finding[] {
  const findings: Finding[] = [];
  const { timezone } = directory.settings;
  const broken = ext.exceptions.map((e) => actionProblem(ext, e.action, directory));
  const expired = ext.exceptions.map((e) => validityAt(e, timezone, now) === 'expired');
  ext.exceptions.forEach((exception, j) => {
    const reason = broken[j];
    if (reason !== null && reason !== undefined) {
      findings.push({ kind: 'broken', extension: ext.number, exception: j, reason });
    }
    const { action } = exception;
    const trunk = forwardTrunk(directory);
    if ((action.type === 'mobile' || action.type === 'external') && trunk !== null) {
      if (presentsForeignNumber(action, trunk)) {
        findings.push({
          kind: 'foreign-caller-id',
          extension: ext.number,
          exception: j,
          trunk: trunk.name,
        });
      }
    }
    const never = neverFires(exception, directory) ?? nobodyInBooks(exception, ext, directory);
    if (never !== null) {
      findings.push({ kind: 'never', extension: ext.number, exception: j, reason: never });
    }
    if (expired[j] === true) {
      findings.push({
        kind: 'expired',
        extension: ext.number,
        exception: j,
        until: exception.until ?? '',
      });
    }
    if (!exception.enabled || expired[j] === true) return;
    for (let i = 0; i < j; i++) {
      const earlier = ext.exceptions[i];
      // A disabled, broken or expired exception is skipped at routing time: it hides nothing.
      if (earlier === undefined || !earlier.enabled || broken[i] !== null || expired[i] === true)
        continue;
      if (!covers(earlier, exception, timezone)) {
        // A repeat rule is there to break through a rule like "* in DND → voicemail": below it,
        // it never fires in those statuses, which defeats its purpose even if it fires in others.
        const statuses =
          exception.repeat === null ? [] : shadowedStatuses(earlier, exception, timezone);
        if (statuses.length === 0) continue;
        findings.push({
          kind: 'repeat-shadowed',
          extension: ext.number,
          exception: j,
          by: i,
          statuses,
        });
        break;
      }
      const kind = sameRule(earlier, exception, timezone)
        ? 'duplicate'
        : exception.repeat !== null
          ? 'repeat-shadowed'
          : 'shadowed';
      findings.push({ kind, extension: ext.number, exception: j, by: i });
      break;
    }
  });
  for (const [status, action] of Object.entries(ext.forwarding) as [string, Action][]) {
    const reason = actionProblem(ext, action, directory);
    if (reason !== null) {
      findings.push({ kind: 'broken', extension: ext.number, forwarding: status, reason });
    }
  }
  return findings;
}

/** Every call `later` would take is taken by `earlier` first. */
function covers(earlier: ForwardingException, later: ForwardingException, zone: string): boolean {
  return (
    patternsCover(earlier.patterns, later.patterns) &&
    hoursCover(earlier, later) &&
    statusesCover(earlier.statuses, later.statuses) &&
    boundsWithin(validityBounds(later, zone), validityBounds(earlier, zone)) &&
    repeatCovers(earlier.repeat, later.repeat)
  );
}

/** The statuses in which `earlier` takes every call `later` would take, when only some are. */
function shadowedStatuses(
  earlier: ForwardingException,
  later: ForwardingException,
  zone: string,
): Status[] {
  if (!covers({ ...earlier, statuses: [] }, later, zone)) return [];
  return earlier.statuses.filter((s) => later.statuses.length === 0 || later.statuses.includes(s));
}

function statusesCover(a: Status[], b: Status[]): boolean {
  if (a.length === 0) return true;
  if (b.length === 0) return false;
  return b.every((s) => a.includes(s));
}

function sameRule(a: ForwardingException, b: ForwardingException, zone: string): boolean {
  return (
    patternsCover(b.patterns, a.patterns) &&
    hoursCover(b, a) &&
    statusesCover(b.statuses, a.statuses) &&
    boundsWithin(validityBounds(a, zone), validityBounds(b, zone)) &&
    repeatCovers(b.repeat, a.repeat) &&
    sameAction(a.action, b.action)
  );
}

function sameAction(a: Action, b: Action): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

function neverFires(exception: ForwardingException, directory: Directory): string | null {
  const officeEmpty = isEmptySchedule(directory.settings.officeHours);
  const periodsEmpty = isEmptySchedule(exception.periods);
  switch (exception.hours) {
    case 'office':
      return officeEmpty ? 'no-office-hours' : null;
    case 'specific':
      return periodsEmpty ? 'no-periods' : null;
    default:
      return null;
  }
}

/**
 * Why no caller can meet the exception's patterns when each of them names a book that is empty
 * for this user (no contacts, an empty phonebook, a group nobody is in), or null.
 */
function nobodyInBooks(
  exception: ForwardingException,
  ext: Extension,
  directory: Directory,
): string | null {
  const groups = knownGroups(directory, ext);
  const reasons = exception.patterns.map((p) => {
    if (p.kind === 'contacts') return ext.contacts.length === 0 ? 'no-contacts' : null;
    if (p.kind === 'phonebook') return directory.phonebook.length === 0 ? 'empty-phonebook' : null;
    if (p.kind === 'group') return groups.has(p.name) ? null : 'empty-group';
    return null;
  });
  if (reasons.length === 0 || reasons.some((r) => r === null)) return null;
  return reasons[0] ?? null;
}

function isEmptySchedule(schedule: Directory['settings']['officeHours']): boolean {
  return Object.values(schedule).every((ranges) => ranges === undefined || ranges.length === 0);
}

/**
 * Cycles in the graph "a call to X may be forwarded to Y". Each cycle is reported once, starting
 * from its smallest number, so the output is stable.
 */
function findLoops(directory: Directory): Finding[] {
  const edges = new Map<string, string[]>();
  for (const ext of directory.extensions.values()) {
    edges.set(ext.number, forwardTargets(ext, directory));
  }
  for (const group of directory.ringGroups.values()) {
    edges.set(group.number, forwardTargets(group, directory));
  }
  const seen = new Set<string>();
  const loops: Finding[] = [];
  const starts = [...edges.keys()].sort();
  for (const start of starts) {
    // Depth-first search for paths back to `start` through numbers greater than it only, so a
    // cycle is found once, from its smallest member.
    const stack: { node: string; path: string[] }[] = [{ node: start, path: [start] }];
    let budget = 10_000;
    while (stack.length > 0 && budget-- > 0) {
      const { node, path } = stack.pop() as { node: string; path: string[] };
      for (const next of edges.get(node) ?? []) {
        if (next === start) {
          const cycle = [...path, start];
          const key = cycle.join('>');
          if (!seen.has(key)) {
            seen.add(key);
            loops.push({ kind: 'loop', cycle });
          }
        } else if (next > start && !path.includes(next) && edges.has(next)) {
          stack.push({ node: next, path: [...path, next] });
        }
      }
    }
  }
  return loops;
}
