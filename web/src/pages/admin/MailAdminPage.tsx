import { useId, useState } from 'react';
import { ApiError, api } from '../../api/client.js';
import { useLiveEvent } from '../../api/events.js';
import type { MailFailures } from '../../api/types.js';
import { FieldError } from '../../components/FieldError.js';
import { LoadState } from '../../components/LoadState.js';
import { Notice } from '../../components/Notice.js';
import { formatDateTime } from '../../components/formatting.js';
import { useAsync } from '../../components/useAsync.js';
import { useI18n } from '../../i18n/index.js';
import type { MessageKey } from '../../i18n/index.js';
import type { SmtpDoc } from './directory.js';
import { DirectorySection } from './useDirectory.js';
import type { SectionProps } from './useDirectory.js';

const SECURITIES = ['starttls', 'tls', 'none'] as const;

/** "E-mail de la messagerie": the SMTP relay (part of the directory) and what failed to go. */
export function MailAdminPage() {
  const { t } = useI18n();
  return (
    <>
      <DirectorySection title={t('nav.mail')} intro={t('admin.mail.intro')}>
        {(props) => <SmtpFields {...props} />}
      </DirectorySection>
      <MailFailuresList />
    </>
  );
}

function SmtpFields({ doc, setDoc, problemAt }: SectionProps) {
  const { t } = useI18n();
  const base = useId();
  // What the page was given: a sealed password to keep while the field stays empty.
  const [stored] = useState(() => doc.smtp?.passwordSealed);
  const [password, setPassword] = useState('');
  const smtp = doc.smtp;
  const set = (change: Partial<SmtpDoc>) => {
    // Empty fields leave the document, so the directory's defaults and checks apply.
    const next = Object.fromEntries(
      Object.entries({ ...smtp, ...change }).filter(([, v]) => v !== undefined && v !== ''),
    ) as Partial<SmtpDoc>;
    setDoc({ ...doc, smtp: { ...next, host: next.host ?? '', from: next.from ?? '' } });
  };

  const text = (key: 'host' | 'username' | 'from', label: MessageKey, type = 'text') => {
    const error = problemAt(`smtp.${key}`);
    const id = `${base}-${key}`;
    return (
      <div className="field">
        <label htmlFor={id}>{t(label)}</label>
        <input
          id={id}
          type={type}
          autoComplete="off"
          value={smtp?.[key] ?? ''}
          aria-invalid={error !== undefined}
          aria-describedby={error === undefined ? undefined : `${id}-error`}
          onChange={(e) => set({ [key]: e.target.value })}
        />
        <FieldError message={error} id={`${id}-error`} />
      </div>
    );
  };

  const portError = problemAt('smtp.port');
  const passwordError = problemAt('smtp.password') ?? problemAt('smtp.passwordSealed');
  return (
    <fieldset className="card">
      <legend>{t('admin.mail.relay')}</legend>
      <label className="checkbox-inline">
        <input
          type="checkbox"
          checked={smtp !== undefined}
          onChange={(e) => {
            const next = { ...doc, smtp: { host: '', from: '' } };
            if (!e.target.checked) delete (next as { smtp?: SmtpDoc }).smtp;
            setDoc(next);
          }}
        />
        {t('admin.mail.enabled')}
      </label>
      <FieldError message={problemAt('smtp', true)} />
      {smtp !== undefined && (
        <div className="field-grid">
          {text('host', 'admin.mail.host')}
          <div className="field">
            <label htmlFor={`${base}-security`}>{t('admin.mail.security')}</label>
            <select
              id={`${base}-security`}
              value={smtp.security ?? 'starttls'}
              onChange={(e) => set({ security: e.target.value as SmtpDoc['security'] })}
            >
              {SECURITIES.map((s) => (
                <option key={s} value={s}>
                  {t(`admin.mail.security.${s}`)}
                </option>
              ))}
            </select>
            <FieldError message={problemAt('smtp.security')} />
          </div>
          <div className="field">
            <label htmlFor={`${base}-port`}>{t('admin.mail.port')}</label>
            <input
              id={`${base}-port`}
              type="number"
              min={1}
              max={65535}
              value={smtp.port ?? ''}
              aria-invalid={portError !== undefined}
              aria-describedby={portError === undefined ? undefined : `${base}-port-error`}
              onChange={(e) =>
                set({ port: e.target.value === '' ? undefined : Number(e.target.value) })
              }
            />
            <FieldError message={portError} id={`${base}-port-error`} />
          </div>
          {text('username', 'admin.mail.username')}
          <div className="field">
            <label htmlFor={`${base}-password`}>{t('admin.mail.password')}</label>
            <input
              id={`${base}-password`}
              type="password"
              autoComplete="new-password"
              value={password}
              aria-invalid={passwordError !== undefined}
              aria-describedby={`${base}-password-hint`}
              onChange={(e) => {
                setPassword(e.target.value);
                // Typed: it replaces the stored one; emptied again: the stored one stays.
                if (e.target.value === '') set({ password: undefined, passwordSealed: stored });
                else set({ password: e.target.value, passwordSealed: undefined });
              }}
            />
            {stored !== undefined && (
              <p id={`${base}-password-hint`} className="hint">
                {t('admin.mail.passwordKept')}
              </p>
            )}
            <FieldError message={passwordError} />
          </div>
          {text('from', 'admin.mail.from', 'email')}
        </div>
      )}
    </fieldset>
  );
}

function MailFailuresList() {
  const { t, language } = useI18n();
  const [loaded, reload] = useAsync(() => api<MailFailures>('/api/admin/mail'), [language]);
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  useLiveEvent((event) => {
    if (event.type === 'voicemail' || event.type === 'mail') reload();
  });

  const retry = async (id: string) => {
    try {
      await api(`/api/admin/mail/${encodeURIComponent(id)}/retry`, { method: 'POST' });
      setMessage({ kind: 'success', text: t('admin.mail.retried') });
      reload();
    } catch (caught) {
      setMessage({
        kind: 'error',
        text: caught instanceof ApiError ? caught.message : t('app.error.network'),
      });
    }
  };

  return (
    <section className="page">
      <h2>{t('admin.mail.failures')}</h2>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      <LoadState loaded={loaded} retry={reload}>
        {({ failures }) =>
          failures.length === 0 ? (
            <p className="empty">{t('admin.mail.noFailures')}</p>
          ) : (
            <ul className="message-list">
              {failures.map((f) => (
                <li key={f.id} className="card message">
                  <strong>
                    {t('admin.mail.message', {
                      date: formatDateTime(f.receivedAt, language),
                      mailbox: f.mailbox,
                      recipient: f.recipient,
                    })}
                  </strong>
                  <p className="field-error">{f.error}</p>
                  <p className="muted">
                    {f.state === 'failed' || f.nextAttemptAt === null
                      ? t('admin.mail.failed', { attempts: f.attempts })
                      : t('admin.mail.pending', {
                          attempts: f.attempts,
                          date: formatDateTime(f.nextAttemptAt, language),
                        })}
                  </p>
                  <button type="button" onClick={() => void retry(f.id)}>
                    {t('admin.mail.retry')}
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </LoadState>
      <button type="button" onClick={reload}>
        {t('admin.mail.refresh')}
      </button>
    </section>
  );
}
