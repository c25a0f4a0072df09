import { screen, within } from '@testing-library/react';
import type { League, StandingRow } from '@/lib/api-types';
import { reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { LeaguePage } from '../components/LeaguePage';

const at = '2026-01-01T00:00:00Z';
const league: League = {
  slug: 'chess', name: 'Club chess', system: 'elo', params: {}, season: 1, metadata: {}, visibility: 'public',
  participants: 2, matches: 1, created_at: at, updated_at: at,
};
const standing = (rank: number, participant: string, profile: Pick<StandingRow, 'display_name' | 'avatar_url'>): StandingRow => ({
  rank, participant, rating: 1500, display_rating: 1516 - rank * 16, matches: 1, wins: rank === 1 ? 1 : 0, draws: 0,
  losses: rank === 1 ? 0 : 1, streak: rank === 1 ? 1 : -1, peak_rating: 1516, provisional: false, scored: 0, conceded: 0,
  ...profile,
});

describe('LeaguePage', () => {
  it('shows each standing with the participant avatar and display name', async () => {
    stubFetch((url) => {
      if (url.pathname === '/api/v1/leagues/chess') return reply('get_league', 200, league);
      if (url.pathname === '/api/v1/leagues/chess/standings')
        return reply('list_standings', 200, {
          standings: [
            standing(1, 'ann', { display_name: 'Ann Lee', avatar_url: '/api/v1/participants/ann/avatar?v=1' }),
            standing(2, 'bob', { display_name: null, avatar_url: null }),
          ],
          next_cursor: null, total: 2, season: 1,
        });
      if (url.pathname === '/api/v1/leagues/chess/matches') return reply('list_matches', 200, { matches: [], next_cursor: null });
      return undefined;
    });
    renderWithProviders(<LeaguePage slug="chess" />);
    const link = await screen.findByRole('link', { name: 'Ann Lee' });
    expect(link).toHaveAttribute('href', '/leagues/chess/participants/ann');
    const ann = link.closest('tr')!;
    expect(ann.querySelector('img.avatar')).toHaveAttribute('src', '/api/v1/participants/ann/avatar?v=1');
    expect(within(ann).getByText('ann')).toHaveClass('participant-id');
    const bob = screen.getByRole('link', { name: 'bob' }).closest('tr')!;
    expect(bob.querySelector('img')).toBeNull();
    expect(within(bob).getByText('B')).toHaveClass('avatar');
  });
});
