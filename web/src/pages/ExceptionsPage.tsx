import { useEffect, useId, useRef, useState } from 'react';
import type { DragEvent, KeyboardEvent } from 'react';
import { ApiError, api, extPath } from '../api/client.js';
import type { ExceptionBody, ExceptionItem, ExceptionList } from '../api/types.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { LoadState } from '../components/LoadState.js';
import { Notice } from '../components/Notice.js';
import { useAsync } from '../components/useAsync.js';
import { useLiveEvent } from '../api/events.js';
import { useParsedCallerIds } from '../components/useParsedCallerIds.js';
import { useI18n } from '../i18n/index.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';

/** The "Exceptions" section: the ordered list, its + button, switches, reordering and deletion. */
export function ExceptionsPage() {
  const session = useSession();
  const { t, language } = useI18n();
  const [loaded, reload, replace] = useAsync(
    () => api<ExceptionList>(extPath(session.extension, '/exceptions')),
    [session.extension, language],
  );
  useLiveEvent((event) => {
    if (event.type === 'directory') reload();
  });

  return (
    <section className="page">
      <h1 tabIndex={-1}>{t('exceptions.title')}</h1>
      <p className="muted">{t('exceptions.intro')}</p>
      <LoadState loaded={loaded} retry={reload}>
        {(list) => <ExceptionListView list={list} reload={reload} replace={replace} />}
      </LoadState>
    </section>
  );
}

interface ViewProps {
  list: ExceptionList;
  reload: () => void;
  replace: (list: ExceptionList) => void;
}

function bodyOf(item: ExceptionItem): ExceptionBody {
  return {
    callerId: item.callerId,
    hours: item.hours,
    periods: item.periods,
    statuses: item.statuses,
    enabled: item.enabled,
    from: item.from,
    until: item.until,
    repeat: item.repeat,
    action: item.action,
  };
}

/**
 * Keys that survive a reorder or a switch (indexes and `enabled` change then), so React keeps
 * each row's element and the keyboard focus stays on the exception that was moved.
 */
function stableKeys(items: readonly ExceptionItem[]): string[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const base = JSON.stringify([
      item.callerId,
      item.hours,
      item.periods,
      item.statuses,
      item.action,
    ]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return `${base}#${count}`;
  });
}

