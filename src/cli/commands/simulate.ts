import type { Caller, Decision, Directory, Language, Status } from '../../domain/types.js';
import { STATUSES } from '../../domain/types.js';
import { callerKey, displayNumber, normalizeCaller } from '../../domain/numbers.js';
import { route } from '../../domain/route.js';
import { parseInstant } from '../../domain/zoned-time.js';
import { maxRepeatMinutes } from '../../domain/validity.js';
import { effectiveStatus } from '../../domain/status.js';
import { recentCallsFrom } from '../../store/recent-calls.js';
import { message } from '../../i18n/index.js';
import { describeAction, describeStep } from '../../i18n/describe.js';
import { describeTrace } from '../../i18n/trace.js';
import { withDirectory } from '../data-dir.js';

export interface SimulateArgs {
  dataDir: string;
  lang: Language;
  to: string | undefined;
  from: string | undefined;
  at: string | undefined;
  status: string | undefined;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
}

/** `renvoi simulate`: the decision for one call, without placing it. */
export async function runSimulate(args: SimulateArgs): Promise<number> {
  const { lang, err } = args;
  if (args.to === undefined) {
    err(`renvoi simulate: ${message(lang, 'simulate.need-to')}`);
    return 2;
  }
  if (args.from === undefined) {
    err(`renvoi simulate: ${message(lang, 'simulate.need-from')}`);
    return 2;
  }
  const status = args.status;
  if (status !== undefined && !isStatus(status)) {
    err(
      `renvoi simulate: ${message(lang, 'simulate.bad-status', { status, statuses: STATUSES.join(', ') })}`,
    );
    return 2;
  }
  const to = args.to.trim();
  const from = args.from;
  return withDirectory(args.dataDir, args.err, (directory, db) => {
    if (!directory.extensions.has(to) && !directory.ringGroups.has(to)) {
      err(`renvoi simulate: ${message(lang, 'simulate.unknown-to', { to })}`);
      return 1;
    }
    const { timezone } = directory.settings;
    const now = args.at === undefined ? new Date() : parseInstant(args.at, timezone);
    if (now === null) {
      err(`renvoi simulate: ${message(lang, 'simulate.bad-at', { at: args.at ?? '' })}`);
      return 2;
    }
    const caller = normalizeCaller({ user: from }, directory.settings.country, (n) =>
      directory.extensions.has(n),
    );
    // The history's calls count for repeat rules, as for a real call at that instant.
    const minutes = maxRepeatMinutes(directory);
    const recentCalls =
      minutes === 0 || caller.kind === 'anonymous'
        ? []
        : recentCallsFrom(db, callerKey(caller), now.getTime() - minutes * 60_000);
    const decision = route({ to, from: caller, status, recentCalls }, directory, now);
    args.out(
      args.json
        ? JSON.stringify(toJson(decision, caller, directory, lang), null, 2)
        : toText(decision, caller, directory, now, status, lang),
    );
    return 0;
  });
}

/** The called extension's status at `now`: chosen until a time or scheduled, as routing sees it. */
function calledStatus(directory: Directory, to: string, now: Date): Status | undefined {
  const ext = directory.extensions.get(to);
  return ext === undefined ? undefined : effectiveStatus(ext, directory.settings, now).status;
}

function isStatus(s: string): s is Status {
  return (STATUSES as readonly string[]).includes(s);
}

/** Design §6: `{ to, from, exception, action, plan, trace }`. */
function toJson(decision: Decision, caller: Caller, directory: Directory, lang: Language) {
  return {
    to: decision.to,
    from: callerKey(caller),
    exception: decision.exception,
    action: decision.action,
    plan: decision.plan,
    trace: decision.trace.map((entry) => ({
      ...entry,
      text: describeTrace(lang, entry, directory),
    })),
  };
}

function toText(
  decision: Decision,
  caller: Caller,
  directory: Directory,
  now: Date,
  status: Status | undefined,
  lang: Language,
): string {
  const { country, timezone } = directory.settings;
  const callee = directory.extensions.get(decision.to) ?? directory.ringGroups.get(decision.to);
  const lines = [
    message(lang, 'simulate.header', {
      from: callerText(caller, country, lang),
      to: callee === undefined ? decision.to : `${decision.to} (${callee.name})`,
      at: new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
        timeZone: timezone,
        dateStyle: 'full',
        timeStyle: 'short',
      }).format(now),
      timezone,
      status: statusText(status ?? calledStatus(directory, decision.to, now), lang),
    }),
    decision.exception === null || decision.action === null
      ? message(lang, 'simulate.none')
      : message(lang, 'simulate.fired', {
          exception: decision.exception + 1,
          action: describeAction(lang, decision.action),
        }),
    message(lang, 'simulate.plan'),
  ];
  if (decision.plan.length === 0) lines.push(`  ${message(lang, 'simulate.empty-plan')}`);
  decision.plan.forEach((step, i) =>
    lines.push(`  ${i + 1}. ${describeStep(lang, step, country)}`),
  );
  lines.push(message(lang, 'simulate.why'));
  for (const entry of decision.trace) lines.push(`  - ${describeTrace(lang, entry, directory)}`);
  return lines.join('\n');
}

function callerText(caller: Caller, country: string, lang: Language): string {
  switch (caller.kind) {
    case 'internal':
      return message(lang, 'simulate.caller.internal', { extension: caller.extension });
    case 'external':
      return caller.e164 === null ? caller.digits : displayNumber(caller.e164, country);
    case 'anonymous':
      return message(lang, 'simulate.caller.anonymous');
  }
}

function statusText(status: Status | undefined, lang: Language): string {
  return status === undefined ? '-' : message(lang, `status.${status}`);
}
