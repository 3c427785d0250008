import { useId } from 'react';
import type { Repeat } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { FieldError } from './FieldError.js';

interface Props {
  /** null: the rule does not count calls. */
  repeat: Repeat | null;
  onChange: (repeat: Repeat | null) => void;
  errors: Record<string, string>;
}

/** What the box proposes when it is ticked: 3 calls in 10 minutes. */
const DEFAULT_REPEAT: Repeat = { calls: 3, minutes: 10 };

/**
 * "Appels répétés" (issue 13 §3): the rule fires only when the same caller has called this many
 * times within so many minutes, this call included.
 */
export function RepeatFields({ repeat, onChange, errors }: Props) {
  const { t } = useI18n();
  const id = useId();
  const number = (key: keyof Repeat, min: number, max: number) => {
    const error = errors[`repeat.${key}`];
    return (
      <div className="field">
        <label htmlFor={`${id}-${key}`}>{t(`form.repeat.${key}`)}</label>
        <input
          id={`${id}-${key}`}
          type="number"
          inputMode="numeric"
          min={min}
          max={max}
          value={repeat?.[key] ?? ''}
          aria-invalid={error !== undefined}
          onChange={(e) =>
            repeat !== null && onChange({ ...repeat, [key]: Number(e.target.value) })
          }
        />
        <FieldError message={error} />
      </div>
    );
  };
  return (
    <fieldset className="repeat">
      <legend>{t('form.repeat')}</legend>
      <div className="field checkbox">
        <input
          id={`${id}-on`}
          type="checkbox"
          checked={repeat !== null}
          aria-describedby={`${id}-hint`}
          onChange={(e) => onChange(e.target.checked ? { ...DEFAULT_REPEAT } : null)}
        />
        <label htmlFor={`${id}-on`}>{t('form.repeat.on')}</label>
      </div>
      <p id={`${id}-hint`} className="hint">
        {t('form.repeatHelp')}
      </p>
      {repeat !== null && (
        <div className="repeat-numbers">
          {number('calls', 2, 20)}
          {number('minutes', 1, 1440)}
        </div>
      )}
      <FieldError message={errors['repeat']} />
    </fieldset>
  );
}
