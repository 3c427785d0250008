import type { Action, Country, Language, Step } from '../domain/types.js';
import { displayNumber } from '../domain/numbers.js';
import { message } from './index.js';

/** An action in the words of the "Transférer à" list. */
export function describeAction(lang: Language, action: Action): string {
  switch (action.type) {
    case 'voicemail':
      return action.mailbox === undefined
        ? message(lang, 'action.voicemail')
        : message(lang, 'action.voicemail.mailbox', { mailbox: action.mailbox });
    case 'mobile':
      return message(lang, action.bounce ? 'action.mobile.bounce' : 'action.mobile');
    case 'extension':
      return message(lang, action.voicemail ? 'action.extension.voicemail' : 'action.extension', {
        target: action.target,
      });
    case 'external':
      return message(lang, action.bounce ? 'action.external.bounce' : 'action.external', {
        number: action.number,
      });
    case 'system':
      return message(lang, 'action.system', { target: action.target });
    case 'busy':
      return message(lang, 'action.busy');
  }
}

/** One step of a call plan in plain words. */
/**
 * The message variant of a dial step: its presentation, and whether it rings for a time. The
 * first two forwards of the design keep their original keys.
 */
export function dialVariant(step: Extract<Step, { do: 'dial' }>): string {
  if (step.presentation === 'anonymous') {
    return step.timeout === null ? 'anonymous-unlimited' : 'anonymous';
  }
  return step.timeout === null ? step.presentation : `${step.presentation}-timed`;
}

export function describeStep(lang: Language, step: Step, country: Country): string {
  switch (step.do) {
    case 'ring':
      return message(lang, 'step.ring', {
        extensions: step.extensions.join(', '),
        timeout: step.timeout,
      });
    case 'dial': {
      const number = displayNumber(step.number, country);
      const params = { number, timeout: step.timeout ?? '', extension: step.extension ?? '' };
      const dial = message(lang, `step.dial.${dialVariant(step)}`, params);
      return step.confirm === true ? message(lang, 'step.dial.confirm', { dial }) : dial;
    }
    case 'announce':
      return message(lang, `step.announce.${step.prompt}`, { extension: step.extension ?? '' });
    case 'voicemail':
      return message(lang, 'step.voicemail', { mailbox: step.mailbox });
    case 'busy':
      return message(lang, 'step.busy');
  }
}
