import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { CreateUser, User } from '@/lib/api-types';
import { reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { UsersAdmin } from '../components/UsersAdmin';

const at = '2026-01-01T10:00:00Z';
const user = (id: number, email: string, role: User['role'], disabled = false): User => ({ id, email, role, disabled, created_at: at, updated_at: at });

describe('UsersAdmin', () => {
  it('lists accounts and creates one from the record the server answers with', async () => {
    const users = [user(1, 'admin@x.io', 'admin')];
    const calls = stubFetch((url, init) => {
      if (url.pathname !== '/api/v1/users') return undefined;
      if (init?.method === 'POST') {
        const body = JSON.parse(String(init.body)) as CreateUser;
        const created = user(2, body.email, body.role);
        users.push(created);
        return reply('create_user', 201, created);
      }
      return reply('list_users', 200, { users });
    });
    renderWithProviders(<UsersAdmin />);
    expect(await screen.findByText('admin@x.io')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Email'), 'ed@x.io');
    await userEvent.type(screen.getByLabelText('Password'), 'a long password 123');
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'editor');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByText('Created the account ed@x.io.')).toBeInTheDocument();
    const post = calls.find((c) => c.init?.method === 'POST')!;
    expect(JSON.parse(String(post.init!.body))).toEqual({ email: 'ed@x.io', password: 'a long password 123', role: 'editor' });
    const row = (await screen.findByText('ed@x.io')).closest('tr')!;
    expect(within(row).getByLabelText('Role of ed@x.io')).toHaveValue('editor');
  });

  it('changes a role and disables an account with PATCH by numeric id', async () => {
    const calls = stubFetch((url, init) => {
      if (url.pathname === '/api/v1/users') return reply('list_users', 200, { users: [user(7, 'v@x.io', 'viewer')] });
      if (url.pathname === '/api/v1/users/7' && init?.method === 'PATCH') return reply('update_user', 200, user(7, 'v@x.io', 'viewer', true));
      return undefined;
    });
    renderWithProviders(<UsersAdmin />);
    await userEvent.selectOptions(await screen.findByLabelText('Role of v@x.io'), 'editor');
    await userEvent.click(screen.getByRole('checkbox', { name: /enabled/ }));
    const patches = calls.filter((c) => c.init?.method === 'PATCH').map((c) => [c.url, JSON.parse(String(c.init!.body))]);
    expect(patches).toEqual([
      ['/api/v1/users/7', { role: 'editor' }],
      ['/api/v1/users/7', { disabled: true }],
    ]);
  });
});
