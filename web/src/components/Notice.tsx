import type { ReactNode } from 'react';

interface Props {
  kind: 'error' | 'success' | 'info';
  children: ReactNode;
}

/** A message screen readers announce: errors at once (alert), the others politely (status). */
export function Notice({ kind, children }: Props) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
