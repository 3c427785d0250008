/**
 * The routing decision (design §3–§4): who is called, which exception fires, and the plan the
 * executor runs. Pure: the clock is a parameter.
 *
 * Choices where the design is silent:
 * - `call.status` overrides the status of the called extension only; an extension reached by
 *   forwarding is in its own status, as domain/status.ts computes it for `now`.
 * - A status other than `available` sends the call to that status's destination whatever the
 *   phone's state; `busy`/`offline` states matter only to an available extension.
 * - Extension targets must be extensions and system targets ring groups; anything else is broken.
 * - Ending "in the first extension's voicemail" (loops, hop limit, a ring-group fallback that is
 *   broken) appends that voicemail to the steps already planned; with no extension in the chain (a
 *   ring group called directly) nothing is appended.
 * - A broken status-forwarding destination is replaced by the extension's own voicemail, the
 *   default destination.
 */
import type {
  Action,
  Caller,
  CallerBook,
  Decision,
  Directory,
  Extension,
  ForwardingException,
  IncomingCall,
  NumberClass,
  RingGroup,
  Status,
  Step,
  TraceEntry,
} from './types.js';
import { compileMatcher, usesBooks } from './patterns.js';
import { callerBook } from './contacts.js';
import { canonicalNumber, classifyNumber } from './numbers.js';
import type { Clock } from './schedule.js';
import { clockAt, inSchedule, isOfficeHoursAt } from './schedule.js';
import { repeatCalls, validityAt } from './validity.js';
import { effectiveStatus } from './status.js';
import { forwardPresentation, forwardTrunk, presentedNumber } from './forward-options.js';

/** Forwardings followed after the called number before giving up (design §3). */
export const MAX_HOPS = 5;

type Owner = Extension | RingGroup;

function isGroup(owner: Owner): owner is RingGroup {
  return 'strategy' in owner;
}

// ---------------------------------------------------------------------------
// Caches: compiled once per object, recompiled if the object's source changed.

type Matcher = (caller: Caller, book?: CallerBook) => boolean;

/**
 * Per extension, slot i holds the matcher compiled from exception i's patterns: one WeakMap
 * lookup per extension rather than one per exception, and a slot is recompiled when the exception
 * or its patterns are replaced.
 */
interface Matchers {
  exceptions: (ForwardingException | undefined)[];
  patterns: (ForwardingException['patterns'] | undefined)[];
  match: Matcher[];
  /** Whether slot i's patterns name callers by the books they are in (contacts, unknown…). */
  books: boolean[];
}

const matchers = new WeakMap<Extension, Matchers>();

function matchersOf(ext: Extension): Matchers {
  let m = matchers.get(ext);
  if (m === undefined) {
    m = { exceptions: [], patterns: [], match: [], books: [] };
    matchers.set(ext, m);
  }
  return m;
}

function matcherAt(m: Matchers, i: number, e: ForwardingException): Matcher {
  const match = m.match[i];
  if (match !== undefined && m.exceptions[i] === e && m.patterns[i] === e.patterns) return match;
  const compiled = compileMatcher(e.patterns);
  m.exceptions[i] = e;
  m.patterns[i] = e.patterns;
  m.match[i] = compiled;
  m.books[i] = usesBooks(e.patterns);
  return compiled;
}

interface Dialled {
  text: string;
  country: string;
  e164: string | null;
  numberClass: NumberClass | null;
}

/** Keyed by the Extension (its mobile) or by the external action. */
const dialled = new WeakMap<object, Dialled>();

function dialledOf(key: object, text: string, country: string): Dialled {
  let d = dialled.get(key);
  if (d === undefined || d.text !== text || d.country !== country) {
    const e164 = canonicalNumber(text, country);
    d = {
      text,
      country,
      e164,
      numberClass: e164 === null ? null : classifyNumber(e164, country),
    };
    dialled.set(key, d);
  }
  return d;
}

