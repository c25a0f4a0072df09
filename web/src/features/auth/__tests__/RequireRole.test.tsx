import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import type { Role } from '@/lib/api-types';
import { problem, reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { RequireRole } from '../components/RequireRole';

const page = (
  <Routes>
    <Route path="/admin" element={<RequireRole role="editor"><h1>Secret</h1></RequireRole>} />
    <Route path="/login" element={<h1>Login page</h1>} />
  </Routes>
);

const signIn = (email: string, role: Role) =>
  stubFetch((u) => (u.pathname === '/api/v1/auth/me' ? reply('me', 200, { user: { email, role } }) : undefined));

describe('RequireRole', () => {
  it('refuses a viewer', async () => {
    signIn('v@x', 'viewer');
    renderWithProviders(page, { route: '/admin' });
    expect(await screen.findByTestId('forbidden')).toBeInTheDocument();
    expect(screen.queryByText('Secret')).not.toBeInTheDocument();
  });

  it('lets an editor in', async () => {
    signIn('e@x', 'editor');
    renderWithProviders(page, { route: '/admin' });
    expect(await screen.findByText('Secret')).toBeInTheDocument();
  });

  it('sends someone signed out to the login page', async () => {
    stubFetch((u) => (u.pathname === '/api/v1/auth/me' ? reply('me', 401, problem(401, 'unauthorized', 'Authentication required')) : undefined));
    renderWithProviders(page, { route: '/admin' });
    expect(await screen.findByText('Login page')).toBeInTheDocument();
  });
});
