/** The language a request is answered in, and the API's words in it. */
import type { Language, Problem } from '../domain/types.js';
import { message } from '../i18n/index.js';

export function say(
  lang: Language,
  code: string,
  params: Record<string, string | number> = {},
): string {
  return message(lang, code, params);
}

/**
 * The contract's order: `?lang=`, then the logged-in user's language, then Accept-Language (the
 * first of fr and en it names, by its q order), then French.
 */
export function requestLanguage(
  query: string | undefined,
  userLanguage: Language | undefined,
  acceptLanguage: string | undefined,
): Language {
  if (query === 'fr' || query === 'en') return query;
  if (userLanguage !== undefined) return userLanguage;
  return fromAcceptLanguage(acceptLanguage) ?? 'fr';
}

function fromAcceptLanguage(header: string | undefined): Language | null {
  if (header === undefined) return null;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((item, order) => {
      const [tag = '', ...params] = item.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), order };
    })
    .filter((item) => item.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranked) {
    if (tag === 'fr' || tag.startsWith('fr-')) return 'fr';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return null;
}

/**
 * A form field's name for a problem's path ("callerId" → "Appels de l'ID d'appelant"). A rule's
 * own fields (`field.rule.*`, found by the directory's problems) come first: an exception's
 * `from` is "Du", the tester's is the caller.
 */
function fieldLabel(lang: Language, problem: Problem): string | null {
  const head = /^[A-Za-z]+/.exec(problem.path)?.[0];
  if (head === undefined) return null;
  const codes = problem.code.startsWith('directory.')
    ? [`field.rule.${head}`, `field.${head}`]
    : [`field.${head}`];
  for (const code of codes) {
    const label = message(lang, code);
    // `message` says an unknown code as it is.
    if (label !== code) return label;
  }
  return null;
}

/** "Appels de l'ID d'appelant : « 06*a » n'est pas un motif d'ID d'appelant." */
export function problemMessage(lang: Language, problem: Problem): string {
  const text = say(lang, problem.code, problem.params);
  // An unknown field's message names it already.
  const unnamed = problem.path === '' || problem.code === 'api.validation.unknown-field';
  const label = fieldLabel(lang, problem) ?? (unnamed ? null : problem.path);
  if (label === null) return text;
  return lang === 'fr' ? `${label} : ${text}` : `${label}: ${text}`;
}
