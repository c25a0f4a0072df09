//! Users (accounts): list, create, change role or disable. Types come from the OpenAPI document;
//! POST and PATCH answer with the account record itself.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';
import type { CreateUser, UpdateUser, User, UserList } from '@/lib/api-types';

const key = ['admin', 'users'] as const;
export const useUsers = () => useQuery({ queryKey: key, queryFn: ({ signal }) => api<UserList>('/api/v1/users', { signal }) });

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUser) => api<User>('/api/v1/users', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: UpdateUser }) =>
      api<User>(`/api/v1/users/${seg(id)}`, { method: 'PATCH', body: patch }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}
