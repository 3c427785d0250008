import { useEffect, useId, useState } from 'react';
import { api } from '../api/client.js';
import type { ParsedCallerId } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { FieldError } from './FieldError.js';

const DEBOUNCE_MS = 250;

interface Props {
  value: string;
  onChange: (value: string) => void;
  serverError: string | undefined;
}

/**
 * "Appels de l'ID d'appelant": while the user types, the server says how it understands the text
 * (design §2): one chip per pattern with its canonical form, and each error naming its part.
 */
export function CallerIdField({ value, onChange, serverError }: Props) {
  const { t, language } = useI18n();
  const [parsed, setParsed] = useState<ParsedCallerId | null>(null);
  const inputId = useId();
  const helpId = useId();
  const chipsId = useId();
  const errorId = useId();

  useEffect(() => {
    if (value.trim() === '') {
      setParsed(null);
      return;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      api<ParsedCallerId>('/api/caller-id/parse', { method: 'POST', json: { text: value } })
        .then((result) => {
          if (live) setParsed(result);
        })
        .catch(() => {
          // The field still saves; the server then names any error beside it.
          if (live) setParsed(null);
        });
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [value, language]);

  const errors = parsed?.errors ?? [];
  const invalid = errors.length > 0 || serverError !== undefined;
  return (
    <div className="field">
      <label htmlFor={inputId}>{t('form.callerId')}</label>
      <input
        id={inputId}
        name="callerId"
        autoComplete="off"
        spellCheck={false}
        required
        value={value}
        aria-invalid={invalid}
        aria-describedby={`${helpId} ${chipsId} ${errorId}`}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={helpId} className="hint">
        {t('form.callerIdHelp')}
      </p>
      <div id={chipsId} aria-live="polite" className="chips-area">
        {parsed !== null && parsed.patterns.length > 0 && (
          <>
            <span className="visually-hidden">{t('form.understood')} :</span>
            <ul className="chips" aria-label={t('form.understood')}>
              {parsed.patterns.map((pattern, i) => (
                <li key={`${pattern.text}-${i}`} className={`chip chip-${pattern.kind}`}>
                  <span className="chip-text">{pattern.text}</span>
                  <span className="chip-detail">
                    {pattern.description}
                    {pattern.canonical !== '' && pattern.canonical !== pattern.text && (
                      <> · {t('form.canonical', { canonical: pattern.canonical })}</>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      <div id={errorId}>
        {errors.map((error, i) => (
          <p key={i} className="field-error" role="alert">
            {error.end > error.start && (
              <mark className="error-part">{value.slice(error.start, error.end)}</mark>
            )}{' '}
            {error.message}
          </p>
        ))}
        {errors.length === 0 && <FieldError message={serverError} />}
      </div>
    </div>
  );
}
