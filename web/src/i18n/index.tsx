import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { setApiLanguage } from '../api/client.js';
import type { Language } from '../api/types.js';
import { en } from './en.js';
import { fr } from './fr.js';
import type { MessageKey, Messages } from './fr.js';

export type { MessageKey } from './fr.js';

const CATALOGS: Record<Language, Messages> = { fr, en };
const STORAGE_KEY = 'renvoi.language';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

/** The language the user chose on this browser, if they ever did. */
function chosenLanguage(): Language | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'fr' || stored === 'en') return stored;
  } catch {
    // Storage refused (private mode): nothing was remembered.
  }
  return null;
}

/** The first of the browser's preferred languages that the client speaks (fr-CA is French). */
function browserLanguage(): Language | null {
  const preferred = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'fr' || primary === 'en') return primary;
  }
  return null;
}

/** The user's choice; until they make one, the browser's language; French, the default, last. */
function initialLanguage(): Language {
  const language = chosenLanguage() ?? browserLanguage() ?? 'fr';
  setApiLanguage(language);
  return language;
}

export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);

  const setLanguage = useCallback((next: Language) => {
    setApiLanguage(next);
    setLanguageState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered across visits, but applied now.
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const value = useMemo<I18n>(() => {
    const catalog = CATALOGS[language];
    return { language, setLanguage, t: (key, values) => format(catalog[key], values) };
  }, [language, setLanguage]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (context === null) throw new Error('useI18n outside I18nProvider');
  return context;
}
