import { useId, useState } from 'react';
import { ApiError, api, extPath } from '../api/client.js';
import type { ExtensionInfo } from '../api/types.js';
import { FieldError } from '../components/FieldError.js';
import { LoadState } from '../components/LoadState.js';
import { Notice } from '../components/Notice.js';
import { splitProblems } from '../components/problems.js';
import { useAsync } from '../components/useAsync.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session.js';

const FIELDS = ['email', 'deleteAfterEmail'];

/** "Recevoir les messages par e-mail": the user's own address, and whether sent ones go. */
export function VoicemailEmailForm() {
  const session = useSession();
  const [loaded, reload] = useAsync(
    () => api<ExtensionInfo>(extPath(session.extension)),
    [session.extension],
  );
  return (
    <LoadState loaded={loaded} retry={reload}>
      {(extension) => <EmailFields extension={extension} />}
    </LoadState>
  );
}

function EmailFields({ extension }: { extension: ExtensionInfo }) {
  const { t } = useI18n();
  const [email, setEmail] = useState(extension.email ?? '');
  const [deleteAfter, setDeleteAfter] = useState(extension.deleteAfterEmail);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const emailId = useId();
  const deleteId = useId();

  const save = async () => {
    setErrors({});
    setMessage(null);
    try {
      const updated = await api<ExtensionInfo>(extPath(extension.number, '/profile'), {
        method: 'PUT',
        json: { email: email.trim() === '' ? null : email.trim(), deleteAfterEmail: deleteAfter },
      });
      setEmail(updated.email ?? '');
      setDeleteAfter(updated.deleteAfterEmail);
      setMessage({ kind: 'success', text: t('mailForm.saved') });
    } catch (caught) {
      if (!(caught instanceof ApiError)) {
        setMessage({ kind: 'error', text: t('app.error.network') });
        return;
      }
      const { byField, other } = splitProblems(caught.problems, (f) => FIELDS.includes(f));
      setErrors(byField);
      setMessage({ kind: 'error', text: [caught.message, ...other].join(' ') });
    }
  };

  return (
    <form
      className="card"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>{t('mailForm.title')}</h2>
      <p className="muted">{t('mailForm.intro')}</p>
      <div className="field">
        <label htmlFor={emailId}>{t('mailForm.email')}</label>
        <input
          id={emailId}
          type="email"
          autoComplete="email"
          value={email}
          aria-invalid={errors.email !== undefined}
          aria-describedby={`${emailId}-hint${errors.email === undefined ? '' : ` ${emailId}-error`}`}
          onChange={(e) => setEmail(e.target.value)}
        />
        <p id={`${emailId}-hint`} className="hint">
          {t('mailForm.emailHint')}
        </p>
        <FieldError message={errors.email} id={`${emailId}-error`} />
      </div>
      <div className="field">
        <label className="checkbox-inline" htmlFor={deleteId}>
          <input
            id={deleteId}
            type="checkbox"
            checked={deleteAfter}
            aria-invalid={errors.deleteAfterEmail !== undefined}
            onChange={(e) => setDeleteAfter(e.target.checked)}
          />
          {t('mailForm.deleteAfter')}
        </label>
        <FieldError message={errors.deleteAfterEmail} />
      </div>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      <div className="button-row">
        <button type="submit" className="primary">
          {t('form.save')}
        </button>
      </div>
    </form>
  );
}