/** The number a mobile or external action dials, or null when it has none. */
function dialledFor(owner: Owner, action: Action, directory: Directory): Dialled | null {
  const country = directory.settings.country;
  if (action.type === 'external') return dialledOf(action, action.number, country);
  if (action.type === 'mobile' && !isGroup(owner) && owner.mobile !== null) {
    return owner.mobile.trim() === '' ? null : dialledOf(owner, owner.mobile, country);
  }
  return null;
}

/**
 * Why `action` of `owner` cannot be carried out, as a `trace.reason.*` code, or null when it can.
 * Routing skips such exceptions; `renvoi check` reports them.
 */
export function actionProblem(owner: Owner, action: Action, directory: Directory): string | null {
  switch (action.type) {
    case 'voicemail':
      if (action.mailbox === undefined) return isGroup(owner) ? 'no-mailbox' : null;
      return directory.extensions.has(action.mailbox) ? null : 'missing-mailbox';
    case 'extension':
      return directory.extensions.has(action.target) ? null : 'missing-extension';
    case 'system':
      return directory.ringGroups.has(action.target) ? null : 'missing-system';
    case 'busy':
      return null;
    case 'mobile':
    case 'external': {
      const d = dialledFor(owner, action, directory);
      if (d === null) return 'no-mobile';
      if (d.e164 === null || d.numberClass === null) return 'bad-number';
      return directory.settings.outboundPolicy.allow.includes(d.numberClass)
        ? null
        : 'outbound-refused';
    }
  }
}

/**
 * The extension and ring-group numbers a call to `owner` may be forwarded to (its enabled,
 * working exceptions and its status forwarding, or a group's fallback) and whose rules then
 * apply. For finding forwarding loops.
 */
export function forwardTargets(owner: Owner, directory: Directory): string[] {
  const actions: Action[] = isGroup(owner)
    ? [owner.fallback]
    : [
        ...owner.exceptions.filter((e) => e.enabled).map((e) => e.action),
        ...Object.values(owner.forwarding),
      ];
  const targets = new Set<string>();
  for (const action of actions) {
    if (actionProblem(owner, action, directory) !== null) continue;
    if (action.type === 'system' || (action.type === 'extension' && !action.voicemail)) {
      targets.add(action.target);
    }
  }
  return [...targets];
}

// ---------------------------------------------------------------------------
// The decision

interface Context {
  call: IncomingCall;
  directory: Directory;
  now: Date;
  /** The local clock, computed when an hours condition first needs it. */
  clock: Clock | null;
  /** Whether the office is open: -1 until asked. Many exceptions ask the same question. */
  office: -1 | 0 | 1;
  plan: Step[];
  trace: TraceEntry[];
  /** Numbers whose rules already applied to this call, the called one first. */
  visited: string[];
  /** The first extension in the chain: where loops end. */
  first: string | null;
  exception: number | null;
  action: Action | null;
}

function clockOf(ctx: Context): Clock {
  ctx.clock ??= clockAt(ctx.now, ctx.directory.settings.timezone);
  return ctx.clock;
}

function officeOpen(ctx: Context): boolean {
  if (ctx.office === -1) ctx.office = isOfficeHoursAt(ctx.directory.settings, clockOf(ctx)) ? 1 : 0;
  return ctx.office === 1;
}

/** The exception's time condition, holding now. Same rules as schedule's hoursApply. */
function hoursHold(ctx: Context, e: ForwardingException): boolean {
  switch (e.hours) {
    case 'all':
      return true;
    case 'office':
      return officeOpen(ctx);
    case 'outside-office':
      return !officeOpen(ctx);
    case 'specific':
      return inSchedule(e.periods, clockOf(ctx));
    case 'outside-specific':
      return !inSchedule(e.periods, clockOf(ctx));
  }
}

