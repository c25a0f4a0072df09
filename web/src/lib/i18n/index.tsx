//! Text and formatting: one catalogue per language (en is the source of truth; every other
//! catalogue must hold the same keys, which the type checker enforces), and Intl-based
//! number/date formatting in the chosen locale.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en';
import { ptBR } from './pt-BR';
import { load, save } from '../storage';

export type { MessageKey };
export const catalogues = { en, 'pt-BR': ptBR } as const;
export type Locale = keyof typeof catalogues;
export const locales = Object.keys(catalogues) as Locale[];

export type Vars = Record<string, string | number>;

export function translate(locale: Locale, key: MessageKey, vars?: Vars): string {
  const template: string = catalogues[locale][key] ?? en[key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function detectLocale(): Locale {
  const saved = load<string | null>('podium.locale', null);
  if (saved && (locales as string[]).includes(saved)) return saved as Locale;
  const nav = typeof navigator !== 'undefined' ? navigator.language : 'en';
  return nav.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
}

export interface I18n {
  locale: Locale;
  setLocale: (l: Locale) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  number: (n: number, opts?: Intl.NumberFormatOptions) => string;
  percent: (n: number) => string;
  dateTime: (iso: string) => string;
  date: (iso: string) => string;
  relative: (iso: string, now?: number) => string;
}

export function makeI18n(locale: Locale, setLocale: (l: Locale) => void = () => {}): I18n {
  const dt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const d = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  return {
    locale,
    setLocale,
    t: (key, vars) => translate(locale, key, vars),
    number: (n, opts) => new Intl.NumberFormat(locale, opts).format(n),
    percent: (n) => pct.format(n),
    dateTime: (iso) => dt.format(new Date(iso)),
    date: (iso) => d.format(new Date(iso)),
    relative: (iso, now = Date.now()) => {
      const secs = Math.round((new Date(iso).getTime() - now) / 1000);
      const abs = Math.abs(secs);
      if (abs < 60) return rel.format(secs, 'second');
      if (abs < 3600) return rel.format(Math.round(secs / 60), 'minute');
      if (abs < 86400) return rel.format(Math.round(secs / 3600), 'hour');
      return rel.format(Math.round(secs / 86400), 'day');
    },
  };
}

const I18nContext = createContext<I18n>(makeI18n('en'));

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(() => initial ?? detectLocale());
  const setLocale = useCallback((l: Locale) => {
    save('podium.locale', l);
    document.documentElement.lang = l;
    setLocaleState(l);
  }, []);
  const value = useMemo(() => makeI18n(locale, setLocale), [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export const useI18n = () => useContext(I18nContext);
