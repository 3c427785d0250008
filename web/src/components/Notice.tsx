import type { ReactNode } from 'react';
import type { Problem } from '../api/types.js';

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

/** The outcome of a save or an import, with every problem the server named and its path. */
export function ProblemsNotice({
  message,
  problems,
}: {
  message: { kind: 'error' | 'success'; text: string } | null;
  problems: readonly Problem[];
}) {
  if (message === null) return null;
  return (
    <Notice kind={message.kind}>
      {message.text}
      {problems.length > 0 && (
        <ul className="problems">
          {problems.map((p, i) => (
            <li key={i}>
              <code>{p.path}</code> : {p.message}
            </li>
          ))}
        </ul>
      )}
    </Notice>
  );
}