export function route(call: IncomingCall, directory: Directory, now: Date): Decision {
  const ctx: Context = {
    call,
    directory,
    now,
    clock: null,
    office: -1,
    plan: [],
    trace: [],
    visited: [call.to],
    first: null,
    exception: null,
    action: null,
  };
  const ext = directory.extensions.get(call.to);
  if (ext !== undefined) {
    runExtension(ctx, ext, call.status ?? statusOf(ctx, ext), true);
  } else {
    const group = directory.ringGroups.get(call.to);
    if (group !== undefined) {
      ctx.trace.push({ code: 'follow-system', target: group.number });
      runGroup(ctx, group);
    } else {
      ctx.trace.push({ code: 'unknown-destination', target: call.to });
    }
  }
  return {
    to: call.to,
    exception: ctx.exception,
    action: ctx.action,
    plan: ctx.plan,
    trace: ctx.trace,
  };
}

/**
 * The extension's status at the decision's instant (domain/status.ts); the trace says when it is
 * not the one the user set, as the history's explanation must.
 */
function statusOf(ctx: Context, ext: Extension): Status {
  const effective = effectiveStatus(ext, ctx.directory.settings, ctx.now);
  const extension = ext.number;
  if (effective.source === 'until') {
    ctx.trace.push({
      code: 'status-until',
      extension,
      status: effective.status,
      statusUntil: effective.until ?? 0,
      after: ext.status,
    });
  } else if (effective.source === 'schedule') {
    ctx.trace.push({ code: 'status-scheduled', extension, status: effective.status });
  }
  return effective.status;
}

function runExtension(ctx: Context, ext: Extension, status: Status, called: boolean): void {
  ctx.first ??= ext.number;
  const { trace } = ctx;
  const extension = ext.number;
  const exceptions = ext.exceptions;
  const compiled = matchersOf(ext);
  const from = ctx.call.from;
  // Looked up once per extension, and only when one of its exceptions names the books.
  let found: CallerBook | undefined;
  const book = (): CallerBook => (found ??= callerBook(ctx.directory, ext, from));
  for (let i = 0; i < exceptions.length; i++) {
    const e = exceptions[i] as ForwardingException;
    if (!e.enabled) {
      trace.push({ code: 'exception-disabled', extension, exception: i });
      continue;
    }
    const match = matcherAt(compiled, i, e);
    const books = compiled.books[i] === true;
    if (!match(from, books ? book() : undefined)) {
      trace.push({ code: 'exception-caller-mismatch', extension, exception: i });
      continue;
    }
    const validity = validityAt(e, ctx.directory.settings.timezone, ctx.now);
    if (validity !== 'valid') {
      trace.push(
        validity === 'not-yet'
          ? { code: 'exception-not-yet', extension, exception: i, from: e.from ?? '' }
          : { code: 'exception-expired', extension, exception: i, until: e.until ?? '' },
      );
      continue;
    }
    if (!hoursHold(ctx, e)) {
      trace.push({ code: 'exception-hours-mismatch', extension, exception: i, hours: e.hours });
      continue;
    }
    if (e.statuses.length > 0 && !e.statuses.includes(status)) {
      trace.push({ code: 'exception-status-mismatch', extension, exception: i, status });
      continue;
    }
    if (e.repeat !== null) {
      const earlier = repeatCalls(e.repeat, extension, ctx.call.recentCalls ?? [], ctx.now);
      const repeat = { ...e.repeat, count: earlier.length + 1, earlier };
      if (repeat.count < e.repeat.calls) {
        trace.push({ code: 'exception-repeat-mismatch', extension, exception: i, repeat });
        continue;
      }
      trace.push({ code: 'exception-repeat-reached', extension, exception: i, repeat });
    }
    const problem = actionProblem(ext, e.action, ctx.directory);
    if (problem !== null) {
      trace.push(brokenEntry(ctx, ext, e.action, problem, i));
      continue;
    }
    if (books) trace.push(bookEntry(book(), extension, i));
    trace.push({ code: 'exception-matched', extension, exception: i });
    if (called) {
      ctx.exception = i;
      ctx.action = e.action;
    }
    pushAction(ctx, ext, e.action);
    return;
  }
  const state = ctx.call.states?.[extension] ?? 'idle';
  trace.push({ code: 'no-exception', extension });
  trace.push({ code: 'status-forwarding', extension, status, reason: state });
  if (status !== 'available') {
    forward(ctx, ext, ext.forwarding[status]);
  } else if (state === 'idle') {
    ctx.plan.push({ do: 'ring', extensions: [extension], timeout: ext.ringTimeout });
    forward(ctx, ext, ext.forwarding.noAnswer);
  } else {
    forward(ctx, ext, ext.forwarding.busy);
  }
}

