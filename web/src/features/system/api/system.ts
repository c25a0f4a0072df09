//! Operator facts: /version and /readyz (which answers 503 with the same body when not ready).
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '@/lib/api-client';

export interface Version {
  version: string;
  git_commit?: string;
  build_time?: string;
}
export interface Readiness {
  ready: boolean;
  database: boolean;
  migrations: boolean;
  index_warm: boolean;
  draining: boolean;
  applied_sequence?: number;
  indexed_entries?: number;
  last_backup_at?: string | null;
}

export const useVersion = () => useQuery({ queryKey: ['system', 'version'], queryFn: ({ signal }) => api<Version>('/version', { signal }) });

export const useReadiness = () =>
  useQuery({
    queryKey: ['system', 'readyz'],
    queryFn: async ({ signal }) => {
      try {
        return await api<Readiness>('/readyz', { signal });
      } catch (e) {
        if (e instanceof ApiError && e.status === 503) return e.problem as unknown as Readiness;
        throw e;
      }
    },
    refetchInterval: 5000,
  });
