import { Link } from 'react-router-dom';
import { useI18n } from '@/lib/i18n';
import { CsvImport } from './CsvImport';
import { MatchesAdmin } from './MatchesAdmin';
import { Recompute } from './Recompute';

export function LeagueAdminPage({ slug }: { slug: string }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <h1>
        {t('admin.league_title', { slug })}{' '}
        <Link className="small" to={`/leagues/${encodeURIComponent(slug)}`}>{t('admin.view_public')}</Link>
      </h1>
      <CsvImport slug={slug} />
      <Recompute slug={slug} />
      <MatchesAdmin slug={slug} />
    </div>
  );
}