/** Where the caller of an exception naming the books was found: who they are, or nobody. */
function bookEntry(book: CallerBook, extension: string, exception: number): TraceEntry {
  if (book.personal !== null) {
    return {
      code: 'caller-contact',
      extension,
      exception,
      contact: book.personal.name,
      book: 'contacts',
    };
  }
  if (book.phonebook !== null) {
    return {
      code: 'caller-contact',
      extension,
      exception,
      contact: book.phonebook.name,
      book: 'phonebook',
    };
  }
  return { code: 'caller-unknown', extension, exception };
}

/** The trace entry for an exception skipped because its action cannot be carried out. */
function brokenEntry(
  ctx: Context,
  owner: Owner,
  action: Action,
  problem: string,
  exception: number,
): TraceEntry {
  const extension = owner.number;
  if (problem === 'outbound-refused') {
    const d = dialledFor(owner, action, ctx.directory);
    return {
      code: 'outbound-refused',
      extension,
      exception,
      number: d?.e164 ?? '',
      reason: d?.numberClass ?? 'other',
    };
  }
  return { code: 'exception-broken', extension, exception, reason: problem };
}

/** A status-forwarding destination; broken ones fall back to the extension's voicemail. */
function forward(ctx: Context, ext: Extension, action: Action): void {
  const problem = actionProblem(ext, action, ctx.directory);
  if (problem === null) {
    pushAction(ctx, ext, action);
    return;
  }
  ctx.trace.push(forwardingBroken(ctx, ext, action, problem));
  ctx.plan.push({ do: 'voicemail', mailbox: ext.number });
}

function forwardingBroken(ctx: Context, owner: Owner, action: Action, problem: string): TraceEntry {
  const entry: TraceEntry = { code: 'forwarding-broken', extension: owner.number, reason: problem };
  const number = dialledFor(owner, action, ctx.directory)?.e164;
  if (number !== undefined && number !== null) entry.number = number;
  return entry;
}

function runGroup(ctx: Context, group: RingGroup): void {
  const { plan } = ctx;
  const { extensions } = ctx.directory;
  if (group.strategy === 'hunt') {
    for (const member of group.members) {
      if (extensions.has(member)) {
        plan.push({ do: 'ring', extensions: [member], timeout: group.timeout });
      }
    }
  } else {
    const members = group.members.filter((m) => extensions.has(m));
    if (members.length > 0) plan.push({ do: 'ring', extensions: members, timeout: group.timeout });
  }
  const problem = actionProblem(group, group.fallback, ctx.directory);
  if (problem === null) {
    pushAction(ctx, group, group.fallback);
    return;
  }
  ctx.trace.push(forwardingBroken(ctx, group, group.fallback, problem));
  endInFirstVoicemail(ctx);
}

function endInFirstVoicemail(ctx: Context): void {
  if (ctx.first !== null) ctx.plan.push({ do: 'voicemail', mailbox: ctx.first });
}