function ExceptionListView({ list, reload, replace }: ViewProps) {
  const session = useSession();
  const { t, language } = useI18n();
  const [announcement, setAnnouncement] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ExceptionItem | null>(null);
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const [dropAt, setDropAt] = useState<number | null>(null);
  const [focusAfterMove, setFocusAfterMove] = useState<{
    position: number;
    control: string;
  } | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  // Indexes change with each reorder: the next move waits for the server's new list.
  const moving = useRef(false);
  const limitId = useId();
  const helpId = useId();
  const parsed = useParsedCallerIds(
    list.exceptions.map((e) => e.callerId),
    language,
  );

  const items = list.exceptions;
  const full = items.length >= list.max;
  const keys = stableKeys(items);

  useEffect(() => {
    if (focusAfterMove === null) return;
    const row = listRef.current?.children[focusAfterMove.position];
    const control =
      row?.querySelector<HTMLElement>(
        `[data-control="${focusAfterMove.control}"]:not(:disabled)`,
      ) ?? row?.querySelector<HTMLElement>('[data-control="handle"]');
    control?.focus();
    setFocusAfterMove(null);
  }, [focusAfterMove, list]);

  const failed = (caught: unknown) => {
    setError(caught instanceof ApiError ? caught.message : t('app.error.network'));
    reload();
  };

  const move = async (from: number, to: number, control: string) => {
    if (moving.current || from === to || to < 0 || to >= items.length) return;
    const order = items.map((item) => item.index);
    const [moved] = order.splice(from, 1);
    if (moved === undefined) return;
    order.splice(to, 0, moved);
    const item = items[from];
    // Shown at once; the server's answer (new indexes and warnings) replaces it.
    const optimistic = order
      .map((i) => items.find((e) => e.index === i))
      .filter((e): e is ExceptionItem => e !== undefined);
    replace({ ...list, exceptions: optimistic });
    setFocusAfterMove({ position: to, control });
    setError(null);
    moving.current = true;
    try {
      const answer = await api<ExceptionList>(extPath(session.extension, '/exceptions-order'), {
        method: 'PUT',
        json: { order },
      });
      replace(answer);
      setAnnouncement(
        t('exceptions.moved', {
          callerId: item?.callerId ?? '',
          n: to + 1,
          total: items.length,
        }),
      );
    } catch (caught) {
      failed(caught);
    } finally {
      moving.current = false;
    }
  };

  const toggle = async (item: ExceptionItem) => {
    setError(null);
    // The switch moves at once; the reload brings the warnings that depend on it.
    replace({
      ...list,
      exceptions: items.map((e) => (e === item ? { ...e, enabled: !e.enabled } : e)),
    });
    try {
      await api(extPath(session.extension, `/exceptions/${item.index}`), {
        method: 'PUT',
        json: { ...bodyOf(item), enabled: !item.enabled },
      });
      reload();
    } catch (caught) {
      failed(caught);
    }
  };

  const remove = async (item: ExceptionItem) => {
    setDeleting(null);
    setError(null);
    try {
      await api(extPath(session.extension, `/exceptions/${item.index}`), { method: 'DELETE' });
      setAnnouncement(t('exceptions.deleted'));
      reload();
      window.setTimeout(() => document.querySelector<HTMLElement>('.add-button')?.focus(), 0);
    } catch (caught) {
      failed(caught);
    }
  };

  const onKeyDown = (event: KeyboardEvent, position: number) => {
    if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    event.preventDefault();
    const up = event.key === 'ArrowUp';
    void move(position, position + (up ? -1 : 1), up ? 'up' : 'down');
  };

  const onDrop = (event: DragEvent, position: number) => {
    event.preventDefault();
    if (dragFrom !== null) void move(dragFrom, position, 'handle');
    setDragFrom(null);
    setDropAt(null);
  };

  return (
    <>
      <div className="toolbar">
        <button
          type="button"
          className="add-button primary"
          aria-label={t('exceptions.add')}
          title={t('exceptions.add')}
          disabled={full}
          aria-describedby={full ? limitId : undefined}
          onClick={() => navigate('/exceptions/new')}
        >
          <span aria-hidden="true">+</span>
        </button>
        <span className="muted">
          {t('exceptions.count', { count: items.length, max: list.max })}
        </span>
      </div>
      {full && (
        <p id={limitId} className="notice notice-info">
          {t('exceptions.limit', { max: list.max })}
        </p>
      )}
      {error !== null && <Notice kind="error">{error}</Notice>}
      <div className="visually-hidden" aria-live="polite" role="status">
        {announcement}
      </div>
      {items.length === 0 ? (
        <p className="empty">{t('exceptions.empty')}</p>
      ) : (
        <>
          <p id={helpId} className="hint">
            {t('exceptions.reorderHelp')}
          </p>
          <ol className="exception-list" ref={listRef} aria-describedby={helpId}>
            {items.map((item, position) => {
              const n = position + 1;
              const patterns = parsed.get(item.callerId)?.patterns;
              const warningId = `warnings-${position}`;
              return (
                <li
                  key={keys[position]}
                  className={[
                    'exception',
                    item.enabled ? '' : 'disabled',
                    item.validity === 'expired' ? 'expired' : '',
                    item.warnings.length > 0 ? 'has-warnings' : '',
                    dragFrom === position ? 'dragging' : '',
                    dropAt === position && dragFrom !== position ? 'drop-target' : '',
                  ]
                    .filter(Boolean)
                    .join(' ')}
                  onKeyDown={(e) => onKeyDown(e, position)}
                  onDragOver={(e) => {
                    if (dragFrom === null) return;
                    e.preventDefault();
                    e.dataTransfer.dropEffect = 'move';
                    setDropAt(position);
                  }}
                  onDrop={(e) => onDrop(e, position)}
                  aria-describedby={item.warnings.length > 0 ? warningId : undefined}
                  data-testid="exception"
                >
                  <div
                    className="drag-handle"
                    draggable
                    tabIndex={0}
                    role="button"
                    data-control="handle"
                    aria-label={t('exceptions.dragHandle', { n })}
                    title={t('exceptions.dragHandle', { n })}
                    onDragStart={(e) => {
                      setDragFrom(position);
                      e.dataTransfer.effectAllowed = 'move';
                      e.dataTransfer.setData('text/plain', String(position));
                    }}
                    onDragEnd={() => {
                      setDragFrom(null);
                      setDropAt(null);
                    }}
                  >
                    <span aria-hidden="true">⋮⋮</span>
                    <span className="position">{n}</span>
                  </div>
                  <div className="exception-body">
                    <h2 className="exception-title">
                      <span className="visually-hidden">{t('exceptions.position', { n })} : </span>
                      <span className="chips">
                        {(patterns ?? [{ text: item.callerId, description: '' }]).map((p, i) => (
                          <span key={i} className="chip" title={p.description}>
                            {p.text}
                          </span>
                        ))}
                      </span>
                      {!item.enabled && <span className="badge">{t('exceptions.off')}</span>}
                      {item.validity !== 'valid' && (
                        <span className={`badge ${item.validity}`}>
                          {t(`exceptions.validity.${item.validity}`)}
                        </span>
                      )}
                    </h2>
                    <p className="summary">
                      <span className="summary-callers">{item.summary.callerId}</span>
                      {' · '}
                      <span className="summary-hours">{item.summary.hours}</span>
                    </p>
                    <p className="summary-action">
                      <span aria-hidden="true">→ </span>
                      <span className="visually-hidden">{t('exceptions.action')} : </span>
                      {item.summary.action}
                    </p>
                    {item.warnings.length > 0 && (
                      <ul className="warnings" id={warningId} aria-label={t('exceptions.warnings')}>
                        {item.warnings.map((w, i) => (
                          <li key={i} data-code={w.code}>
                            <span aria-hidden="true">⚠ </span>
                            {w.message}
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                  <div className="exception-controls">
                    <label className="switch">
                      <input
                        type="checkbox"
                        role="switch"
                        checked={item.enabled}
                        aria-label={t('exceptions.enabledLabel', { n })}
                        onChange={() => void toggle(item)}
                      />
                      <span className="switch-track" aria-hidden="true" />
                      <span className="switch-text" aria-hidden="true">
                        {t('exceptions.enabled')}
                      </span>
                    </label>
                    <div className="button-row">
                      <button
                        type="button"
                        className="icon-button"
                        data-control="up"
                        disabled={position === 0}
                        aria-label={t('exceptions.moveUpLabel', { n })}
                        title={t('exceptions.moveUp')}
                        onClick={() => void move(position, position - 1, 'up')}
                      >
                        <span aria-hidden="true">↑</span>
                      </button>
                      <button
                        type="button"
                        className="icon-button"
                        data-control="down"
                        disabled={position === items.length - 1}
                        aria-label={t('exceptions.moveDownLabel', { n })}
                        title={t('exceptions.moveDown')}
                        onClick={() => void move(position, position + 1, 'down')}
                      >
                        <span aria-hidden="true">↓</span>
                      </button>
                      <a
                        className="button"
                        href={`#/exceptions/${item.index}/edit`}
                        aria-label={t('exceptions.editLabel', { n })}
                      >
                        {t('exceptions.edit')}
                      </a>
                      <button
                        type="button"
                        className="danger-outline"
                        aria-label={t('exceptions.deleteLabel', { n })}
                        onClick={() => setDeleting(item)}
                      >
                        {t('exceptions.delete')}
                      </button>
                    </div>
                  </div>
                </li>
              );
            })}
          </ol>
        </>
      )}
      {deleting !== null && (
        <ConfirmDialog
          title={t('exceptions.confirmTitle')}
          text={t('exceptions.confirmText', {
            callerId: deleting.callerId,
            action: deleting.summary.action,
          })}
          confirmLabel={t('exceptions.confirm')}
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </>
  );
}
