import { screen } from '@testing-library/react';
import type { League, Profile, Standing } from '@/lib/api-types';
import { problem, reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { ParticipantPage } from '../components/ParticipantPage';

const at = '2026-01-01T00:00:00Z';
const league: League = {
  slug: 'chess', name: 'Club chess', system: 'elo', params: {}, season: 1, metadata: {}, visibility: 'public',
  participants: 2, matches: 1, created_at: at, updated_at: at,
};
const me: Standing = {
  rank: 1, participant: 'ann', rating: 1516, display_rating: 1516, matches: 1, wins: 1, draws: 0, losses: 0,
  streak: 1, peak_rating: 1516, provisional: false, scored: 0, conceded: 0,
};

function serve(profile: Profile | null) {
  stubFetch((url) => {
    if (url.pathname === '/api/v1/leagues/chess') return reply('get_league', 200, league);
    if (url.pathname === '/api/v1/leagues/chess/participants/ann') return reply('get_participant', 200, me);
    if (url.pathname === '/api/v1/leagues/chess/participants/ann/history') return reply('participant_history', 200, { history: [], next_cursor: null });
    if (url.pathname === '/api/v1/leagues/chess/participants/ann/matches') return reply('participant_matches', 200, { matches: [], next_cursor: null });
    if (url.pathname === '/api/v1/participants/ann/profile')
      return profile ? reply('get_profile', 200, profile) : reply('get_profile', 404, problem(404, 'profile_not_found', 'Profile not found'));
    return undefined;
  });
}

describe('ParticipantPage', () => {
  it('heads the page with the profile: avatar, display name and the id', async () => {
    serve({ participant: 'ann', display_name: 'Ann Lee', country: 'SE', metadata: {}, avatar_url: '/api/v1/participants/ann/avatar?v=7' });
    renderWithProviders(<ParticipantPage slug="chess" participant="ann" />);
    const heading = await screen.findByRole('heading', { level: 1, name: /Ann Lee/ });
    expect(heading.querySelector('img.avatar')).toHaveAttribute('src', '/api/v1/participants/ann/avatar?v=7');
    expect(heading).toHaveTextContent('ann');
  });

  it('falls back to the id and initials without a profile', async () => {
    serve(null);
    renderWithProviders(<ParticipantPage slug="chess" participant="ann" />);
    const heading = await screen.findByRole('heading', { level: 1, name: /ann/ });
    expect(heading.querySelector('img')).toBeNull();
    expect(heading.querySelector('.avatar')).toHaveTextContent('A');
  });
});
