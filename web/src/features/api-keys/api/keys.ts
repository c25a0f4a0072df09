//! API keys: list, create (the answer holds the secret, shown once), revoke. Types come from
//! the OpenAPI document.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';
import type { CreateKey, CreatedKey, KeyList } from '@/lib/api-types';

const key = ['admin', 'keys'] as const;
export const useKeys = () => useQuery({ queryKey: key, queryFn: ({ signal }) => api<KeyList>('/api/v1/keys', { signal }) });

export function useCreateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateKey) => api<CreatedKey>('/api/v1/keys', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}

export function useRevokeKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<null>(`/api/v1/keys/${seg(id)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}
