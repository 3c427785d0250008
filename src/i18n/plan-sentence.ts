/**
 * The tester's sentence: a call plan told as one plain sentence, from the point of view of the
 * called extension's user ("votre mobile sonne…"). Pure: everything it needs is a parameter.
 */
import type { Country, Decision, Directory, Language, Step, TraceEntry } from '../domain/types.js';
import { canonicalNumber, displayNumber } from '../domain/numbers.js';
import { message } from './index.js';
import { instantFormat } from './trace.js';
import { dialVariant } from './describe.js';

/** Whose plan it is: the called extension and its mobile in canonical E.164 (null if none). */
export interface SentenceContext {
  extension: string;
  mobile: string | null;
  country: Country;
  /** For saying until when a temporary status holds. */
  timeZone?: string;
}

function dialWho(lang: Language, number: string, context: SentenceContext): string {
  if (number === context.mobile) return message(lang, 'sentence.dial.mobile');
  return message(lang, 'sentence.dial.number', { number: displayNumber(number, context.country) });
}

/** One step, or null when the step before already said it. */
function stepWords(
  lang: Language,
  step: Step,
  next: Step | undefined,
  context: SentenceContext,
): string | null {
  switch (step.do) {
    case 'ring': {
      const [only] = step.extensions;
      if (step.extensions.length === 1 && only === context.extension) {
        return message(lang, 'sentence.ring.own', { timeout: step.timeout });
      }
      const many = step.extensions.length > 1;
      return message(lang, many ? 'sentence.ring.many' : 'sentence.ring.one', {
        extensions: step.extensions.join(', '),
        timeout: step.timeout,
      });
    }
    case 'dial': {
      const who = dialWho(lang, step.number, context);
      const params = { who, timeout: step.timeout ?? '', extension: step.extension ?? '' };
      const dial = message(lang, `sentence.dial.${dialVariant(step)}`, params);
      return step.confirm === true ? message(lang, 'sentence.dial.confirm', { dial }) : dial;
    }
    case 'announce':
      // "Utilisateur indisponible, redirection vers la boîte vocale" says what the voicemail step
      // that follows it says: the sentence names the box once.
      if (step.prompt === 'unavailable' && next?.do === 'voicemail') return null;
      return message(lang, `sentence.announce.${step.prompt}`, { extension: step.extension ?? '' });
    case 'voicemail':
      return message(lang, 'sentence.voicemail', { mailbox: step.mailbox });
    case 'busy':
      return message(lang, 'sentence.busy');
  }
}

/**
 * "Exception 2 : l'appelant entend « Veuillez patienter pendant que nous localisons 101 », votre
 * mobile sonne en numéro privé pendant 20 s, puis la messagerie vocale du 101." Exceptions are
 * counted from 1, as users count them.
 */
export function planSentence(
  lang: Language,
  decision: Pick<Decision, 'exception' | 'plan'> & { trace?: readonly TraceEntry[] },
  context: SentenceContext,
): string {
  const parts: string[] = [];
  decision.plan.forEach((step, i) => {
    const words = stepWords(lang, step, decision.plan[i + 1], context);
    if (words !== null) parts.push(words);
  });
  const last = parts.pop();
  const steps =
    last === undefined
      ? message(lang, 'sentence.refused')
      : parts.length === 0
        ? last
        : message(lang, 'sentence.then', { first: parts.join(', '), last });
  if (decision.exception !== null) {
    return message(lang, 'sentence.exception', { exception: decision.exception + 1, steps });
  }
  // The status came from a "until" or the schedule: the sentence says so (issue 13 §6).
  const status = decision.trace?.find(
    (e) =>
      e.extension === context.extension &&
      (e.code === 'status-until' || e.code === 'status-scheduled'),
  );
  if (status?.status === undefined) return message(lang, 'sentence.no-exception', { steps });
  const name = message(lang, `status.${status.status}`);
  return status.code === 'status-until'
    ? message(lang, 'sentence.no-exception-until', {
        status: name,
        until: instantFormat(lang, context.timeZone ?? 'UTC').format(status.statusUntil ?? 0),
        steps,
      })
    : message(lang, 'sentence.no-exception-scheduled', { status: name, steps });
}

/** The sentence told from the called extension's side ("votre mobile…"), as history shows it. */
export function sentenceFor(
  lang: Language,
  directory: Directory,
  called: string,
  decision: Parameters<typeof planSentence>[1],
): string {
  const { country, timezone } = directory.settings;
  const mobile = directory.extensions.get(called)?.mobile ?? null;
  return planSentence(lang, decision, {
    extension: called,
    mobile: mobile === null ? null : canonicalNumber(mobile, country),
    country,
    timeZone: timezone,
  });
}
