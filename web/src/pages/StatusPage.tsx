import { useEffect, useId, useState } from 'react';
import { ApiError, api, extPath } from '../api/client.js';
import { useLiveEvent } from '../api/events.js';
import { FORWARDING_KEYS, STATUSES } from '../api/types.js';
import type { ExtensionInfo, Forwarding, ForwardingKey, Status, Targets } from '../api/types.js';
import { ActionFields } from '../components/ActionFields.js';
import { actionFromDraft, draftFromAction } from '../components/actionDraft.js';
import type { ActionDraft } from '../components/actionDraft.js';
import { LoadState } from '../components/LoadState.js';
import { Notice } from '../components/Notice.js';
import { splitProblems } from '../components/problems.js';
import { useAsync } from '../components/useAsync.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/index.js';
import { useSession } from '../session.js';

interface Data {
  extension: ExtensionInfo;
  targets: Targets;
}

const FORWARDING_LABELS: Record<ForwardingKey, MessageKey> = {
  noAnswer: 'statusPage.noAnswer',
  busy: 'statusPage.busy',
  away: 'statusPage.away',
  dnd: 'statusPage.dnd',
  lunch: 'statusPage.lunch',
  businessTrip: 'statusPage.businessTrip',
};

/** "Statut": the user's status, their mobile number, and where calls go per status. */
export function StatusPage() {
  const session = useSession();
  const { t, language } = useI18n();
  const [loaded, reload, replace] = useAsync<Data>(async () => {
    const [extension, targets] = await Promise.all([
      api<ExtensionInfo>(extPath(session.extension)),
      api<Targets>(extPath(session.extension, '/targets')),
    ]);
    return { extension, targets };
  }, [session.extension, language]);

  useLiveEvent((event) => {
    if (event.type === 'status' && event.extension === session.extension) reload();
  });

  // A status chosen until a time ends by itself: shown again then (within a day; later, a reload).
  const until = loaded.state === 'ready' ? loaded.value.extension.effectiveStatus.until : null;
  useEffect(() => {
    if (until === null) return;
    const wait = Date.parse(until) - Date.now() + 1000;
    if (wait > 86_400_000) return;
    const timer = window.setTimeout(reload, Math.max(wait, 0));
    return () => window.clearTimeout(timer);
  }, [until, reload]);

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('statusPage.title')}</h1>
      <LoadState loaded={loaded} retry={reload}>
        {(data) => (
          <>
            <StatusChooser
              extension={data.extension}
              onChanged={(extension) => replace({ ...data, extension })}
            />
            <MobileField
              extension={data.extension}
              onChanged={(extension) => replace({ ...data, extension })}
            />
            <ForwardingForm
              key={JSON.stringify(data.extension.forwarding)}
              data={data}
              onChanged={(extension) => replace({ ...data, extension })}
            />
          </>
        )}
      </LoadState>
    </section>
  );
}

interface Part {
  extension: ExtensionInfo;
  onChanged: (extension: ExtensionInfo) => void;
}

/** How long a chosen status lasts: for good, a while, or until a time today (or tomorrow). */
const DURATIONS = ['', '30', '60', '120', 'at'] as const;
type Duration = (typeof DURATIONS)[number];

/**
 * The next time the user's clock shows `time` (today, or tomorrow if passed), as an absolute
 * instant: the user means their own clock.
 */
function nextTime(time: string, now = new Date()): string {
  const [h = 0, m = 0] = time.split(':').map(Number);
  const at = new Date(now);
  at.setHours(h, m, 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at.toISOString();
}

function StatusChooser({ extension, onChanged }: Part) {
  const { t, language } = useI18n();
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  // The choice shows at once; a refusal from the server puts the saved status back.
  const effective = extension.effectiveStatus;
  const [selected, setSelected] = useState<Status>(effective.status);
  const [duration, setDuration] = useState<Duration>('');
  const [untilTime, setUntilTime] = useState('14:00');
  const name = useId();
  const durationId = useId();
  const untilId = useId();
  const stateId = useId();

  useEffect(() => setSelected(effective.status), [effective.status]);

  const choose = async (status: Status) => {
    setSelected(status);
    const body: { status: Status; minutes?: number; until?: string } = { status };
    if (duration === 'at') body.until = nextTime(untilTime);
    else if (duration !== '') body.minutes = Number(duration);
    try {
      const updated = await api<ExtensionInfo>(extPath(extension.number, '/status'), {
        method: 'PUT',
        json: body,
      });
      onChanged(updated);
      setMessage({
        kind: 'success',
        text: t('statusPage.changed', { status: t(`status.${status}`) }),
      });
    } catch (caught) {
      setSelected(effective.status);
      setMessage({
        kind: 'error',
        text: caught instanceof ApiError ? caught.message : t('app.error.network'),
      });
    }
  };

  const untilText =
    effective.until === null
      ? ''
      : new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
          weekday: 'long',
          hour: '2-digit',
          minute: '2-digit',
        }).format(new Date(effective.until));
  const state =
    effective.source === 'until'
      ? t('statusPage.until', {
          status: t(`status.${effective.status}`),
          until: untilText,
          after: t(`status.${extension.status}`),
        })
      : effective.source === 'schedule'
        ? t('statusPage.scheduled', { status: t(`status.${effective.status}`) })
        : null;

  return (
    <fieldset
      className="card status-chooser"
      aria-describedby={state === null ? undefined : stateId}
    >
      <legend>{t('statusPage.current')}</legend>
      {state !== null && (
        <p id={stateId} className="status-state" data-testid="status-state">
          {state}
        </p>
      )}
      <div className="status-duration">
        <div className="field">
          <label htmlFor={durationId}>{t('statusPage.duration')}</label>
          <select
            id={durationId}
            value={duration}
            onChange={(e) => setDuration(e.target.value as Duration)}
          >
            {DURATIONS.map((d) => (
              <option key={d} value={d}>
                {t(`statusPage.duration.${d === '' ? 'always' : d}`)}
              </option>
            ))}
          </select>
        </div>
        {duration === 'at' && (
          <div className="field">
            <label htmlFor={untilId}>{t('statusPage.untilTime')}</label>
            <input
              id={untilId}
              type="time"
              value={untilTime}
              onChange={(e) => setUntilTime(e.target.value)}
            />
          </div>
        )}
      </div>
      <div className="status-options">
        {STATUSES.map((status) => (
          <label key={status} className={`status-option status-${status}`}>
            <input
              type="radio"
              name={name}
              value={status}
              checked={selected === status}
              onChange={() => void choose(status)}
            />
            <span className="status-dot" aria-hidden="true" />
            {t(`status.${status}`)}
          </label>
        ))}
      </div>
      {extension.statusSchedule.length > 0 && (
        <div className="status-schedule">
          <h3>{t('statusPage.schedule')}</h3>
          <ul>
            {extension.statusSchedule.map((entry, i) => (
              <li key={i}>
                {t(`status.${entry.status}`)} : {t(`form.hours.${entry.hours}`)}
                {entry.periods.length > 0 &&
                  ` (${entry.periods
                    .map((p) => `${p.days.map((d) => t(`day.${d}`)).join(', ')} ${p.from}–${p.to}`)
                    .join(' ; ')})`}
              </li>
            ))}
          </ul>
        </div>
      )}
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
    </fieldset>
  );
}

