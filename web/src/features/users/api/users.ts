//! Users (accounts). The shapes follow the accounts contract (issue 4); they move to the
//! generated types as soon as the server's OpenAPI document describes these routes.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';
export interface User {
  id: string;
  email: string;
  role: Role;
  disabled?: boolean;
  created_at?: string;
}

const key = ['admin', 'users'] as const;
export const useUsers = () => useQuery({ queryKey: key, queryFn: ({ signal }) => api<{ users: User[] }>('/api/v1/users', { signal }) });

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string; role: Role }) => api<{ user: User }>('/api/v1/users', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: Partial<Pick<User, 'role' | 'disabled'>> }) =>
      api<{ user: User }>(`/api/v1/users/${seg(id)}`, { method: 'PATCH', body: patch }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}
