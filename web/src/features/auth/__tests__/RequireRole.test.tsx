import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { RequireRole } from '../components/RequireRole';

const page = (
  <Routes>
    <Route path="/admin" element={<RequireRole role="editor"><h1>Secret</h1></RequireRole>} />
    <Route path="/login" element={<h1>Login page</h1>} />
  </Routes>
);

describe('RequireRole', () => {
  it('refuses a viewer', async () => {
    stubFetch((u) => (u.pathname === '/api/v1/auth/me' ? { body: { user: { email: 'v@x', role: 'viewer' } } } : undefined));
    renderWithProviders(page, { route: '/admin' });
    expect(await screen.findByTestId('forbidden')).toBeInTheDocument();
    expect(screen.queryByText('Secret')).not.toBeInTheDocument();
  });

  it('lets an editor in', async () => {
    stubFetch((u) => (u.pathname === '/api/v1/auth/me' ? { body: { user: { email: 'e@x', role: 'editor' } } } : undefined));
    renderWithProviders(page, { route: '/admin' });
    expect(await screen.findByText('Secret')).toBeInTheDocument();
  });

  it('sends someone signed out to the login page', async () => {
    stubFetch((u) => (u.pathname === '/api/v1/auth/me' ? { status: 401, body: { code: 'unauthorized', status: 401, title: 'x' } } : undefined));
    renderWithProviders(page, { route: '/admin' });
    expect(await screen.findByText('Login page')).toBeInTheDocument();
  });
});
