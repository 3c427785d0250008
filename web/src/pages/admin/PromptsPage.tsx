import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import { LoadState } from '../../components/LoadState.js';
import { Notice } from '../../components/Notice.js';
import { useAsync } from '../../components/useAsync.js';
import { useI18n } from '../../i18n/index.js';

type Language = 'fr' | 'en';

/** One prompt as `GET /api/admin/prompts` gives it. */
interface Prompt {
  language: Language;
  name: string;
  text: string;
  replaced: boolean;
}

interface Flash {
  kind: 'error' | 'success';
  text: string;
}

const promptPath = (prompt: Prompt, rest = '') =>
  `/api/admin/prompts/${prompt.language}/${encodeURIComponent(prompt.name)}${rest}`;

/**
 * "Messages vocaux du système": what the PBX says on the phone, per language; each can be
 * listened to, replaced by a WAV recording, and put back to the bundled one ("Rétablir").
 */
export function PromptsPage() {
  const { t, language: shown } = useI18n();
  const [language, setLanguage] = useState<Language>(shown);
  const [loaded, reload] = useAsync(
    () => api<{ prompts: Prompt[] }>('/api/admin/prompts').then((answer) => answer.prompts),
    [],
  );
  const [flash, setFlash] = useState<Flash | null>(null);
  // Part of each player's address, so that a replaced recording is fetched again.
  const [version, setVersion] = useState(0);
  const languageId = useId();

  const changed = (text: string) => {
    setFlash({ kind: 'success', text });
    setVersion((n) => n + 1);
    reload();
  };
  const failed = (caught: unknown) =>
    setFlash({
      kind: 'error',
      text: caught instanceof ApiError ? caught.message : t('app.error.network'),
    });

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('nav.prompts')}</h1>
      <p className="muted">{t('admin.prompts.intro')}</p>
      <div className="field">
        <label htmlFor={languageId}>{t('admin.prompts.language')}</label>
        <select
          id={languageId}
          value={language}
          onChange={(e) => setLanguage(e.target.value as Language)}
        >
          <option value="fr">{t('lang.fr')}</option>
          <option value="en">{t('lang.en')}</option>
        </select>
      </div>
      {flash !== null && <Notice kind={flash.kind}>{flash.text}</Notice>}
      <LoadState loaded={loaded} retry={reload}>
        {(prompts) => {
          const ofLanguage = prompts.filter((p) => p.language === language);
          const row = (prompt: Prompt) => (
            <PromptRow
              key={prompt.name}
              prompt={prompt}
              version={version}
              onChanged={changed}
              onFailed={failed}
            />
          );
          return (
            <>
              <ul className="prompt-list" lang={language}>
                {ofLanguage.filter((p) => !p.name.startsWith('number-')).map(row)}
              </ul>
              <details className="card">
                <summary>{t('admin.prompts.numbers')}</summary>
                <ul className="prompt-list" lang={language}>
                  {ofLanguage.filter((p) => p.name.startsWith('number-')).map(row)}
                </ul>
              </details>
            </>
          );
        }}
      </LoadState>
    </section>
  );
}

interface RowProps {
  prompt: Prompt;
  version: number;
  onChanged: (text: string) => void;
  onFailed: (caught: unknown) => void;
}

function PromptRow({ prompt, version, onChanged, onFailed }: RowProps) {
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const fileId = useId();
  const [busy, setBusy] = useState(false);
  const quoted = { name: prompt.name };

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (caught) {
      onFailed(caught);
    } finally {
      setBusy(false);
    }
  };

  const upload = (event: FormEvent) => {
    event.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (file === undefined) {
      onFailed(new ApiError(400, 'invalid', t('form.required'), []));
      fileRef.current?.focus();
      return;
    }
    void run(async () => {
      await api(promptPath(prompt), { method: 'PUT', body: file, contentType: 'audio/wav' });
      if (fileRef.current !== null) fileRef.current.value = '';
      onChanged(t('admin.prompts.saved', quoted));
    });
  };

  const restore = () =>
    void run(async () => {
      await api(promptPath(prompt), { method: 'DELETE' });
      onChanged(t('admin.prompts.restored', quoted));
    });

  return (
    <li className="card prompt" aria-label={prompt.name}>
      <div className="message-head">
        <code>{prompt.name}</code>
        <span className={`badge${prompt.replaced ? ' badge-new' : ''}`}>
          {t(prompt.replaced ? 'admin.prompts.replaced' : 'admin.prompts.bundled')}
        </span>
      </div>
      <p>{prompt.text}</p>
      <audio
        controls
        preload="none"
        src={promptPath(prompt, `/audio?v=${version}`)}
        aria-label={t('admin.prompts.play', quoted)}
      />
      <form className="button-row" onSubmit={upload}>
        <label htmlFor={fileId} className="visually-hidden">
          {t('admin.prompts.file', quoted)}
        </label>
        <input id={fileId} ref={fileRef} type="file" accept="audio/wav,audio/x-wav,.wav" />
        <button type="submit" className="primary" disabled={busy}>
          {t('admin.prompts.upload')}
        </button>
        {prompt.replaced && (
          <button type="button" onClick={restore} disabled={busy}>
            {t('admin.prompts.restore')}
          </button>
        )}
      </form>
    </li>
  );
}
