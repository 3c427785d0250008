import { useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { Notice } from '../components/Notice.js';
import { useI18n } from '../i18n/index.js';
import { useSessionApi } from '../session.js';

export function LoginPage() {
  const { t } = useI18n();
  const { login } = useSessionApi();
  const [extension, setExtension] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const extensionId = useId();
  const passwordId = useId();

  useEffect(() => {
    document.title = `${t('login.title')} · ${t('app.name')}`;
  }, [t]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(extension.trim(), password);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) setError(t('login.failed'));
      else if (caught instanceof ApiError && caught.status === 429) setError(t('login.tooMany'));
      else if (caught instanceof ApiError) setError(caught.message);
      else setError(t('app.error.network'));
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <main className="login-card" id="main">
        <div className="brand login-brand">{t('app.name')}</div>
        <h1>{t('login.title')}</h1>
        <p className="muted">{t('login.intro')}</p>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <div className="field">
            <label htmlFor={extensionId}>{t('login.extension')}</label>
            <input
              id={extensionId}
              name="extension"
              inputMode="numeric"
              autoComplete="username"
              required
              value={extension}
              onChange={(e) => setExtension(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={passwordId}>{t('login.password')}</label>
            <input
              id={passwordId}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {error !== null && <Notice kind="error">{error}</Notice>}
          <button type="submit" className="primary" disabled={busy}>
            {t('login.submit')}
          </button>
        </form>
        <LanguageSwitch />
      </main>
    </div>
  );
}
