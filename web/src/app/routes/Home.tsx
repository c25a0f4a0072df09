import { useState } from 'react';
import { LeaderboardList } from '@/features/leaderboards';
import { LeagueList } from '@/features/leagues';
import { useI18n } from '@/lib/i18n';

export function Home() {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  return (
    <div className="stack">
      <h1>{t('home.title')}</h1>
      <div role="search">
        <label htmlFor="search">{t('home.search')}</label>
        <input id="search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t('home.search_placeholder')} />
      </div>
      <div className="grid-2">
        <section aria-labelledby="boards-title">
          <h2 id="boards-title">{t('home.leaderboards')}</h2>
          <LeaderboardList search={search} />
        </section>
        <section aria-labelledby="leagues-title">
          <h2 id="leagues-title">{t('home.leagues')}</h2>
          <LeagueList search={search} />
        </section>
      </div>
    </div>
  );
}
