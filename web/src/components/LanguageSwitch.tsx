import { useId } from 'react';
import type { Language } from '../api/types.js';
import { useI18n } from '../i18n/index.js';

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id}>{t('lang.label')}</label>
      <select
        id={id}
        value={language}
        onChange={(event) => setLanguage(event.target.value as Language)}
      >
        <option value="fr" lang="fr">
          {t('lang.fr')}
        </option>
        <option value="en" lang="en">
          {t('lang.en')}
        </option>
      </select>
    </div>
  );
}
