//! The audit log (accounts contract, issue 4), filtered and cursor-paginated.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export interface AuditEvent {
  id: number | string;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  ip?: string | null;
  request_id?: string | null;
  diff?: unknown;
}
export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
}

export const useAudit = (f: AuditFilter, cursor?: string) =>
  useQuery({
    queryKey: ['admin', 'audit', f, cursor],
    queryFn: ({ signal }) =>
      api<{ events: AuditEvent[]; next_cursor?: string | null }>('/api/v1/audit', { signal, query: { ...f, cursor } }),
    placeholderData: keepPreviousData,
  });
