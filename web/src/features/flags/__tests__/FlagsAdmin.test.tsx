import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Flag } from '@/lib/api-types';
import { reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { FlagsAdmin } from '../components/FlagsAdmin';

const flag = (over: Partial<Flag> = {}): Flag => ({
  key: 'new-checkout', description: 'New checkout', enabled: true, rollout_percentage: 10, allow_list: ['qa'],
  created_at: '2026-01-01T10:00:00Z', updated_at: '2026-01-01T10:00:00Z', ...over,
});

describe('FlagsAdmin', () => {
  it('moves the rollout slider and saves only the editable fields', async () => {
    let stored = flag();
    const calls = stubFetch((url, init) => {
      if (url.pathname === '/api/v1/flags') return reply('list_flags', 200, { flags: [stored] });
      if (url.pathname === '/api/v1/flags/new-checkout' && init?.method === 'PATCH') {
        const edited = JSON.parse(String(init.body)) as Pick<Flag, 'description' | 'enabled' | 'rollout_percentage' | 'allow_list'>;
        stored = { ...stored, ...edited, updated_at: '2026-01-02T10:00:00Z' };
        return reply('update_flag', 200, stored);
      }
      return undefined;
    });
    renderWithProviders(<FlagsAdmin />);
    const form = await screen.findByRole('form', { name: 'Flag new-checkout' });
    const slider = within(form).getByRole('slider');
    expect(slider).toHaveValue('10');
    fireEvent.change(slider, { target: { value: '65' } });
    expect(within(form).getByText('65%')).toBeInTheDocument();
    expect(slider).toHaveAttribute('aria-valuetext', '65%');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));
    const patch = await vi.waitFor(() => {
      const c = calls.find((x) => x.init?.method === 'PATCH');
      if (!c) throw new Error('no PATCH yet');
      return c;
    });
    expect(JSON.parse(String(patch.init!.body))).toEqual({ description: 'New checkout', enabled: true, rollout_percentage: 65, allow_list: ['qa'] });
    // The refreshed list shows the stored value.
    await vi.waitFor(() => expect(within(screen.getByRole('form', { name: 'Flag new-checkout' })).getByRole('slider')).toHaveValue('65'));
  });

  it('creates a flag with its allow-list split on commas', async () => {
    const calls = stubFetch((url, init) => {
      if (url.pathname === '/api/v1/flags' && init?.method === 'POST') return reply('create_flag', 201, flag({ key: 'beta' }));
      if (url.pathname === '/api/v1/flags') return reply('list_flags', 200, { flags: [] });
      return undefined;
    });
    renderWithProviders(<FlagsAdmin />);
    const form = screen.getByRole('form', { name: 'New flag' });
    await userEvent.type(within(form).getByLabelText('Key'), 'beta');
    await userEvent.type(within(form).getByLabelText(/Always on for/), 'ann, bob ,, cy');
    await userEvent.click(within(form).getByRole('button', { name: 'Create' }));
    await vi.waitFor(() => expect(calls.some((c) => c.init?.method === 'POST')).toBe(true));
    const body = JSON.parse(String(calls.find((c) => c.init?.method === 'POST')!.init!.body));
    expect(body).toEqual({ key: 'beta', description: '', enabled: false, rollout_percentage: 0, allow_list: ['ann', 'bob', 'cy'] });
  });
});
