import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api, apiText } from '../../api/client.js';
import type { Problem } from '../../api/types.js';
import { ProblemsNotice } from '../../components/Notice.js';
import { useI18n } from '../../i18n/index.js';
import { download } from '../download.js';

/** "Import/Export": the whole directory document, as `renvoi export` and `renvoi import` see it. */
export function ImportExportPage() {
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const fileId = useId();
  const helpId = useId();
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);

  const failed = (caught: unknown) => {
    setProblems(caught instanceof ApiError ? caught.problems : []);
    setMessage({
      kind: 'error',
      text:
        caught instanceof ApiError
          ? caught.problems.length > 0
            ? t('admin.problems')
            : caught.message
          : t('app.error.network'),
    });
  };

  const exportAs = async (format: 'yaml' | 'json') => {
    try {
      const text = await apiText(`/api/admin/directory?format=${format}`);
      download(
        `renvoi-directory.${format}`,
        format === 'yaml' ? 'application/yaml' : 'application/json',
        text,
      );
    } catch (caught) {
      failed(caught);
    }
  };

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    setProblems([]);
    const file = fileRef.current?.files?.[0];
    if (file === undefined) {
      setMessage({ kind: 'error', text: t('form.required') });
      fileRef.current?.focus();
      return;
    }
    const text = await file.text();
    const json = /\.json$/i.test(file.name) || text.trimStart().startsWith('{');
    try {
      await api('/api/admin/directory', {
        method: 'PUT',
        body: text,
        contentType: json ? 'application/json' : 'application/yaml',
      });
      setMessage({ kind: 'success', text: t('admin.io.imported') });
    } catch (caught) {
      failed(caught);
    }
  };

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('nav.importExport')}</h1>
      <section className="card">
        <h2>{t('admin.io.export')}</h2>
        <p className="muted">{t('admin.io.exportHelp')}</p>
        <div className="button-row">
          <button type="button" onClick={() => void exportAs('yaml')}>
            {t('admin.io.downloadYaml')}
          </button>
          <button type="button" onClick={() => void exportAs('json')}>
            {t('admin.io.downloadJson')}
          </button>
        </div>
      </section>
      <form className="card" onSubmit={(e) => void upload(e)}>
        <h2>{t('admin.io.import')}</h2>
        <p id={helpId} className="muted">
          {t('admin.io.importHelp')}
        </p>
        <div className="field">
          <label htmlFor={fileId}>{t('admin.io.file')}</label>
          <input
            id={fileId}
            ref={fileRef}
            type="file"
            accept=".yaml,.yml,.json,application/yaml,application/json"
            aria-describedby={helpId}
          />
        </div>
        <button type="submit" className="primary">
          {t('admin.io.upload')}
        </button>
      </form>
      <ProblemsNotice message={message} problems={problems} />
    </section>
  );
}
