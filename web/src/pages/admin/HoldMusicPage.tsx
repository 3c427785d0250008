import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../../api/client.js';
import { LoadState } from '../../components/LoadState.js';
import { Notice } from '../../components/Notice.js';
import { useAsync } from '../../components/useAsync.js';
import { useI18n } from '../../i18n/index.js';

/** One track as `GET /api/admin/hold-music` gives it. */
interface Track {
  id: number;
  name: string;
  durationMs: number;
  addedAt: number;
}

interface Flash {
  kind: 'error' | 'success';
  text: string;
}

const seconds = (ms: number) => String(Math.round(ms / 1000));

/**
 * "Musique d'attente": what a caller put on hold hears. Tracks play one after the other; without
 * any, the PBX's own melody. Each can be listened to and removed; a WAV adds one.
 */
export function HoldMusicPage() {
  const { t } = useI18n();
  const [loaded, reload] = useAsync(
    () => api<{ tracks: Track[] }>('/api/admin/hold-music').then((answer) => answer.tracks),
    [],
  );
  const [flash, setFlash] = useState<Flash | null>(null);
  const [busy, setBusy] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const fileId = useId();
  const nameId = useId();
  const [name, setName] = useState('');

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      setFlash({ kind: 'success', text: await work() });
      reload();
    } catch (caught) {
      setFlash({
        kind: 'error',
        text: caught instanceof ApiError ? caught.message : t('app.error.network'),
      });
    } finally {
      setBusy(false);
    }
  };

  const upload = (event: FormEvent) => {
    event.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (file === undefined) {
      setFlash({ kind: 'error', text: t('form.required') });
      fileRef.current?.focus();
      return;
    }
    const named = name.trim() === '' ? file.name.replace(/\.wav$/i, '') : name;
    void run(async () => {
      const query = `?name=${encodeURIComponent(named)}`;
      await api(`/api/admin/hold-music${query}`, {
        method: 'POST',
        body: file,
        contentType: 'audio/wav',
      });
      if (fileRef.current !== null) fileRef.current.value = '';
      setName('');
      return t('admin.holdMusic.added', { name: named });
    });
  };

  const remove = (track: Track) =>
    void run(async () => {
      await api(`/api/admin/hold-music/${track.id}`, { method: 'DELETE' });
      return t('admin.holdMusic.removed', { name: track.name });
    });

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('nav.holdMusic')}</h1>
      <p className="muted">{t('admin.holdMusic.intro')}</p>
      {flash !== null && <Notice kind={flash.kind}>{flash.text}</Notice>}
      <LoadState loaded={loaded} retry={reload}>
        {(tracks) =>
          tracks.length === 0 ? (
            <p>{t('admin.holdMusic.none')}</p>
          ) : (
            <ol className="prompt-list">
              {tracks.map((track) => (
                <li key={track.id} className="card prompt" aria-label={track.name}>
                  <div className="message-head">
                    <strong>{track.name}</strong>
                    <span className="badge">
                      {t('admin.holdMusic.duration', { seconds: seconds(track.durationMs) })}
                    </span>
                  </div>
                  <audio
                    controls
                    preload="none"
                    src={`/api/admin/hold-music/${track.id}/audio`}
                    aria-label={t('admin.holdMusic.play', { name: track.name })}
                  />
                  <div className="button-row">
                    <button type="button" onClick={() => remove(track)} disabled={busy}>
                      {t('admin.holdMusic.remove', { name: track.name })}
                    </button>
                  </div>
                </li>
              ))}
            </ol>
          )
        }
      </LoadState>
      <form className="card" onSubmit={upload}>
        <h2>{t('admin.holdMusic.add')}</h2>
        <div className="field">
          <label htmlFor={nameId}>{t('admin.holdMusic.name')}</label>
          <input
            id={nameId}
            value={name}
            maxLength={80}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={fileId}>{t('admin.holdMusic.file')}</label>
          <input id={fileId} ref={fileRef} type="file" accept="audio/wav,audio/x-wav,.wav" />
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy}>
            {t('admin.holdMusic.upload')}
          </button>
        </div>
      </form>
    </section>
  );
}
