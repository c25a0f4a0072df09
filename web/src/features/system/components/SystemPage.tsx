import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useSystem } from '../api/system';
import { formatBytes } from '../lib/bytes';

/** The message naming a backup type (pgBackRest's full, diff and incr). */
function backupTypeKey(type: string) {
  switch (type) {
    case 'full': return 'system.backup_full' as const;
    case 'diff': return 'system.backup_diff' as const;
    case 'incr': return 'system.backup_incr' as const;
    default: return 'system.unknown' as const;
  }
}

export function SystemPage() {
  const { t, number, dateTime, locale } = useI18n();
  const q = useSystem();
  const yes = (b: boolean) => (b ? `✓ ${t('common.yes')}` : `✗ ${t('common.no')}`);
  const bytes = (n: number) => formatBytes(n, locale);
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorMessage error={q.error} />;
  const s = q.data;
  const r = s.readiness;
  const pool = s.database.pool;
  const b = s.backup;
  // Archiving is failing when its last failure is newer than its last success.
  const walFailing = !!b.wal_last_failed_at
    && (!b.wal_last_archived_at || Date.parse(b.wal_last_failed_at) > Date.parse(b.wal_last_archived_at));
  return (
    <section className="stack">
      <h1>{t('admin.system')}</h1>
      <dl className="stats">
        <div><dt>{t('system.version')}</dt><dd data-testid="version">{s.version}</dd></div>
        <div><dt>{t('system.commit')}</dt><dd><code>{s.git_commit.slice(0, 12)}</code></dd></div>
        <div><dt>{t('system.built')}</dt><dd>{s.build_time}</dd></div>
        <div>
          <dt>{t('system.last_backup')}</dt>
          <dd data-testid="last-backup">
            {s.last_backup_at ? dateTime(s.last_backup_at) : s.backup.status === 'not_reported' ? t('system.backup_not_reported') : t('system.unknown')}
          </dd>
        </div>
      </dl>

      <h2>{t('system.backups')}</h2>
      <dl className="stats" data-testid="backups">
        <div>
          <dt>{t('system.backup_type')}</dt>
          <dd data-testid="backup-type">{b.last_type ? t(backupTypeKey(b.last_type)) : t('system.unknown')}</dd>
        </div>
        <div>
          <dt>{t('system.backup_size')}</dt>
          <dd data-testid="backup-size">{b.last_size_bytes != null ? bytes(b.last_size_bytes) : t('system.unknown')}</dd>
        </div>
        <div>
          <dt>{t('system.wal_archived')}</dt>
          <dd data-testid="wal-archived">{b.wal_last_archived_at ? dateTime(b.wal_last_archived_at) : t('system.never')}</dd>
        </div>
        <div>
          <dt>{t('system.wal_failed')}</dt>
          <dd data-testid="wal-failed" className={walFailing ? 'bad' : undefined}>
            {b.wal_last_failed_at ? dateTime(b.wal_last_failed_at) : t('system.never')}
          </dd>
        </div>
      </dl>

      <h2>{t('system.readiness')}</h2>
      <dl className="stats">
        <div><dt>{t('system.ready')}</dt><dd className={r.ready ? 'ok' : 'bad'} data-testid="ready">{yes(r.ready)}</dd></div>
        <div><dt>{t('system.database')}</dt><dd>{yes(r.database)}</dd></div>
        <div><dt>{t('system.migrations')}</dt><dd>{yes(r.migrations)}</dd></div>
        <div><dt>{t('system.index_warm')}</dt><dd>{yes(r.index_warm)}</dd></div>
        <div><dt>{t('system.draining')}</dt><dd>{yes(r.draining)}</dd></div>
        <div><dt>{t('system.applied_sequence')}</dt><dd>{number(r.applied_sequence)}</dd></div>
      </dl>

      <h2>{t('system.database')}</h2>
      <dl className="stats">
        <div><dt>{t('system.server_version')}</dt><dd>PostgreSQL {s.database.server_version}</dd></div>
        <div><dt>{t('system.db_size')}</dt><dd data-testid="db-size">{bytes(s.database.size_bytes)}</dd></div>
        <div>
          <dt>{t('system.pool')}</dt>
          <dd data-testid="pool">{t('system.pool_use', { in_use: number(pool.in_use), open: number(pool.open), max: number(pool.max), idle: number(pool.idle) })}</dd>
        </div>
        <div><dt>{t('system.writes_queued')}</dt><dd data-testid="writes-queued">{number(s.writes_queued)}</dd></div>
      </dl>

      <h2>{t('system.leaderboard_indexes')}</h2>
      {s.leaderboards.length === 0 ? <p className="muted">{t('system.none')}</p> : (
        <div className="table-wrap">
          <table className="admin-table" data-testid="leaderboard-indexes">
            <caption className="visually-hidden">{t('system.leaderboard_indexes')}</caption>
            <thead><tr><th scope="col">{t('admin.name')}</th><th scope="col" className="num">{t('system.entries')}</th><th scope="col" className="num">{t('system.memory')}</th></tr></thead>
            <tbody>
              {s.leaderboards.map((l) => (
                <tr key={l.slug} data-slug={l.slug}>
                  <td>{l.name} <code className="muted">{l.slug}</code></td>
                  <td className="num">{number(l.entries)}</td>
                  <td className="num">{bytes(l.index_bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">{t('system.memory_note')}</p>

      <h2>{t('system.league_indexes')}</h2>
      {s.leagues.length === 0 ? <p className="muted">{t('system.none')}</p> : (
        <div className="table-wrap">
          <table className="admin-table" data-testid="league-indexes">
            <caption className="visually-hidden">{t('system.league_indexes')}</caption>
            <thead><tr><th scope="col">{t('admin.name')}</th><th scope="col" className="num">{t('system.participants')}</th><th scope="col" className="num">{t('system.matches')}</th><th scope="col" className="num">{t('system.memory')}</th></tr></thead>
            <tbody>
              {s.leagues.map((l) => (
                <tr key={l.slug} data-slug={l.slug}>
                  <td>{l.name} <code className="muted">{l.slug}</code></td>
                  <td className="num">{number(l.participants)}</td>
                  <td className="num">{number(l.matches)}</td>
                  <td className="num">{bytes(l.index_bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
