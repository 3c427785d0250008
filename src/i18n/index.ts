import type { Language, Problem } from '../domain/types.js';
import type { Catalog } from './catalog/catalog.js';
import { patterns } from './catalog/patterns.js';
import { directory } from './catalog/directory.js';
import { trace } from './catalog/trace.js';
import { check } from './catalog/check.js';
import { plan } from './catalog/plan.js';
import { api } from './catalog/api.js';
import { mail } from './catalog/mail.js';

const catalogs: Catalog[] = [patterns, directory, trace, check, plan, api, mail];

const merged: Record<Language, Record<string, string>> = { fr: {}, en: {} };
for (const catalog of catalogs) {
  Object.assign(merged.fr, catalog.fr);
  Object.assign(merged.en, catalog.en);
}

/** Fills `{name}` placeholders. An unknown code is shown as is, so nothing is ever silent. */
export function message(
  lang: Language,
  code: string,
  params: Record<string, string | number> = {},
): string {
  const template = merged[lang][code] ?? merged.en[code] ?? code;
  // `{name:prefix}` puts a coded value into words: the message `prefix.<value>`.
  return template.replace(/\{(\w+)(?::([\w.-]+))?\}/g, (whole, name: string, prefix?: string) => {
    if (!(name in params)) return whole;
    const value = String(params[name]);
    return prefix === undefined ? value : message(lang, `${prefix}.${value}`);
  });
}

/** "extensions[1].exceptions[0].callerId: "06*a" is not a pattern" */
export function describeProblem(lang: Language, problem: Problem): string {
  const text = message(lang, problem.code, problem.params);
  return problem.path ? `${problem.path}: ${text}` : text;
}

/** Every code known to one language and not the other: a test keeps this empty. */
export function missingTranslations(): string[] {
  const fr = Object.keys(merged.fr);
  const en = Object.keys(merged.en);
  return [...fr.filter((k) => !(k in merged.en)), ...en.filter((k) => !(k in merged.fr))];
}

/** The user's language from a locale string such as LANG=fr_FR.UTF-8. */
export function languageFromLocale(locale: string | undefined): Language {
  return locale?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}
