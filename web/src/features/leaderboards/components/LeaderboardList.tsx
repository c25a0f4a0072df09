import { Link } from 'react-router-dom';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useLeaderboards } from '../api/leaderboards';
import { resetLabel } from '../lib/reset';

/** The leaderboards whose name or slug contains `search` (case-insensitive). */
export function LeaderboardList({ search }: { search: string }) {
  const { t, number } = useI18n();
  const q = useLeaderboards();
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorMessage error={q.error} />;
  const needle = search.trim().toLowerCase();
  const items = q.data.leaderboards.filter(
    (b) => !needle || b.name.toLowerCase().includes(needle) || b.slug.includes(needle),
  );
  if (items.length === 0) return <p className="muted">{t('home.none')}</p>;
  return (
    <ul className="card-list">
      {items.map((b) => (
        <li key={b.slug} className="card">
          <Link to={`/leaderboards/${encodeURIComponent(b.slug)}`}>{b.name}</Link>
          <span className="muted">
            {t('leaderboard.entries', { n: number(b.entries) })} · {resetLabel(t, b.reset)}
          </span>
        </li>
      ))}
    </ul>
  );
}
