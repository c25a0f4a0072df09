//! Operator facts from `GET /api/v1/system` (admins): build, readiness, database and pool,
//! index sizes, last backup. Refreshed every 10 s while the page is open.
import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { SystemView } from '@/lib/api-types';

export const useSystem = () =>
  useQuery({
    queryKey: ['admin', 'system'],
    queryFn: ({ signal }) => api<SystemView>('/api/v1/system', { signal }),
    refetchInterval: 10_000,
  });
