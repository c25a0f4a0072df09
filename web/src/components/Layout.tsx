//! The page frame: skip link, header with navigation, theme and language pickers, main region.
import type { ReactNode } from 'react';
import { Link, NavLink } from 'react-router-dom';
import { useI18n, locales, type Locale } from '@/lib/i18n';
import { useTheme, type ThemeChoice } from '@/lib/theme';

export function Layout({ children, userSlot }: { children: ReactNode; userSlot?: ReactNode }) {
  const { t, locale, setLocale } = useI18n();
  const { theme, setTheme } = useTheme();
  return (
    <>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" /> Podium
        </Link>
        <nav aria-label={t('nav.label')}>
          <NavLink to="/" end>
            {t('nav.home')}
          </NavLink>
          <NavLink to="/admin">{t('nav.admin')}</NavLink>
        </nav>
        <div className="header-tools">
          <label>
            <span className="visually-hidden">{t('theme.label')}</span>
            <select value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
              <option value="system">{t('theme.system')}</option>
              <option value="light">{t('theme.light')}</option>
              <option value="dark">{t('theme.dark')}</option>
            </select>
          </label>
          <label>
            <span className="visually-hidden">{t('language.label')}</span>
            <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
              {locales.map((l) => (
                <option key={l} value={l}>
                  {t(`language.${l}` as 'language.en')}
                </option>
              ))}
            </select>
          </label>
          {userSlot}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
