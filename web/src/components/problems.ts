import type { Problem } from '../api/types.js';

/** "/action/target", "body.action.target" and "action.target" all name the field "action.target". */
export function fieldOf(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^body\./, '');
}

/**
 * Problems of a 400 answer split into those a form shows beside a field it knows and the rest,
 * shown at the top so none is lost.
 */
export function splitProblems(
  problems: readonly Problem[],
  known: (field: string) => boolean,
): { byField: Record<string, string>; other: string[] } {
  const byField: Record<string, string> = {};
  const other: string[] = [];
  for (const problem of problems) {
    const field = fieldOf(problem.path);
    if (known(field)) byField[field] = byField[field] ?? problem.message;
    else other.push(problem.message);
  }
  return { byField, other };
}