function MobileField({ extension, onChanged }: Part) {
  const { t } = useI18n();
  const [mobile, setMobile] = useState(extension.mobile ?? '');
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const id = useId();
  const hintId = useId();

  const save = async () => {
    try {
      const updated = await api<ExtensionInfo>(extPath(extension.number, '/profile'), {
        method: 'PUT',
        json: { mobile: mobile.trim() },
      });
      onChanged(updated);
      setMessage({ kind: 'success', text: t('statusPage.profileSaved') });
    } catch (caught) {
      setMessage({
        kind: 'error',
        text:
          caught instanceof ApiError
            ? (caught.problems[0]?.message ?? caught.message)
            : t('app.error.network'),
      });
    }
  };

  return (
    <form
      className="card inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="field">
        <label htmlFor={id}>{t('statusPage.mobile')}</label>
        <input
          id={id}
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          value={mobile}
          aria-describedby={hintId}
          aria-invalid={message?.kind === 'error'}
          onChange={(e) => setMobile(e.target.value)}
        />
        <p id={hintId} className="hint">
          {t('statusPage.mobileHint')}
        </p>
      </div>
      <button type="submit">{t('admin.save')}</button>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
    </form>
  );
}

function ForwardingForm({ data, onChanged }: { data: Data; onChanged: Part['onChanged'] }) {
  const { t } = useI18n();
  const session = useSession();
  const [drafts, setDrafts] = useState<Record<ForwardingKey, ActionDraft>>(() => {
    const entries = FORWARDING_KEYS.map((key) => [
      key,
      draftFromAction(data.extension.forwarding[key]),
    ]);
    return Object.fromEntries(entries) as Record<ForwardingKey, ActionDraft>;
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);

  const save = async () => {
    const forwarding = Object.fromEntries(
      FORWARDING_KEYS.map((key) => [key, actionFromDraft(drafts[key])]),
    ) as Forwarding;
    setErrors({});
    try {
      const updated = await api<ExtensionInfo>(extPath(session.extension, '/forwarding'), {
        method: 'PUT',
        json: forwarding,
      });
      onChanged(updated);
      setMessage({ kind: 'success', text: t('statusPage.saved') });
    } catch (caught) {
      if (caught instanceof ApiError) {
        const { byField, other } = splitProblems(caught.problems, (f) =>
          FORWARDING_KEYS.some((key) => f === key || f.startsWith(`${key}.`)),
        );
        setErrors(byField);
        setMessage({ kind: 'error', text: [caught.message, ...other].join(' ') });
      } else {
        setMessage({ kind: 'error', text: t('app.error.network') });
      }
    }
  };

  /** ActionFields reads "action…" keys: the problems of one status, renamed. */
  const errorsOf = (key: ForwardingKey): Record<string, string> =>
    Object.fromEntries(
      Object.entries(errors)
        .filter(([field]) => field === key || field.startsWith(`${key}.`))
        .map(([field, text]) => [`action${field.slice(key.length)}`, text]),
    );

  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2>{t('statusPage.forwarding')}</h2>
      <p className="muted">{t('statusPage.forwardingIntro')}</p>
      <div className="forwarding-grid">
        {FORWARDING_KEYS.map((key) => (
          <ActionFields
            key={key}
            label={t(FORWARDING_LABELS[key], { seconds: data.extension.ringTimeout })}
            draft={drafts[key]}
            onChange={(draft) => setDrafts({ ...drafts, [key]: draft })}
            targets={data.targets}
            hasMobile={data.extension.hasMobile}
            errors={errorsOf(key)}
            ownExtension={session.extension}
          />
        ))}
      </div>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      <div className="actions">
        <button type="submit" className="primary">
          {t('form.save')}
        </button>
      </div>
    </form>
  );
}
