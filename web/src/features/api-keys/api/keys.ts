//! API keys: list, create (the answer holds the secret, shown once), revoke. Types come from
//! the OpenAPI document.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { client, unwrap } from '@/lib/api-client';
import type { CreateKey } from '@/lib/api-types';

const key = ['admin', 'keys'] as const;
export const useKeys = () => useQuery({ queryKey: key, queryFn: ({ signal }) => unwrap(client.GET('/api/v1/keys', { signal })) });

export function useCreateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateKey) => unwrap(client.POST('/api/v1/keys', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}

export function useRevokeKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(client.DELETE('/api/v1/keys/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}
