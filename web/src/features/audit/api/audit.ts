//! The audit log, filtered (each filter an exact match) and cursor-paginated, newest first.
//! Types come from the OpenAPI document.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { AuditPage } from '@/lib/api-types';

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** RFC 3339 instants. */
  since?: string;
  until?: string;
}

export const useAudit = (f: AuditFilter, cursor?: string, limit = 50) =>
  useQuery({
    queryKey: ['admin', 'audit', f, cursor, limit],
    queryFn: ({ signal }) => api<AuditPage>('/api/v1/audit', { signal, query: { ...f, cursor, limit } }),
    placeholderData: keepPreviousData,
  });
