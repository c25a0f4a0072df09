//! Users (accounts): list, create, change role or disable. Types come from the OpenAPI document;
//! POST and PATCH answer with the account record itself.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { client, unwrap } from '@/lib/api-client';
import type { CreateUser, UpdateUser } from '@/lib/api-types';

const key = ['admin', 'users'] as const;
export const useUsers = () => useQuery({ queryKey: key, queryFn: ({ signal }) => unwrap(client.GET('/api/v1/users', { signal })) });

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUser) => unwrap(client.POST('/api/v1/users', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: UpdateUser }) =>
      unwrap(client.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: patch })),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}
