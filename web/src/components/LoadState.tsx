import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.js';
import type { Loaded } from './useAsync.js';
import { Notice } from './Notice.js';

interface Props<T> {
  loaded: Loaded<T>;
  retry: () => void;
  children: (value: T) => ReactNode;
}

export function LoadState<T>({ loaded, retry, children }: Props<T>) {
  const { t } = useI18n();
  if (loaded.state === 'loading') return <p aria-busy="true">{t('app.loading')}</p>;
  if (loaded.state === 'error') {
    return (
      <Notice kind="error">
        {t('error.generic', { message: loaded.error.message })}{' '}
        <button type="button" onClick={retry}>
          {t('app.retry')}
        </button>
      </Notice>
    );
  }
  return <>{children(loaded.value)}</>;
}
