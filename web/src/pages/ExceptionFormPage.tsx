import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api, extPath } from '../api/client.js';
import { STATUSES } from '../api/types.js';
import type {
  ExceptionBody,
  ExceptionList,
  ExtensionInfo,
  Hours,
  Period,
  Repeat,
  Status,
  Targets,
} from '../api/types.js';
import { ActionFields } from '../components/ActionFields.js';
import { actionFromDraft, draftFromAction } from '../components/actionDraft.js';
import type { ActionDraft } from '../components/actionDraft.js';
import { CallerIdField } from '../components/CallerIdField.js';
import { HoursFields } from '../components/HoursFields.js';
import { RepeatFields } from '../components/RepeatFields.js';
import { ValidityFields, boundFromDraft, draftFromBound } from '../components/ValidityFields.js';
import type { BoundDraft } from '../components/ValidityFields.js';
import { LoadState } from '../components/LoadState.js';
import { Notice } from '../components/Notice.js';
import { splitProblems } from '../components/problems.js';
import { useAsync } from '../components/useAsync.js';
import { useI18n } from '../i18n/index.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';

interface FormData {
  extension: ExtensionInfo;
  targets: Targets;
  initial: ExceptionBody;
}

const EMPTY: ExceptionBody = {
  callerId: '',
  hours: 'all',
  periods: [],
  statuses: [],
  enabled: true,
  from: null,
  until: null,
  repeat: null,
  action: { type: 'voicemail' },
};

/** Fields the form shows problems beside; other problems go to the top of the form. */
const KNOWN_FIELDS =
  /^(callerId|hours|periods(\.\d+)?|statuses|from|until|repeat(\.\w+)?|action(\.\w+)?)$/;

/** "Exception à la règle": create (index null) or edit one exception. */
export function ExceptionFormPage({ index }: { index: number | null }) {
  const session = useSession();
  const { t } = useI18n();
  const [loaded, reload] = useAsync<FormData>(async () => {
    const [extension, targets, list] = await Promise.all([
      api<ExtensionInfo>(extPath(session.extension)),
      api<Targets>(extPath(session.extension, '/targets')),
      index === null
        ? Promise.resolve(null)
        : api<ExceptionList>(extPath(session.extension, '/exceptions')),
    ]);
    const existing = list?.exceptions.find((e) => e.index === index);
    if (index !== null && existing === undefined) throw new Error(`#${index + 1}`);
    const initial: ExceptionBody =
      existing === undefined
        ? EMPTY
        : {
            callerId: existing.callerId,
            hours: existing.hours,
            periods: existing.periods,
            statuses: existing.statuses,
            enabled: existing.enabled,
            from: existing.from,
            until: existing.until,
            repeat: existing.repeat,
            action: existing.action,
          };
    return { extension, targets, initial };
  }, [session.extension, index]);

  return (
    <section className="page">
      <h1 tabIndex={-1}>
        {index === null ? t('form.titleNew') : t('form.titleEdit', { n: index + 1 })}
      </h1>
      <LoadState loaded={loaded} retry={reload}>
        {(data) => <ExceptionForm index={index} data={data} />}
      </LoadState>
    </section>
  );
}

