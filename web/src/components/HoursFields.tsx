import { useId } from 'react';
import { HOURS, WEEKDAYS } from '../api/types.js';
import type { Hours, Period, Weekday } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { FieldError } from './FieldError.js';

interface Props {
  hours: Hours;
  periods: Period[];
  onChange: (hours: Hours, periods: Period[]) => void;
  errors: Record<string, string>;
}

const NEW_PERIOD: Period = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  from: '09:00',
  to: '18:00',
};

/** The time condition (design §3): all, office, outside office, or weekly periods of one's own. */
export function HoursFields({ hours, periods, onChange, errors }: Props) {
  const { t } = useI18n();
  const hoursId = useId();
  const base = useId();
  const withPeriods = hours === 'specific' || hours === 'outside-specific';

  const setPeriod = (index: number, patch: Partial<Period>) =>
    onChange(
      hours,
      periods.map((p, i) => (i === index ? { ...p, ...patch } : p)),
    );
  const toggleDay = (index: number, day: Weekday, on: boolean) => {
    const period = periods[index];
    if (period === undefined) return;
    const days = on ? [...period.days, day] : period.days.filter((d) => d !== day);
    setPeriod(index, { days: WEEKDAYS.filter((d) => days.includes(d)) });
  };

  return (
    <div className="hours-fields">
      <div className="field">
        <label htmlFor={hoursId}>{t('form.hours')}</label>
        <select
          id={hoursId}
          value={hours}
          aria-invalid={errors['hours'] !== undefined}
          onChange={(e) => {
            const next = e.target.value as Hours;
            const needs = next === 'specific' || next === 'outside-specific';
            onChange(next, needs && periods.length === 0 ? [{ ...NEW_PERIOD }] : periods);
          }}
        >
          {HOURS.map((h) => (
            <option key={h} value={h}>
              {t(`form.hours.${h}`)}
            </option>
          ))}
        </select>
        <FieldError message={errors['hours']} />
      </div>
      {withPeriods && (
        <fieldset className="periods">
          <legend>{t('form.periods')}</legend>
          {periods.map((period, index) => (
            <fieldset key={index} className="period">
              <legend>{t('form.period', { n: index + 1 })}</legend>
              <div className="days" role="group" aria-label={t('form.periodDays')}>
                {WEEKDAYS.map((day) => (
                  <label key={day} className="day">
                    <input
                      type="checkbox"
                      checked={period.days.includes(day)}
                      onChange={(e) => toggleDay(index, day, e.target.checked)}
                    />
                    <span>{t(`day.${day}`)}</span>
                  </label>
                ))}
              </div>
              <div className="period-times">
                <div className="field">
                  <label htmlFor={`${base}-from-${index}`}>{t('form.periodFrom')}</label>
                  <input
                    id={`${base}-from-${index}`}
                    type="time"
                    value={period.from}
                    onChange={(e) => setPeriod(index, { from: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${base}-to-${index}`}>{t('form.periodTo')}</label>
                  <input
                    id={`${base}-to-${index}`}
                    type="time"
                    value={period.to}
                    onChange={(e) => setPeriod(index, { to: e.target.value })}
                  />
                </div>
                <button
                  type="button"
                  className="link-button"
                  onClick={() =>
                    onChange(
                      hours,
                      periods.filter((_, i) => i !== index),
                    )
                  }
                >
                  {t('form.periodRemove', { n: index + 1 })}
                </button>
              </div>
              <FieldError message={errors[`periods.${index}`]} />
            </fieldset>
          ))}
          <button type="button" onClick={() => onChange(hours, [...periods, { ...NEW_PERIOD }])}>
            {t('form.periodAdd')}
          </button>
          <FieldError message={errors['periods']} />
        </fieldset>
      )}
    </div>
  );
}
