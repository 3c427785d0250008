import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api, extPath } from '../api/client.js';
import { STATUSES } from '../api/types.js';
import type { Simulation, Status } from '../api/types.js';
import { FieldError } from '../components/FieldError.js';
import { Notice } from '../components/Notice.js';
import { PlanSteps } from '../components/PlanSteps.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session.js';

/** The browser's local date and time as ISO-8601 with its offset, so "10:00" means 10:00 here. */
function localInstant(date: string, time: string): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const day =
    date !== '' ? date : `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const clock = time !== '' ? time : `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  return new Date(`${day}T${clock}:00`).toISOString();
}

/** "Testeur": what will happen to a call, before it happens, as the router decides it. */
export function TesterPage() {
  const session = useSession();
  const { t } = useI18n();
  const [from, setFrom] = useState('');
  const [date, setDate] = useState('');
  const [time, setTime] = useState('');
  const [status, setStatus] = useState<Status | ''>('');
  /** Calls the caller already made, for repeat rules; empty: the call history's. */
  const [earlier, setEarlier] = useState('');
  const [result, setResult] = useState<Simulation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const ids = {
    from: useId(),
    fromHelp: useId(),
    date: useId(),
    time: useId(),
    status: useId(),
    earlier: useId(),
    earlierHelp: useId(),
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setFieldError(undefined);
    if (from.trim() === '') {
      setFieldError(t('form.required'));
      return;
    }
    setBusy(true);
    try {
      const body: { from: string; at?: string; status?: Status; earlierCalls?: number } = {
        from: from.trim(),
      };
      if (date !== '' || time !== '') body.at = localInstant(date, time);
      if (status !== '') body.status = status;
      if (earlier !== '') body.earlierCalls = Number(earlier);
      setResult(
        await api<Simulation>(extPath(session.extension, '/simulate'), {
          method: 'POST',
          json: body,
        }),
      );
    } catch (caught) {
      setResult(null);
      if (caught instanceof ApiError) {
        const fromProblem = caught.problems.find((p) => p.path.replace(/^\W+/, '') === 'from');
        if (fromProblem !== undefined) setFieldError(fromProblem.message);
        else setError(caught.problems[0]?.message ?? caught.message);
      } else {
        setError(t('app.error.network'));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('tester.title')}</h1>
      <p className="muted">{t('tester.intro')}</p>
      <form className="card tester-form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="field grow">
          <label htmlFor={ids.from}>{t('tester.from')}</label>
          <input
            id={ids.from}
            name="from"
            type="text"
            inputMode="tel"
            autoComplete="off"
            required
            value={from}
            aria-invalid={fieldError !== undefined}
            aria-describedby={ids.fromHelp}
            onChange={(e) => setFrom(e.target.value)}
          />
          <p id={ids.fromHelp} className="hint">
            {t('tester.fromHelp')}
          </p>
          <FieldError message={fieldError} />
        </div>
        <div className="field">
          <label htmlFor={ids.date}>{t('tester.date')}</label>
          <input id={ids.date} type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.time}>{t('tester.time')}</label>
          <input id={ids.time} type="time" value={time} onChange={(e) => setTime(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.status}>{t('tester.status')}</label>
          <select
            id={ids.status}
            value={status}
            onChange={(e) => setStatus(e.target.value as Status | '')}
          >
            <option value="">{t('tester.statusCurrent')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.earlier}>{t('tester.earlier')}</label>
          <input
            id={ids.earlier}
            type="number"
            inputMode="numeric"
            min={0}
            max={20}
            value={earlier}
            aria-describedby={ids.earlierHelp}
            onChange={(e) => setEarlier(e.target.value)}
          />
          <p id={ids.earlierHelp} className="hint">
            {t('tester.earlierHelp')}
          </p>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('tester.submit')}
          </button>
        </div>
      </form>
      {error !== null && <Notice kind="error">{error}</Notice>}
      <div aria-live="polite">
        {result !== null && (
          <section className="card tester-result" aria-labelledby="tester-result-title">
            <h2 id="tester-result-title">{t('tester.result')}</h2>
            {result.fromName !== null && (
              <p data-testid="contact">{t('tester.contact', { name: result.fromName })}</p>
            )}
            <p className="sentence" data-testid="sentence">
              {result.sentence}
            </p>
            {result.exception === null && <p className="muted">{t('tester.noException')}</p>}
            <h3>{t('tester.plan')}</h3>
            <PlanSteps plan={result.plan} label={t('tester.plan')} />
          </section>
        )}
      </div>
    </section>
  );
}
