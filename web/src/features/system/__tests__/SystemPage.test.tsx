import { screen, within } from '@testing-library/react';
import type { SystemView } from '@/lib/api-types';
import { reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { SystemPage } from '../components/SystemPage';
import { formatBytes } from '../lib/bytes';

const view: SystemView = {
  version: '0.4.0', git_commit: '0123456789abcdef', build_time: '2026-01-01T00:00:00Z',
  readiness: { ready: true, database: true, migrations: true, index_warm: true, draining: false, applied_sequence: 123456 },
  database: { server_version: '15.8', size_bytes: 12_345_678, pool: { open: 5, idle: 3, in_use: 2, max: 16 } },
  writes_queued: 1234,
  leaderboards: [{ slug: 'speed', name: 'Speed', entries: 1_234_567, index_bytes: 1_234_567 * 133 }],
  leagues: [{ slug: 'chess', name: 'Chess', participants: 4321, matches: 98765, index_bytes: 2_500_000 }],
  last_backup_at: null,
  backup: { status: 'not_reported', detail: 'backups are not reported to Podium yet' },
};

describe('SystemPage', () => {
  it('shows build, readiness, database, index sizes and that backups are not reported', async () => {
    stubFetch((url) => (url.pathname === '/api/v1/system' ? reply('get_system', 200, view) : undefined));
    renderWithProviders(<SystemPage />);
    expect(await screen.findByTestId('version')).toHaveTextContent('0.4.0');
    expect(screen.getByText('0123456789ab')).toBeInTheDocument();
    expect(screen.getByTestId('ready')).toHaveTextContent('yes');
    expect(screen.getByText('123,456')).toBeInTheDocument();
    expect(screen.getByTestId('db-size')).toHaveTextContent('12.3 MB');
    expect(screen.getByTestId('pool')).toHaveTextContent('2 in use of 5 open (at most 16), 3 idle');
    expect(screen.getByTestId('writes-queued')).toHaveTextContent('1,234');
    const lb = within(screen.getByTestId('leaderboard-indexes')).getByText('Speed').closest('tr')!;
    expect(lb).toHaveTextContent('1,234,567');
    expect(lb).toHaveTextContent('164.2 MB');
    const lg = within(screen.getByTestId('league-indexes')).getByText('Chess').closest('tr')!;
    expect(lg).toHaveTextContent('4,321');
    expect(lg).toHaveTextContent('98,765');
    expect(lg).toHaveTextContent('2.5 MB');
    expect(screen.getByTestId('last-backup')).toHaveTextContent('not reported to Podium yet');
  });

  it('formats numbers and text for pt-BR', async () => {
    stubFetch((url) => (url.pathname === '/api/v1/system' ? reply('get_system', 200, view) : undefined));
    renderWithProviders(<SystemPage />, { locale: 'pt-BR' });
    expect(await screen.findByTestId('db-size')).toHaveTextContent('12,3 MB');
    expect(within(screen.getByTestId('league-indexes')).getByText('98.765')).toBeInTheDocument();
    expect(screen.getByTestId('last-backup')).toHaveTextContent('ainda não informado ao Podium');
    expect(screen.getByRole('heading', { name: 'Índices dos rankings' })).toBeInTheDocument();
  });
});

describe('SystemPage backups', () => {
  it('shows the newest backup and the WAL archiver, and marks archiving that is failing', async () => {
    const reported: SystemView = {
      ...view,
      last_backup_at: '2026-12-02T10:00:00Z',
      backup: {
        status: 'reported', detail: 'reported by deploy/scripts/backup',
        last_type: 'diff', last_size_bytes: 23_068_672,
        wal_last_archived_at: '2026-12-02T10:05:00Z', wal_last_failed_at: '2026-12-02T10:06:00Z',
      },
    };
    stubFetch((url) => (url.pathname === '/api/v1/system' ? reply('get_system', 200, reported) : undefined));
    renderWithProviders(<SystemPage />);
    expect(await screen.findByTestId('backup-type')).toHaveTextContent('differential');
    expect(screen.getByTestId('backup-size')).toHaveTextContent(formatBytes(23_068_672, 'en'));
    expect(screen.getByTestId('last-backup')).not.toHaveTextContent('not reported');
    expect(screen.getByTestId('wal-archived')).not.toHaveTextContent('never');
    expect(screen.getByTestId('wal-failed')).toHaveClass('bad');
  });

  it('says unknown and never rather than making a time up', async () => {
    stubFetch((url) => (url.pathname === '/api/v1/system' ? reply('get_system', 200, view) : undefined));
    renderWithProviders(<SystemPage />);
    expect(await screen.findByTestId('backup-type')).toHaveTextContent('not reported');
    expect(screen.getByTestId('backup-size')).toHaveTextContent('not reported');
    expect(screen.getByTestId('wal-archived')).toHaveTextContent('never');
    expect(screen.getByTestId('wal-failed')).not.toHaveClass('bad');
  });
});

describe('formatBytes', () => {
  it('picks the unit that keeps the number at least 1', () => {
    expect(formatBytes(0, 'en')).toBe('0 byte');
    expect(formatBytes(999, 'en')).toBe('999 byte');
    expect(formatBytes(1500, 'en')).toBe('1.5 kB');
    expect(formatBytes(2_000_000_000, 'en')).toBe('2 GB');
  });
});
