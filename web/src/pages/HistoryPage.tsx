import { api, extPath } from '../api/client.js';
import { useLiveEvent } from '../api/events.js';
import type { CallRecord } from '../api/types.js';
import { LoadState } from '../components/LoadState.js';
import { PlanSteps } from '../components/PlanSteps.js';
import { formatDateTime } from '../components/formatting.js';
import { useAsync } from '../components/useAsync.js';
import { useI18n } from '../i18n/index.js';
import { useSession } from '../session.js';

/** "Historique des appels": each call with the decision that routed it, in words. */
export function HistoryPage() {
  const session = useSession();
  const { t, language } = useI18n();
  const [loaded, reload] = useAsync(
    () =>
      api<{ calls: CallRecord[] }>(extPath(session.extension, '/calls?limit=50')).then(
        (answer) => answer.calls,
      ),
    [session.extension, language],
  );
  useLiveEvent((event) => {
    if (event.type === 'voicemail' && event.extension === session.extension) reload();
  });

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('history.title')}</h1>
      <LoadState loaded={loaded} retry={reload}>
        {(calls) =>
          calls.length === 0 ? (
            <p className="empty">{t('history.empty')}</p>
          ) : (
            <ul className="call-list">
              {calls.map((call) => (
                <li key={call.id} className="card call">
                  <div className="message-head">
                    <strong>
                      {call.callerName !== null && call.callerName !== ''
                        ? `${call.callerName} (${call.callerDisplay})`
                        : call.callerDisplay}
                    </strong>
                    <span className="badge">
                      {call.exception === null
                        ? t('history.noException')
                        : t('history.exception', { n: call.exception + 1 })}
                    </span>
                    <span className="muted">
                      {formatDateTime(call.startedAt, language)} ·{' '}
                      {t(`history.outcome.${call.outcome ?? 'ongoing'}`)}
                    </span>
                  </div>
                  <p className="sentence">{call.sentence}</p>
                  <details>
                    <summary>{t('tester.plan')}</summary>
                    <PlanSteps plan={call.plan} label={t('tester.plan')} />
                  </details>
                </li>
              ))}
            </ul>
          )
        }
      </LoadState>
    </section>
  );
}
