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
    case 'dial':
      if (step.presentation === 'caller')
        return t('tester.step.dial.caller', { number: step.number });
      return step.timeout === null
        ? t('tester.step.dial.unlimited', { number: step.number })
        : t('tester.step.dial.anonymous', { number: step.number, timeout: step.timeout });
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
