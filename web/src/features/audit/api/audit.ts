//! The audit log, filtered (each filter an exact match) and cursor-paginated, newest first.
//! Types come from the OpenAPI document.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { client, unwrap } from '@/lib/api-client';

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** RFC 3339 instants. */
  since?: string;
  until?: string;
}

/** `cursor` is the previous page's `next_cursor` (an audit id; the pager keeps cursors as text). */
export const useAudit = (f: AuditFilter, cursor?: string, limit = 50) =>
  useQuery({
    queryKey: ['admin', 'audit', f, cursor, limit],
    queryFn: ({ signal }) =>
      unwrap(
        client.GET('/api/v1/audit', {
          params: { query: { ...f, cursor: cursor === undefined ? undefined : Number(cursor), limit } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
