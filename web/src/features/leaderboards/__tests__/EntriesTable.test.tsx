import { screen, within } from '@testing-library/react';
import type { Entry } from '@/lib/api-types';
import { renderWithProviders } from '@/testing/render';
import { EntriesTable } from '../components/EntriesTable';

const at = '2026-01-01T00:00:00Z';
const entry = (rank: number, participant: string, profile: Partial<Entry> = {}): Entry => ({
  rank, participant, score: 100 - rank, subscore: 0, num_submissions: 1, reached_at: at, updated_at: at, ...profile,
});

describe('EntriesTable', () => {
  it('shows the profile avatar and display name, with the id beside the name', () => {
    renderWithProviders(
      <EntriesTable
        caption="Entries"
        entries={[
          entry(1, 'ann', { display_name: 'Ann Lee', avatar_url: '/api/v1/participants/ann/avatar?v=abc' }),
          entry(2, 'bob', { display_name: null, avatar_url: null, metadata: { name: 'Bobby' } as unknown as Entry['metadata'] }),
          entry(3, 'cy'),
        ]}
      />,
    );
    const rows = screen.getAllByRole('row');
    const ann = rows[1]!;
    expect(within(ann).getByText('Ann Lee')).toBeInTheDocument();
    expect(within(ann).getByText('ann')).toHaveClass('participant-id');
    expect(ann.querySelector('img.avatar')).toHaveAttribute('src', '/api/v1/participants/ann/avatar?v=abc');
    // Without a profile: a name from the entry's metadata, else the id, and initials.
    expect(within(rows[2]!).getByText('Bobby')).toBeInTheDocument();
    expect(rows[2]!.querySelector('img')).toBeNull();
    expect(within(rows[2]!).getByText('B')).toHaveClass('avatar');
    expect(within(rows[3]!).getByText('cy', { selector: '.who' })).toBeInTheDocument();
    expect(within(rows[3]!).queryByText('cy', { selector: '.participant-id' })).toBeNull();
  });
});
