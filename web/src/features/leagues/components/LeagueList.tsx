import { Link } from 'react-router-dom';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useLeagues } from '../api/leagues';

/** The leagues whose name or slug contains `search`. */
export function LeagueList({ search }: { search: string }) {
  const { t, number } = useI18n();
  const q = useLeagues();
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorMessage error={q.error} />;
  const needle = search.trim().toLowerCase();
  const items = q.data.leagues.filter((l) => !needle || l.name.toLowerCase().includes(needle) || l.slug.includes(needle));
  if (items.length === 0) return <p className="muted">{t('home.none')}</p>;
  return (
    <ul className="card-list">
      {items.map((l) => (
        <li key={l.slug} className="card">
          <Link to={`/leagues/${encodeURIComponent(l.slug)}`}>{l.name}</Link>
          <span className="muted">
            {t(`system.${l.system}` as 'system.elo')} · {t('league.participants', { n: number(l.participants) })} ·{' '}
            {t('league.matches', { n: number(l.matches) })}
          </span>
        </li>
      ))}
    </ul>
  );
}
