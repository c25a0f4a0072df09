//! Feature flags (accounts contract, issue 4): list, create, update, delete.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';

export interface Flag {
  key: string;
  description: string;
  enabled: boolean;
  rollout_percentage: number;
  allow_list: string[];
}

const k = ['admin', 'flags'] as const;
export const useFlags = () => useQuery({ queryKey: k, queryFn: ({ signal }) => api<{ flags: Flag[] }>('/api/v1/flags', { signal }) });

export function useSaveFlag() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ flag, isNew }: { flag: Flag; isNew: boolean }) =>
      isNew
        ? api<Flag>('/api/v1/flags', { method: 'POST', body: flag })
        : api<Flag>(`/api/v1/flags/${seg(flag.key)}`, {
            method: 'PATCH',
            body: { description: flag.description, enabled: flag.enabled, rollout_percentage: flag.rollout_percentage, allow_list: flag.allow_list },
          }),
    onSuccess: () => qc.invalidateQueries({ queryKey: k }),
  });
}

export function useDeleteFlag() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api<unknown>(`/api/v1/flags/${seg(key)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: k }),
  });
}
