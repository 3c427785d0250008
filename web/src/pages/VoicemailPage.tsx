import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api, extPath } from '../api/client.js';
import { useLiveEvent } from '../api/events.js';
import type { VoicemailMessage } from '../api/types.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { LoadState } from '../components/LoadState.js';
import { Notice } from '../components/Notice.js';
import { formatDateTime, formatDuration } from '../components/formatting.js';
import { useAsync } from '../components/useAsync.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session.js';
import { VoicemailEmailForm } from './VoicemailEmailForm.js';

interface Flash {
  kind: 'error' | 'success' | 'info';
  text: string;
}

/** "Messagerie vocale": messages newest first, played in the page, and the greeting. */
export function VoicemailPage() {
  const session = useSession();
  const { t, language } = useI18n();
  const [loaded, reload] = useAsync(
    () =>
      api<{ messages: VoicemailMessage[] }>(extPath(session.extension, '/voicemail')).then(
        (answer) => answer.messages,
      ),
    [session.extension],
  );
  const [flash, setFlash] = useState<Flash | null>(null);
  const [deleting, setDeleting] = useState<VoicemailMessage | null>(null);
  /** The messages the page has shown: a live change brings news only when one is not among them. */
  const seen = useRef<Set<string> | null>(null);
  const awaitingLive = useRef(false);

  useEffect(() => {
    if (loaded.state !== 'ready') return;
    const ids = loaded.value.map((m) => m.id);
    const arrived = seen.current !== null && ids.some((id) => !seen.current?.has(id));
    if (awaitingLive.current && arrived) {
      setFlash({ kind: 'info', text: t('voicemail.newMessage') });
    }
    awaitingLive.current = false;
    seen.current = new Set([...(seen.current ?? []), ...ids]);
  }, [loaded, t]);

  useLiveEvent((event) => {
    if (event.type === 'voicemail' && event.extension === session.extension) {
      awaitingLive.current = true;
      reload();
    }
  });

  const failed = (caught: unknown) =>
    setFlash({
      kind: 'error',
      text: caught instanceof ApiError ? caught.message : t('app.error.network'),
    });

  const setRead = async (message: VoicemailMessage) => {
    try {
      await api(extPath(session.extension, `/voicemail/${encodeURIComponent(message.id)}`), {
        method: 'PATCH',
        json: { read: true },
      });
      reload();
    } catch (caught) {
      failed(caught);
    }
  };

  const remove = async (message: VoicemailMessage) => {
    setDeleting(null);
    try {
      await api(extPath(session.extension, `/voicemail/${encodeURIComponent(message.id)}`), {
        method: 'DELETE',
      });
      reload();
    } catch (caught) {
      failed(caught);
    }
  };

  const caller = (m: VoicemailMessage) =>
    m.callerName !== null && m.callerName !== ''
      ? `${m.callerName} (${m.callerDisplay})`
      : m.callerDisplay;

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('voicemail.title')}</h1>
      {flash !== null && <Notice kind={flash.kind}>{flash.text}</Notice>}
      <LoadState loaded={loaded} retry={reload}>
        {(messages) =>
          messages.length === 0 ? (
            <p className="empty">{t('voicemail.empty')}</p>
          ) : (
            <>
              <p className="muted">
                {t('voicemail.unread', { count: messages.filter((m) => !m.read).length })}
              </p>
              <ul className="message-list">
                {messages.map((m) => (
                  <li key={m.id} className={`card message${m.read ? '' : ' unread'}`}>
                    <div className="message-head">
                      <strong>{caller(m)}</strong>
                      {!m.read && <span className="badge badge-new">{t('voicemail.new')}</span>}
                      <span className="muted">
                        {formatDateTime(m.receivedAt, language)} · {formatDuration(m.durationMs)}
                      </span>
                    </div>
                    <audio
                      controls
                      preload="none"
                      src={extPath(
                        session.extension,
                        `/voicemail/${encodeURIComponent(m.id)}/audio`,
                      )}
                      aria-label={t('voicemail.play', { caller: caller(m) })}
                      onPlay={() => {
                        if (!m.read) void setRead(m);
                      }}
                    />
                    <div className="button-row">
                      {/* The API keeps a read message read, as the phone menu does. */}
                      {!m.read && (
                        <button type="button" onClick={() => void setRead(m)}>
                          {t('voicemail.markRead')}
                        </button>
                      )}
                      <button
                        type="button"
                        className="danger-outline"
                        onClick={() => setDeleting(m)}
                      >
                        {t('voicemail.delete')}
                      </button>
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </LoadState>
      <GreetingForm onFlash={setFlash} />
      <VoicemailEmailForm />
      {deleting !== null && (
        <ConfirmDialog
          title={t('voicemail.confirmTitle')}
          text={t('voicemail.confirmText', {
            caller: caller(deleting),
            date: formatDateTime(deleting.receivedAt, language),
          })}
          confirmLabel={t('voicemail.delete')}
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}

function GreetingForm({ onFlash }: { onFlash: (flash: Flash) => void }) {
  const session = useSession();
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const fileId = useId();
  const helpId = useId();

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (file === undefined) {
      onFlash({ kind: 'error', text: t('form.required') });
      fileRef.current?.focus();
      return;
    }
    try {
      await api(extPath(session.extension, '/greeting'), {
        method: 'PUT',
        body: file,
        contentType: 'audio/wav',
      });
      onFlash({ kind: 'success', text: t('voicemail.greetingSaved') });
    } catch (caught) {
      onFlash({
        kind: 'error',
        text: caught instanceof ApiError ? caught.message : t('app.error.network'),
      });
    }
  };

  const reset = async () => {
    try {
      await api(extPath(session.extension, '/greeting'), { method: 'DELETE' });
      onFlash({ kind: 'success', text: t('voicemail.greetingResetDone') });
    } catch (caught) {
      onFlash({
        kind: 'error',
        text: caught instanceof ApiError ? caught.message : t('app.error.network'),
      });
    }
  };

  return (
    <form className="card" onSubmit={(e) => void upload(e)}>
      <h2>{t('voicemail.greeting')}</h2>
      <div className="field">
        <label htmlFor={fileId}>{t('voicemail.greetingFile')}</label>
        <input
          id={fileId}
          ref={fileRef}
          type="file"
          accept="audio/wav,audio/x-wav,.wav"
          aria-describedby={helpId}
        />
        <p id={helpId} className="hint">
          {t('voicemail.greetingHelp')}
        </p>
      </div>
      <div className="button-row">
        <button type="submit" className="primary">
          {t('voicemail.greetingUpload')}
        </button>
        <button type="button" onClick={() => void reset()}>
          {t('voicemail.greetingReset')}
        </button>
      </div>
    </form>
  );
}
