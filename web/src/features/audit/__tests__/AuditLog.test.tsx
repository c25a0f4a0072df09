import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AuditEntry } from '@/lib/api-types';
import { reply } from '@/testing/api';
import { renderWithProviders, stubFetch } from '@/testing/render';
import { AuditLog } from '../components/AuditLog';

const entry = (id: number, action: string, target: string): AuditEntry => ({
  id, at: '2026-01-01T10:00:00Z', actor: 'user:admin@x.io', action, target, request_id: 'req-1',
  before: null, after: { rollout_percentage: 40 } as unknown as AuditEntry['after'],
});

describe('AuditLog', () => {
  it('shows the entries the server returns, filters by exact values and pages with the numeric cursor', async () => {
    const calls = stubFetch((url) => {
      if (url.pathname !== '/api/v1/audit') return undefined;
      if (url.searchParams.get('cursor') === '41') return reply('list_audit', 200, { entries: [entry(40, 'user.create', 'user:x@x.io')], next_cursor: null });
      if (url.searchParams.get('action')) return reply('list_audit', 200, { entries: [entry(42, 'flag.update', 'flag:beta')], next_cursor: 41 });
      return reply('list_audit', 200, { entries: [entry(42, 'flag.update', 'flag:beta'), entry(41, 'key.create', 'key:pk_abcd')], next_cursor: null });
    });
    renderWithProviders(<AuditLog />);
    expect(await screen.findByText('key.create')).toBeInTheDocument();
    const row = screen.getByText('flag.update').closest('tr')!;
    expect(within(row).getByText('user:admin@x.io')).toBeInTheDocument();
    await userEvent.click(within(row).getByText('Changes'));
    expect(within(row).getByText(/"rollout_percentage": 40/)).toBeVisible();

    await userEvent.type(screen.getByLabelText('Action'), ' flag.update ');
    await userEvent.type(screen.getByLabelText('Actor'), 'user:admin@x.io');
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await vi.waitFor(() => expect(screen.queryByText('key.create')).not.toBeInTheDocument());
    const filtered = calls.at(-1)!.url;
    expect(filtered).toContain('action=flag.update');
    expect(filtered).toContain('actor=user%3Aadmin%40x.io');
    expect(filtered).not.toContain('target=');

    await userEvent.click(screen.getByRole('button', { name: /Next/ }));
    expect(await screen.findByText('user.create')).toBeInTheDocument();
    expect(calls.at(-1)!.url).toContain('cursor=41');
  });

  it('says when nothing matches', async () => {
    stubFetch((url) => (url.pathname === '/api/v1/audit' ? reply('list_audit', 200, { entries: [], next_cursor: null }) : undefined));
    renderWithProviders(<AuditLog />);
    expect(await screen.findByText('No audit records match.')).toBeInTheDocument();
  });
});
