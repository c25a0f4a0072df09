//! Feature flags: list, create, update, delete. Types come from the OpenAPI document.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';
import type { CreateFlag, Flag, FlagList, UpdateFlag } from '@/lib/api-types';

/** What the form edits: a flag without its timestamps, every field present. */
export type FlagDraft = Required<CreateFlag>;

const k = ['admin', 'flags'] as const;
export const useFlags = () => useQuery({ queryKey: k, queryFn: ({ signal }) => api<FlagList>('/api/v1/flags', { signal }) });

export function useSaveFlag() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ flag, isNew }: { flag: FlagDraft; isNew: boolean }) => {
      if (isNew) return api<Flag>('/api/v1/flags', { method: 'POST', body: flag satisfies CreateFlag });
      const patch: UpdateFlag = {
        description: flag.description,
        enabled: flag.enabled,
        rollout_percentage: flag.rollout_percentage,
        allow_list: flag.allow_list,
      };
      return api<Flag>(`/api/v1/flags/${seg(flag.key)}`, { method: 'PATCH', body: patch });
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: k }),
  });
}

export function useDeleteFlag() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api<null>(`/api/v1/flags/${seg(key)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: k }),
  });
}
