//! Feature flags: list, create, update, delete. Types come from the OpenAPI document.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { client, unwrap } from '@/lib/api-client';
import type { CreateFlag, UpdateFlag } from '@/lib/api-types';

/** What the form edits: a flag without its timestamps, every field present. */
export type FlagDraft = Required<CreateFlag>;

const k = ['admin', 'flags'] as const;
export const useFlags = () => useQuery({ queryKey: k, queryFn: ({ signal }) => unwrap(client.GET('/api/v1/flags', { signal })) });

export function useSaveFlag() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ flag, isNew }: { flag: FlagDraft; isNew: boolean }) => {
      if (isNew) return unwrap(client.POST('/api/v1/flags', { body: flag }));
      const patch: UpdateFlag = {
        description: flag.description,
        enabled: flag.enabled,
        rollout_percentage: flag.rollout_percentage,
        allow_list: flag.allow_list,
      };
      return unwrap(client.PATCH('/api/v1/flags/{key}', { params: { path: { key: flag.key } }, body: patch }));
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: k }),
  });
}

export function useDeleteFlag() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => unwrap(client.DELETE('/api/v1/flags/{key}', { params: { path: { key } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: k }),
  });
}
