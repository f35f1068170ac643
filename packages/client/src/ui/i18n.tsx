import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, fr, type MessageKey } from './messages.ts';

export type Lang = 'en' | 'fr';
const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, fr };
const STORAGE_KEY = 'amphi.lang';

/** The browser's language by default, the user's choice once they switch. */
export function detectLang(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'fr') return stored;
  for (const l of navigator.languages ?? [navigator.language]) {
    if (l.toLowerCase().startsWith('fr')) return 'fr';
    if (l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

export function translate(lang: Lang, key: string, values?: Record<string, string | number>): string {
  const dict = DICTIONARIES[lang] as Record<string, string>;
  const text = dict[key] ?? (key.startsWith('error.') ? dict['error.generic'] : undefined) ?? key;
  return values ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? '')) : text;
}

type T = (key: MessageKey | string, values?: Record<string, string | number>) => string;
const I18n = createContext<{ lang: Lang; setLang: (l: Lang) => void; t: T } | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(detectLang);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(STORAGE_KEY, l);
    setLangState(l);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo(() => ({ lang, setLang, t: ((key, values) => translate(lang, key, values)) as T }), [lang, setLang]);
  return <I18n.Provider value={value}>{children}</I18n.Provider>;
}

export function useI18n() {
  const ctx = useContext(I18n);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

/** A button that switches between French and English. */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  const other: Lang = lang === 'en' ? 'fr' : 'en';
  return (
    <button type="button" className="link-button" lang={other} aria-label={`${t('lang.label')}: ${t('lang.switchTo')}`} onClick={() => setLang(other)}>
      {t('lang.switchTo')}
    </button>
  );
}
