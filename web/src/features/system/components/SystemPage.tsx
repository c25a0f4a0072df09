import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useReadiness, useVersion } from '../api/system';

export function SystemPage() {
  const { t, number, dateTime } = useI18n();
  const v = useVersion();
  const r = useReadiness();
  const yes = (b: boolean | undefined) => (b ? `✓ ${t('common.yes')}` : `✗ ${t('common.no')}`);
  return (
    <section className="stack">
      <h1>{t('admin.system')}</h1>
      {v.isPending ? <Loading /> : v.isError ? <ErrorMessage error={v.error} /> : (
        <dl className="stats">
          <div><dt>{t('system.version')}</dt><dd data-testid="version">{v.data.version}</dd></div>
          {v.data.git_commit && <div><dt>{t('system.commit')}</dt><dd><code>{v.data.git_commit.slice(0, 12)}</code></dd></div>}
          {v.data.build_time && <div><dt>{t('system.built')}</dt><dd>{v.data.build_time}</dd></div>}
        </dl>
      )}
      <h2>{t('system.readiness')}</h2>
      {r.isPending ? <Loading /> : r.isError ? <ErrorMessage error={r.error} /> : (
        <dl className="stats">
          <div><dt>{t('system.ready')}</dt><dd className={r.data.ready ? 'ok' : 'bad'}>{yes(r.data.ready)}</dd></div>
          <div><dt>{t('system.database')}</dt><dd>{yes(r.data.database)}</dd></div>
          <div><dt>{t('system.migrations')}</dt><dd>{yes(r.data.migrations)}</dd></div>
          <div><dt>{t('system.index_warm')}</dt><dd>{yes(r.data.index_warm)}</dd></div>
          <div><dt>{t('system.indexed_entries')}</dt><dd>{r.data.indexed_entries == null ? '–' : number(r.data.indexed_entries)}</dd></div>
          <div><dt>{t('system.last_backup')}</dt><dd>{r.data.last_backup_at ? dateTime(r.data.last_backup_at) : t('system.unknown')}</dd></div>
        </dl>
      )}
    </section>
  );
}
