//! API keys (accounts contract, issue 4): list, create (the secret is returned once), revoke.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';

export type Scope = 'read' | 'scores:write' | 'matches:write' | 'admin';
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  expires_at?: string | null;
  last_used_at?: string | null;
  created_at?: string;
}

const key = ['admin', 'keys'] as const;
export const useKeys = () => useQuery({ queryKey: key, queryFn: ({ signal }) => api<{ keys: ApiKey[] }>('/api/v1/keys', { signal }) });

export function useCreateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scopes: Scope[]; expires_at?: string | null }) =>
      api<{ key: ApiKey; secret: string }>('/api/v1/keys', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}

export function useRevokeKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<unknown>(`/api/v1/keys/${seg(id)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: key }),
  });
}