/** The steps of an action already known to work (see actionProblem). */
function pushAction(ctx: Context, owner: Owner, action: Action): void {
  const { plan } = ctx;
  switch (action.type) {
    case 'voicemail':
      plan.push({ do: 'voicemail', mailbox: action.mailbox ?? owner.number });
      return;
    case 'busy':
      plan.push({ do: 'busy' });
      return;
    case 'extension':
      if (action.voicemail) plan.push({ do: 'voicemail', mailbox: action.target });
      else follow(ctx, owner, action.target, 'extension');
      return;
    case 'system':
      follow(ctx, owner, action.target, 'system');
      return;
    case 'mobile':
    case 'external': {
      const number = dialledFor(owner, action, ctx.directory)?.e164 ?? '';
      if (ctx.call.outsideSip === true) {
        // Toll fraud: anybody can write any From, so an outside SIP caller never reaches the
        // trunk (design §5); the forward ends where a broken one does.
        ctx.trace.push({ code: 'outside-no-dial', extension: owner.number, number });
        if (isGroup(owner)) endInFirstVoicemail(ctx);
        else plan.push({ do: 'voicemail', mailbox: owner.number });
        return;
      }
      const dial = dialStep(ctx, owner, action, number);
      if (!action.bounce) {
        plan.push({ ...dial, timeout: null });
        // Confirmation keeps the mobile's own voicemail from taking the call (issue 13 §4): a
        // call nobody accepts goes to the extension's.
        if (action.confirm === true) {
          if (isGroup(owner)) endInFirstVoicemail(ctx);
          else plan.push({ do: 'voicemail', mailbox: owner.number });
        }
        return;
      }
      if (isGroup(owner)) {
        plan.push({ do: 'announce', prompt: 'locating' });
        plan.push({ ...dial, timeout: owner.timeout });
        if (ctx.first !== null) {
          plan.push({ do: 'announce', prompt: 'unavailable' });
          plan.push({ do: 'voicemail', mailbox: ctx.first });
        }
        return;
      }
      plan.push({ do: 'announce', prompt: 'locating', extension: owner.number });
      plan.push({ ...dial, timeout: owner.ringTimeout });
      plan.push({ do: 'announce', prompt: 'unavailable' });
      plan.push({ do: 'voicemail', mailbox: owner.number });
      return;
    }
  }
}

/**
 * The `dial` step of a forward (its timeout set by the caller). When the exception or the trunk
 * chose the identity presented (issue 13 §5), a trace line says which, and which number; the
 * design's defaults (the caller's number, private with a bounce) say it in the step alone. The
 * step names its extension only where it is used, so plans without these options stay as they were.
 */
function dialStep(
  ctx: Context,
  owner: Owner,
  action: Extract<Action, { type: 'mobile' | 'external' }>,
  number: string,
): Extract<Step, { do: 'dial' }> {
  const trunk = forwardTrunk(ctx.directory);
  const presentation = forwardPresentation(action, trunk);
  if (
    action.presentCallerId !== undefined ||
    (!action.bounce && trunk?.presentCallerId !== undefined)
  ) {
    const entry: TraceEntry = {
      code: 'caller-id-presented',
      extension: owner.number,
      presentation,
    };
    const shown =
      trunk === null ? null : presentedNumber(presentation, ctx.call.from, owner.number, trunk);
    if (shown !== null) entry.number = shown;
    ctx.trace.push(entry);
  }
  const step: Extract<Step, { do: 'dial' }> = { do: 'dial', number, presentation, timeout: null };
  if (presentation === 'extension' || action.confirm === true) step.extension = owner.number;
  if (action.confirm === true) step.confirm = true;
  return step;
}

/** Forward to another extension or ring group, whose own rules then apply, once each. */
function follow(ctx: Context, from: Owner, target: string, kind: 'extension' | 'system'): void {
  const extension = from.number;
  if (ctx.visited.includes(target)) {
    ctx.trace.push({ code: 'loop-detected', extension, target });
    endInFirstVoicemail(ctx);
    return;
  }
  if (ctx.visited.length > MAX_HOPS) {
    ctx.trace.push({ code: 'hop-limit', extension, target });
    endInFirstVoicemail(ctx);
    return;
  }
  ctx.visited.push(target);
  if (kind === 'extension') {
    const ext = ctx.directory.extensions.get(target) as Extension;
    ctx.trace.push({ code: 'follow-extension', extension, target });
    runExtension(ctx, ext, statusOf(ctx, ext), false);
  } else {
    ctx.trace.push({ code: 'follow-system', extension, target });
    runGroup(ctx, ctx.directory.ringGroups.get(target) as RingGroup);
  }
}
