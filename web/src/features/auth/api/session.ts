//! The web session: who is signed in, sign in, sign out (cookie `podium_session`).
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, client, unwrap } from '@/lib/api-client';
import type { LoginBody, SessionUser } from '@/lib/api-types';

export const meKey = ['auth', 'me'] as const;

/** The signed-in user, or null when nobody is (401) or the server has no accounts (404). */
export async function fetchMe(signal?: AbortSignal): Promise<SessionUser | null> {
  try {
    const r = await unwrap(client.GET('/api/v1/auth/me', { signal }));
    return r.user;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) return null;
    throw e;
  }
}

export const meQuery = () => queryOptions({ queryKey: meKey, queryFn: ({ signal }) => fetchMe(signal), staleTime: 60_000 });

export const useMe = () => useQuery(meQuery());

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginBody) => unwrap(client.POST('/api/v1/auth/login', { body })),
    onSuccess: (r) => {
      qc.setQueryData(meKey, r.user);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(client.POST('/api/v1/auth/logout')),
    onSettled: () => {
      qc.setQueryData(meKey, null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] === 'admin' });
    },
  });
}
