import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api, apiText, extPath } from '../api/client.js';
import type { Contact, Problem } from '../api/types.js';
import { LoadState } from '../components/LoadState.js';
import { ProblemsNotice } from '../components/Notice.js';
import { useAsync } from '../components/useAsync.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session.js';
import { download } from './download.js';

type Outcome = { kind: 'error' | 'success'; text: string } | null;

/** Values typed in one field, separated by commas, semicolons or new lines. */
function listOf(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

interface BookProps {
  /** Where the list lives in the API: `/api/extensions/101/contacts` or `/api/phonebook`. */
  base: string;
  title: string;
  help: string;
  editable: boolean;
  file: string;
}

/** One list of contacts: shown, added to, deleted from, imported (CSV, vCard) and exported. */
function ContactBook({ base, title, help, editable, file }: BookProps) {
  const { t, language } = useI18n();
  const [loaded, reload, replace] = useAsync(
    () => api<{ contacts: Contact[] }>(base).then((answer) => answer.contacts),
    [base, language],
  );
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [name, setName] = useState('');
  const [numbers, setNumbers] = useState('');
  const [groups, setGroups] = useState('');
  const [mode, setMode] = useState<'append' | 'replace'>('append');
  const fileRef = useRef<HTMLInputElement>(null);
  const ids = { name: useId(), numbers: useId(), groups: useId(), file: useId(), help: useId() };

  const failed = (caught: unknown) => {
    setProblems(caught instanceof ApiError ? caught.problems : []);
    setOutcome({
      kind: 'error',
      text: caught instanceof ApiError ? caught.message : t('app.error.network'),
    });
  };

  const save = async (contacts: Contact[], done: string): Promise<boolean> => {
    setOutcome(null);
    setProblems([]);
    try {
      const answer = await api<{ contacts: Contact[] }>(base, {
        method: 'PUT',
        json: { contacts },
      });
      replace(answer.contacts);
      setOutcome({ kind: 'success', text: done });
      return true;
    } catch (caught) {
      failed(caught);
      return false;
    }
  };

  const add = async (event: FormEvent, current: Contact[]) => {
    event.preventDefault();
    const entry: Contact = { name: name.trim(), numbers: listOf(numbers) };
    const groupList = listOf(groups);
    if (groupList.length > 0) entry.groups = groupList;
    if (await save([...current, entry], t('contacts.added', { name: entry.name }))) {
      setName('');
      setNumbers('');
      setGroups('');
    }
  };

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    setOutcome(null);
    setProblems([]);
    const chosen = fileRef.current?.files?.[0];
    if (chosen === undefined) {
      setOutcome({ kind: 'error', text: t('form.required') });
      fileRef.current?.focus();
      return;
    }
    const text = await chosen.text();
    const vcard = /\.(vcf|vcard)$/i.test(chosen.name) || /^\s*BEGIN:VCARD/i.test(text);
    try {
      const answer = await api<{ imported: number; contacts: Contact[] }>(
        `${base}/import?format=${vcard ? 'vcard' : 'csv'}&mode=${mode}`,
        { method: 'POST', body: text, contentType: vcard ? 'text/vcard' : 'text/csv' },
      );
      replace(answer.contacts);
      setOutcome({ kind: 'success', text: t('contacts.imported', { count: answer.imported }) });
    } catch (caught) {
      failed(caught);
    }
  };

  const exportAs = async (format: 'csv' | 'vcard') => {
    try {
      const text = await apiText(`${base}/export?format=${format}`);
      download(
        `${file}.${format === 'csv' ? 'csv' : 'vcf'}`,
        format === 'csv' ? 'text/csv' : 'text/vcard',
        text,
      );
    } catch (caught) {
      failed(caught);
    }
  };

  return (
    <section className="card">
      <h2>{title}</h2>
      <p className="muted">{help}</p>
      <LoadState loaded={loaded} retry={reload}>
        {(contacts) => (
          <>
            {contacts.length === 0 ? (
              <p className="empty">{t('contacts.empty')}</p>
            ) : (
              <table className="contacts">
                <thead>
                  <tr>
                    <th scope="col">{t('contacts.name')}</th>
                    <th scope="col">{t('contacts.numbers')}</th>
                    <th scope="col">{t('contacts.groups')}</th>
                    {editable && <th scope="col">{t('contacts.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {contacts.map((contact, i) => (
                    <tr key={`${contact.name}-${i}`}>
                      <td>{contact.name}</td>
                      <td>{contact.numbers.join(', ')}</td>
                      <td>{(contact.groups ?? []).join(', ')}</td>
                      {editable && (
                        <td>
                          <button
                            type="button"
                            className="danger"
                            aria-label={t('contacts.deleteOne', { name: contact.name })}
                            onClick={() =>
                              void save(
                                contacts.filter((_, j) => j !== i),
                                t('contacts.deleted', { name: contact.name }),
                              )
                            }
                          >
                            {t('contacts.delete')}
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {editable && (
              <form className="contact-add" onSubmit={(e) => void add(e, contacts)}>
                <h3>{t('contacts.add')}</h3>
                <div className="field">
                  <label htmlFor={ids.name}>{t('contacts.name')}</label>
                  <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} />
                </div>
                <div className="field">
                  <label htmlFor={ids.numbers}>{t('contacts.numbers')}</label>
                  <input
                    id={ids.numbers}
                    value={numbers}
                    placeholder="06 12 34 56 78, 04 91 00 00 00"
                    onChange={(e) => setNumbers(e.target.value)}
                  />
                </div>
                <div className="field">
                  <label htmlFor={ids.groups}>{t('contacts.groups')}</label>
                  <input
                    id={ids.groups}
                    value={groups}
                    placeholder={t('contacts.groupsPlaceholder')}
                    onChange={(e) => setGroups(e.target.value)}
                  />
                </div>
                <button type="submit" className="primary">
                  {t('contacts.addButton')}
                </button>
              </form>
            )}
          </>
        )}
      </LoadState>
      <div className="button-row">
        <button type="button" onClick={() => void exportAs('csv')}>
          {t('contacts.exportCsv')}
        </button>
        <button type="button" onClick={() => void exportAs('vcard')}>
          {t('contacts.exportVcard')}
        </button>
      </div>
      {editable && (
        <form onSubmit={(e) => void upload(e)}>
          <h3>{t('contacts.import')}</h3>
          <p id={ids.help} className="muted">
            {t('contacts.importHelp')}
          </p>
          <div className="field">
            <label htmlFor={ids.file}>{t('contacts.file')}</label>
            <input
              id={ids.file}
              ref={fileRef}
              type="file"
              accept=".csv,.vcf,.vcard,text/csv,text/vcard"
              aria-describedby={ids.help}
            />
          </div>
          <fieldset className="field">
            <legend>{t('contacts.mode')}</legend>
            <label>
              <input type="radio" checked={mode === 'append'} onChange={() => setMode('append')} />{' '}
              {t('contacts.mode.append')}
            </label>
            <label>
              <input
                type="radio"
                checked={mode === 'replace'}
                onChange={() => setMode('replace')}
              />{' '}
              {t('contacts.mode.replace')}
            </label>
          </fieldset>
          <button type="submit" className="primary">
            {t('contacts.upload')}
          </button>
        </form>
      )}
      <ProblemsNotice message={outcome} problems={problems} />
    </section>
  );
}

/**
 * "Contacts": the user's own, and the company phonebook (admins edit it). Exceptions name them
 * with `contacts`, `annuaire`, `groupe:NOM` and `inconnu`.
 */
export function ContactsPage() {
  const { t } = useI18n();
  const session = useSession();
  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('nav.contacts')}</h1>
      <p className="muted">{t('contacts.intro')}</p>
      <ContactBook
        base={extPath(session.extension, '/contacts')}
        title={t('contacts.mine')}
        help={t('contacts.mineHelp')}
        editable
        file={`contacts-${session.extension}`}
      />
      <ContactBook
        base="/api/phonebook"
        title={t('contacts.phonebook')}
        help={t(session.role === 'admin' ? 'contacts.phonebookAdmin' : 'contacts.phonebookHelp')}
        editable={session.role === 'admin'}
        file="phonebook"
      />
    </section>
  );
}
