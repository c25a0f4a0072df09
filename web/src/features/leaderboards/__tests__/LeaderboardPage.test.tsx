import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Entry, Leaderboard, Period } from '@/lib/api-types';
import { reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { rememberVisit } from '../lib/movement';
import { LeaderboardPage } from '../components/LeaderboardPage';

const period: Period = { id: 1, starts_at: '2026-01-01T00:00:00Z', ends_at: null };
const board: Leaderboard = {
  slug: 'speed', name: 'Speed run', order: 'desc', operator: 'best', reset: 'never', timezone: 'UTC',
  metadata: {}, visibility: 'public', created_at: period.starts_at, updated_at: period.starts_at, current_period: period, entries: 3,
};
const entry = (rank: number, participant: string, score: number): Entry => ({
  rank, participant, score, subscore: 0, num_submissions: 1, reached_at: period.starts_at, updated_at: period.starts_at,
});

function serve() {
  return stubFetch((url) => {
    if (url.pathname === '/api/v1/leaderboards/speed') return reply('get_leaderboard', 200, board);
    if (url.pathname === '/api/v1/leaderboards/speed/periods') return reply('list_periods', 200, { periods: [period], current: period });
    if (url.pathname === '/api/v1/leaderboards/speed/entries')
      return reply('list_entries', 200, { entries: [entry(1, 'ann', 300), entry(2, 'bob', 200), entry(3, 'cy', 100)], next_cursor: 'c2', total: 3, period });
    if (url.pathname === '/api/v1/leaderboards/speed/entries/cy/around')
      return reply('entries_around', 200, { entries: [entry(2, 'bob', 200), entry(3, 'cy', 100)], total: 3, period });
    return undefined;
  });
}

describe('LeaderboardPage', () => {
  it('shows ranks with movement since the last visit', async () => {
    rememberVisit('speed', null, { ann: 2, bob: 1 });
    serve();
    renderWithProviders(<LeaderboardPage slug="speed" />);
    expect(await screen.findByRole('heading', { name: 'Speed run' })).toBeInTheDocument();
    const rows = await screen.findAllByRole('row');
    expect(within(rows[1]!).getByText('ann')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('up 1')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('down 1')).toBeInTheDocument();
    expect(within(rows[3]!).getByText('new')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Next/ })).toBeEnabled();
  });

  it('asks for 100 rows a page and follows the cursor', async () => {
    const calls = serve();
    renderWithProviders(<LeaderboardPage slug="speed" />);
    await screen.findAllByRole('row');
    expect(calls.some((c) => c.url.includes('entries?limit=100'))).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: /Next/ }));
    expect(calls.some((c) => c.url.includes('cursor=c2'))).toBe(true);
  });

  it('jumps to a participant and highlights the row', async () => {
    serve();
    renderWithProviders(<LeaderboardPage slug="speed" />);
    await screen.findAllByRole('row');
    await userEvent.type(screen.getByLabelText('Find participant'), 'cy');
    await userEvent.click(screen.getByRole('button', { name: 'Go' }));
    const row = (await screen.findByText('cy')).closest('tr')!;
    expect(row).toHaveClass('highlight');
    expect(screen.getByRole('button', { name: 'Back to top' })).toBeInTheDocument();
  });

  it('offers the embed snippet', async () => {
    serve();
    renderWithProviders(<LeaderboardPage slug="speed" />);
    await screen.findAllByRole('row');
    expect(screen.getByText(/\/embed\/leaderboards\/speed/)).toBeInTheDocument();
  });
});
