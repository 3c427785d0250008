import { useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Problem } from '../../api/types.js';
import { LoadState } from '../../components/LoadState.js';
import { ProblemsNotice } from '../../components/Notice.js';
import { fieldOf } from '../../components/problems.js';
import { useAsync } from '../../components/useAsync.js';
import { useI18n } from '../../i18n/index.js';
import type { DirectoryDoc } from './directory.js';

export interface SectionProps {
  doc: DirectoryDoc;
  setDoc: (doc: DirectoryDoc) => void;
  /**
   * The message of the first problem at this document path ("extensions.1.name") or inside it
   * ("officeHours.mon" has those of "officeHours.mon.0"); `exact`: at the path only.
   */
  problemAt: (field: string, exact?: boolean) => string | undefined;
}

interface Props {
  title: string;
  intro?: string;
  children: (props: SectionProps) => ReactNode;
}

/**
 * An admin page edits one section of the directory document and saves it whole (the API checks
 * everything and writes nothing unless all is good); every problem is listed with its path.
 */
export function DirectorySection({ title, intro, children }: Props) {
  const [version, setVersion] = useState(0);
  const [loaded, reload] = useAsync(
    () => api<DirectoryDoc>('/api/admin/directory?format=json'),
    [],
  );
  return (
    <section className="page">
      <h1 tabIndex={-1}>{title}</h1>
      {intro !== undefined && <p className="muted">{intro}</p>}
      <LoadState loaded={loaded} retry={reload}>
        {(doc) => (
          <SectionForm
            key={`${version}:${JSON.stringify(doc)}`}
            initial={doc}
            reload={() => {
              setVersion((v) => v + 1);
              reload();
            }}
            render={children}
          />
        )}
      </LoadState>
    </section>
  );
}

function SectionForm({
  initial,
  reload,
  render,
}: {
  initial: DirectoryDoc;
  reload: () => void;
  render: Props['children'];
}) {
  const { t } = useI18n();
  const [doc, setDoc] = useState(initial);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async () => {
    setSaving(true);
    setMessage(null);
    setProblems([]);
    try {
      await api('/api/admin/directory', { method: 'PUT', json: doc });
      setMessage({ kind: 'success', text: t('admin.saved') });
    } catch (caught) {
      if (caught instanceof ApiError) {
        setProblems(caught.problems);
        setMessage({
          kind: 'error',
          text: caught.problems.length > 0 ? t('admin.problems') : caught.message,
        });
      } else {
        setMessage({ kind: 'error', text: t('app.error.network') });
      }
    } finally {
      setSaving(false);
    }
  };

  const problemAt = (field: string, exact = false) =>
    problems.find((p) => {
      const at = fieldOf(p.path);
      return at === field || (!exact && (at.startsWith(`${field}.`) || at.startsWith(`${field}[`)));
    })?.message;

  return (
    <form
      className="admin-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      {render({ doc, setDoc, problemAt })}
      <ProblemsNotice message={message} problems={problems} />
      <div className="actions sticky-actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? t('form.saving') : t('admin.save')}
        </button>
        <button type="button" onClick={reload}>
          {t('admin.reload')}
        </button>
      </div>
    </form>
  );
}
