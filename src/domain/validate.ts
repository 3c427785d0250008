/**
 * Semantic rules of the directory (design §3–§5): what a well-formed document may still get wrong.
 * Used by buildDirectory for a whole document and, one exception at a time, by the web API.
 */
import type {
  Action,
  Directory,
  Extension,
  ForwardingException,
  Problem,
  RingGroup,
  Settings,
} from './types.js';
import { HOURS, STATUSES } from './types.js';
import { parseCallerId } from './patterns.js';
import { canonicalNumber, classifyNumber } from './numbers.js';
import { at } from './problem-path.js';
import { checkValidity } from './validity.js';

/** Who owns an action: an extension (its mobile, its own box) or a ring group (neither). */
export type ActionOwner =
  { kind: 'extension'; extension: Extension } | { kind: 'ring-group'; group: RingGroup };

function problem(path: string, code: string, params: Problem['params'] = {}): Problem {
  return { path, code, params };
}

/**
 * An outside number (a mobile, an external forward): it must be a possible number and its class
 * allowed by the outbound policy, so that no rule can forward to a premium-rate line unless the
 * admin allows it.
 */
export function checkOutsideNumber(text: string, settings: Settings, path: string): Problem[] {
  const e164 = canonicalNumber(text, settings.country);
  if (e164 === null) return [problem(path, 'directory.bad-phone-number', { value: text })];
  const numberClass = classifyNumber(e164, settings.country);
  if (!settings.outboundPolicy.allow.includes(numberClass)) {
    return [problem(path, 'directory.outbound-refused', { value: text, class: numberClass })];
  }
  return [];
}

export function checkAction(
  action: Action,
  owner: ActionOwner,
  directory: Directory,
  path: string,
): Problem[] {
  const own = owner.kind === 'extension' ? owner.extension.number : owner.group.number;
  switch (action.type) {
    case 'voicemail':
      if (action.mailbox === undefined) {
        // A ring group has no box of its own: its voicemail fallback must say whose box it uses.
        return owner.kind === 'ring-group'
          ? [problem(at(path, 'mailbox'), 'directory.mailbox-required')]
          : [];
      }
      return directory.extensions.has(action.mailbox)
        ? []
        : [problem(at(path, 'mailbox'), 'directory.unknown-extension', { value: action.mailbox })];
    case 'mobile':
      // An extension's mobile may be removed after its rules were written (design §4): the rules
      // that use it are then broken, which `renvoi check` reports and routing skips, not invalid.
      // Saving a new one is refused by checkMobileAvailable.
      return owner.kind === 'ring-group'
        ? [problem(at(path, 'type'), 'directory.group-no-mobile')]
        : [];
    case 'extension':
      if (action.target === own) {
        return [problem(at(path, 'target'), 'directory.forward-to-self', { value: action.target })];
      }
      if (directory.extensions.has(action.target)) return [];
      return [
        problem(
          at(path, 'target'),
          directory.ringGroups.has(action.target)
            ? 'directory.target-is-group'
            : 'directory.unknown-extension',
          { value: action.target },
        ),
      ];
    case 'external': {
      const problems = checkOutsideNumber(action.number, directory.settings, at(path, 'number'));
      if (action.bounce && owner.kind === 'ring-group') {
        // Bounce ends in the owner's voicemail, and a ring group has none.
        problems.push(problem(at(path, 'bounce'), 'directory.group-no-bounce'));
      }
      return problems;
    }
    case 'system':
      if (action.target === own) {
        return [problem(at(path, 'target'), 'directory.forward-to-self', { value: action.target })];
      }
      if (directory.ringGroups.has(action.target)) return [];
      return [
        problem(
          at(path, 'target'),
          directory.extensions.has(action.target)
            ? 'directory.target-is-extension'
            : 'directory.unknown-group',
          { value: action.target },
        ),
      ];
    case 'busy':
      return [];
  }
}

/**
 * A rule being created or changed may only send calls to the mobile when the extension has one:
 * the form offers "Mon mobile" only then (design §4). Existing rules are not checked here.
 */
export function checkMobileAvailable(
  ext: Extension,
  action: { type: string },
  path: string,
): Problem[] {
  return action.type === 'mobile' && ext.mobile === null
    ? [
        problem(at(path, 'type'), 'directory.mobile-without-number', {
          extension: ext.number,
        }),
      ]
    : [];
}

const SPECIFIC = new Set(['specific', 'outside-specific']);

/** Every rule of one exception except its caller-ID text. */
export function checkExceptionRules(
  ext: Extension,
  exception: ForwardingException,
  directory: Directory,
  path: string,
): Problem[] {
  const problems: Problem[] = [];
  const hours: string = exception.hours;
  if (!(HOURS as readonly string[]).includes(hours)) {
    problems.push(
      problem(at(path, 'hours'), 'directory.not-one-of', {
        value: hours,
        allowed: HOURS.join(', '),
      }),
    );
  } else if (SPECIFIC.has(hours)) {
    if (Object.values(exception.periods).every((ranges) => ranges.length === 0)) {
      problems.push(problem(at(path, 'periods'), 'directory.periods-required', { hours }));
    }
  } else {
    if (Object.values(exception.periods).some((ranges) => ranges.length > 0)) {
      problems.push(problem(at(path, 'periods'), 'directory.periods-not-allowed', { hours }));
    }
    if (
      (hours === 'office' || hours === 'outside-office') &&
      Object.values(directory.settings.officeHours).every((ranges) => ranges.length === 0)
    ) {
      problems.push(problem(at(path, 'hours'), 'directory.no-office-hours', { hours }));
    }
  }
  const seen = new Set<string>();
  exception.statuses.forEach((status: string, i) => {
    const statusPath = at(at(path, 'statuses'), i);
    if (!(STATUSES as readonly string[]).includes(status)) {
      problems.push(
        problem(statusPath, 'directory.not-one-of', {
          value: status,
          allowed: STATUSES.join(', '),
        }),
      );
    } else if (seen.has(status)) {
      problems.push(problem(statusPath, 'directory.duplicate-status', { value: status }));
    }
    seen.add(status);
  });
  problems.push(...checkValidity(exception, directory.settings.timezone, path));
  problems.push(
    ...checkAction(
      exception.action,
      { kind: 'extension', extension: ext },
      directory,
      at(path, 'action'),
    ),
  );
  return problems;
}

/** The caller-ID text's problems, placed at `path` (the callerId field). */
export function checkCallerId(callerId: string, directory: Directory, path: string): Problem[] {
  const parsed = parseCallerId(callerId, directory.settings.country);
  return parsed.ok ? [] : placeProblems(parsed.problems, path);
}

/** Problems of a parser that knows nothing of the document, placed at `path` in it. */
export function placeProblems(problems: Problem[], path: string): Problem[] {
  return problems.map((p) => ({ ...p, path: p.path === '' ? path : `${path}.${p.path}` }));
}

/**
 * All the problems of one exception of `ext` within `directory`, as when it is saved from the
 * form; `path` locates the exception ("extensions[1].exceptions[0]"). Empty when it can be saved.
 */
export function validateException(
  ext: Extension,
  exception: ForwardingException,
  directory: Directory,
  path: string,
): Problem[] {
  return [
    ...checkCallerId(exception.callerId, directory, at(path, 'callerId')),
    ...checkExceptionRules(ext, exception, directory, path),
    ...checkMobileAvailable(ext, exception.action, at(path, 'action')),
  ];
}
