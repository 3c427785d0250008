import type { Step } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import type { Translate } from '../i18n/index.js';

export function describeStep(t: Translate, step: Step): string {
  switch (step.do) {
    case 'ring':
      return t('tester.step.ring', {
        extensions: step.extensions.join(', '),
        timeout: step.timeout,
      });
    case 'dial': {
      const dial = dialWords(t, step);
      // Issue 13 §4: the answering person must press 1.
      return step.confirm === true ? t('tester.step.dial.confirm', { dial }) : dial;
    }
    case 'announce':
      if (step.prompt === 'locating')
        return t('tester.step.announce.locating', { extension: step.extension ?? '' });
      if (step.prompt === 'unavailable') return t('tester.step.announce.unavailable');
      return t('tester.step.announce.other', { prompt: step.prompt });
    case 'voicemail':
      return t('tester.step.voicemail', { mailbox: step.mailbox });
    case 'busy':
      return t('tester.step.busy');
  }
}

/** Who is dialled and which identity it sees (issue 13 §5), for how long. */
function dialWords(t: Translate, step: Extract<Step, { do: 'dial' }>): string {
  const { number } = step;
  switch (step.presentation) {
    case 'caller':
      return step.timeout === null
        ? t('tester.step.dial.caller', { number })
        : t('tester.step.dial.caller-timed', { number, timeout: step.timeout });
    case 'company':
    case 'extension': {
      const shown = t(`tester.step.dial.shown.${step.presentation}`, {
        extension: step.extension ?? '',
      });
      return step.timeout === null
        ? t('tester.step.dial.shown', { number, shown })
        : t('tester.step.dial.shown-timed', { number, shown, timeout: step.timeout });
    }
    case 'anonymous':
      return step.timeout === null
        ? t('tester.step.dial.unlimited', { number })
        : t('tester.step.dial.anonymous', { number, timeout: step.timeout });
  }
}

/** A call plan (design §4) as a numbered list of plain sentences. */
export function PlanSteps({ plan, label }: { plan: Step[]; label: string }) {
  const { t } = useI18n();
  return (
    <ol className="plan" aria-label={label}>
      {plan.map((step, i) => (
        <li key={i} className={`step step-${step.do}`}>
          {describeStep(t, step)}
        </li>
      ))}
    </ol>
  );
}
