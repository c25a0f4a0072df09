//! Operator facts from `GET /api/v1/system` (admins): build, readiness, database and pool,
//! index sizes, last backup. Refreshed every 10 s while the page is open.
import { useQuery } from '@tanstack/react-query';
import { client, unwrap } from '@/lib/api-client';

export const useSystem = () =>
  useQuery({
    queryKey: ['admin', 'system'],
    queryFn: ({ signal }) => unwrap(client.GET('/api/v1/system', { signal })),
    refetchInterval: 10_000,
  });
