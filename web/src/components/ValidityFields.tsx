import { useId } from 'react';
import { useI18n } from '../i18n/index.js';
import { FieldError } from './FieldError.js';

/** One bound of "Du … au …" as the form edits it: a date and an optional time. */
export interface BoundDraft {
  date: string;
  time: string;
}

export function draftFromBound(value: string | null): BoundDraft {
  const [date = '', time = ''] = (value ?? '').split('T');
  return { date, time };
}

/** The API's value: null when no date, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM". */
export function boundFromDraft(draft: BoundDraft): string | null {
  if (draft.date === '') return null;
  return draft.time === '' ? draft.date : `${draft.date}T${draft.time}`;
}

interface Props {
  from: BoundDraft;
  until: BoundDraft;
  onChange: (from: BoundDraft, until: BoundDraft) => void;
  errors: Record<string, string>;
}

/**
 * "Du … au …": the days a rule holds (issue 13 §1), in the directory's time zone. Empty: no
 * limit; the "au" day is included.
 */
export function ValidityFields({ from, until, onChange, errors }: Props) {
  const { t } = useI18n();
  const id = useId();
  const hintId = `${id}-hint`;
  const bound = (key: 'from' | 'until', value: BoundDraft) => {
    const set = (patch: Partial<BoundDraft>) =>
      key === 'from'
        ? onChange({ ...value, ...patch }, until)
        : onChange(from, { ...value, ...patch });
    const error = errors[key];
    return (
      <div className="validity-bound">
        <div className="field">
          <label htmlFor={`${id}-${key}-date`}>{t(`form.validity.${key}`)}</label>
          <input
            id={`${id}-${key}-date`}
            type="date"
            value={value.date}
            aria-invalid={error !== undefined}
            aria-describedby={error === undefined ? hintId : `${hintId} ${id}-${key}-error`}
            onChange={(e) => set({ date: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-${key}-time`}>{t(`form.validity.${key}Time`)}</label>
          <input
            id={`${id}-${key}-time`}
            type="time"
            value={value.time}
            onChange={(e) => set({ time: e.target.value })}
          />
        </div>
        <FieldError message={error} id={`${id}-${key}-error`} />
      </div>
    );
  };
  return (
    <fieldset className="validity">
      <legend>{t('form.validity')}</legend>
      <p id={hintId} className="hint">
        {t('form.validityHelp')}
      </p>
      <div className="validity-bounds">
        {bound('from', from)}
        {bound('until', until)}
      </div>
    </fieldset>
  );
}
