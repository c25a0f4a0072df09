import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ApiKey } from '@/lib/api-types';
import { reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { KeysAdmin } from '../components/KeysAdmin';

const at = '2026-01-01T10:00:00Z';
const key = (id: number, name: string, prefix: string, revoked = false): ApiKey => ({
  id, name, prefix, scopes: ['read'], revoked, created_by: 'user:admin@x.io', created_at: at, last_used_at: null,
});

describe('KeysAdmin', () => {
  it('shows a new key secret once, with a copy button that copies it', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const keys = [key(1, 'old', 'aaaa1111', true)];
    const calls = stubFetch((url, init) => {
      if (url.pathname !== '/api/v1/keys') return undefined;
      if (init?.method === 'POST') {
        const k = key(2, 'ci', 'bbbb2222');
        keys.unshift(k);
        return reply('create_key', 201, { key: k, secret: 'pk_bbbb2222_s3cret' });
      }
      return reply('list_keys', 200, { keys });
    });
    renderWithProviders(<KeysAdmin />);
    const old = (await screen.findByText('old')).closest('tr')!;
    expect(within(old).getByText('pk_aaaa1111_…')).toBeInTheDocument();
    expect(within(old).getByText('revoked')).toBeInTheDocument();
    expect(within(old).queryByRole('button', { name: /Revoke/ })).not.toBeInTheDocument();

    await userEvent.type(screen.getByLabelText('Name'), 'ci');
    await userEvent.click(screen.getByRole('checkbox', { name: 'scores:write' }));
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByTestId('secret')).toHaveTextContent('pk_bbbb2222_s3cret');
    expect(screen.getByText('Copy the key ci now: it will not be shown again.')).toBeInTheDocument();
    expect(JSON.parse(String(calls.find((c) => c.init?.method === 'POST')!.init!.body))).toEqual({ name: 'ci', scopes: ['read', 'scores:write'] });
    await userEvent.click(screen.getByRole('button', { name: /Copy key/ }));
    expect(writeText).toHaveBeenCalledWith('pk_bbbb2222_s3cret');
    expect(await screen.findByText(/Copied/)).toBeInTheDocument();
    // The list never holds the secret; once dismissed it is gone.
    const row = (await screen.findByText('pk_bbbb2222_…')).closest('tr')!;
    expect(row).not.toHaveTextContent('s3cret');
    await userEvent.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByTestId('secret')).not.toBeInTheDocument();
  });

  it('revokes a key by numeric id after confirmation', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const calls = stubFetch((url, init) => {
      if (url.pathname === '/api/v1/keys') return reply('list_keys', 200, { keys: [key(5, 'bot', 'cccc3333')] });
      if (url.pathname === '/api/v1/keys/5' && init?.method === 'DELETE') return reply('revoke_key', 204, null);
      return undefined;
    });
    renderWithProviders(<KeysAdmin />);
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke bot' }));
    await vi.waitFor(() => expect(calls.some((c) => c.url === '/api/v1/keys/5' && c.init?.method === 'DELETE')).toBe(true));
  });
});