function ExceptionForm({ index, data }: { index: number | null; data: FormData }) {
  const session = useSession();
  const { t } = useI18n();
  const [callerId, setCallerId] = useState(data.initial.callerId);
  const [hours, setHours] = useState<Hours>(data.initial.hours);
  const [periods, setPeriods] = useState<Period[]>(data.initial.periods);
  const [statuses, setStatuses] = useState<Status[]>(data.initial.statuses);
  const [enabled, setEnabled] = useState(data.initial.enabled);
  const [from, setFrom] = useState<BoundDraft>(() => draftFromBound(data.initial.from));
  const [until, setUntil] = useState<BoundDraft>(() => draftFromBound(data.initial.until));
  const [repeat, setRepeat] = useState<Repeat | null>(data.initial.repeat);
  const [draft, setDraft] = useState<ActionDraft>(() => draftFromAction(data.initial.action));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [topErrors, setTopErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const statusesId = useId();
  const statusesHelpId = useId();
  const enabledId = useId();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>('input[name="callerId"]')?.focus();
  }, []);

  const localErrors = (): Record<string, string> => {
    const found: Record<string, string> = {};
    if (callerId.trim() === '') found['callerId'] = t('form.callerIdEmpty');
    if (draft.type === 'extension' && draft.extensionTarget === '')
      found['action.target'] = t('form.required');
    if (draft.type === 'system' && draft.systemTarget === '')
      found['action.target'] = t('form.required');
    if (draft.type === 'external' && draft.externalNumber.trim() === '')
      found['action.number'] = t('form.required');
    if (from.date === '' && from.time !== '') found['from'] = t('form.validity.timeWithoutDate');
    if (until.date === '' && until.time !== '') found['until'] = t('form.validity.timeWithoutDate');
    return found;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = localErrors();
    setTopErrors([]);
    if (Object.keys(local).length > 0) {
      setErrors(local);
      focusFirstInvalid();
      return;
    }
    setErrors({});
    setSaving(true);
    const withPeriods = hours === 'specific' || hours === 'outside-specific';
    const body: ExceptionBody = {
      callerId,
      hours,
      periods: withPeriods ? periods : [],
      statuses,
      enabled,
      from: boundFromDraft(from),
      until: boundFromDraft(until),
      repeat,
      action: actionFromDraft(draft),
    };
    try {
      await api(
        extPath(session.extension, index === null ? '/exceptions' : `/exceptions/${index}`),
        { method: index === null ? 'POST' : 'PUT', json: body },
      );
      navigate('/exceptions');
    } catch (caught) {
      setSaving(false);
      if (caught instanceof ApiError && caught.problems.length > 0) {
        const { byField, other } = splitProblems(caught.problems, (f) => KNOWN_FIELDS.test(f));
        setErrors(byField);
        setTopErrors(other);
        focusFirstInvalid();
      } else if (caught instanceof ApiError) {
        setTopErrors([caught.message]);
      } else {
        setTopErrors([t('app.error.network')]);
      }
    }
  };

  const focusFirstInvalid = () => {
    window.setTimeout(() => {
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    }, 0);
  };

  const toggleStatus = (status: Status, on: boolean) => {
    const next = on ? [...statuses, status] : statuses.filter((s) => s !== status);
    setStatuses(STATUSES.filter((s) => next.includes(s)));
  };

  return (
    <form ref={formRef} className="card exception-form" onSubmit={(e) => void submit(e)} noValidate>
      {(topErrors.length > 0 || Object.keys(errors).length > 0) && (
        <Notice kind="error">
          <p>{t('form.errors')}</p>
          {topErrors.length > 0 && (
            <ul>
              {topErrors.map((message, i) => (
                <li key={i}>{message}</li>
              ))}
            </ul>
          )}
        </Notice>
      )}
      <CallerIdField value={callerId} onChange={setCallerId} serverError={errors['callerId']} />
      <HoursFields
        hours={hours}
        periods={periods}
        errors={errors}
        onChange={(nextHours, nextPeriods) => {
          setHours(nextHours);
          setPeriods(nextPeriods);
        }}
      />
      <ValidityFields
        from={from}
        until={until}
        errors={errors}
        onChange={(nextFrom, nextUntil) => {
          setFrom(nextFrom);
          setUntil(nextUntil);
        }}
      />
      <RepeatFields repeat={repeat} onChange={setRepeat} errors={errors} />
      <ActionFields
        label={t('form.action')}
        draft={draft}
        onChange={setDraft}
        targets={data.targets}
        hasMobile={data.extension.hasMobile}
        errors={errors}
        ownExtension={session.extension}
      />
      <details
        className="more-options"
        open={data.initial.statuses.length > 0 || !data.initial.enabled}
      >
        <summary>{t('form.statuses')}</summary>
        <fieldset className="statuses" aria-describedby={statusesHelpId} id={statusesId}>
          <legend className="visually-hidden">{t('form.statuses')}</legend>
          <p id={statusesHelpId} className="hint">
            {t('form.statusesHelp')}
          </p>
          {STATUSES.map((status) => (
            <label key={status} className="checkbox-inline">
              <input
                type="checkbox"
                checked={statuses.includes(status)}
                onChange={(e) => toggleStatus(status, e.target.checked)}
              />
              {t(`status.${status}`)}
            </label>
          ))}
        </fieldset>
        <div className="field checkbox">
          <input
            id={enabledId}
            type="checkbox"
            checked={enabled}
            onChange={(e) => setEnabled(e.target.checked)}
          />
          <label htmlFor={enabledId}>{t('form.enabled')}</label>
        </div>
      </details>
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? t('form.saving') : t('form.save')}
        </button>
        <button type="button" onClick={() => navigate('/exceptions')}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  );
}
