//! Admin writes for leaderboards and leagues (create, edit, delete), plus the lists they act on.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';
import type {
  CreateLeaderboard,
  CreateLeague,
  Leaderboard,
  LeaderboardList,
  League,
  LeagueList,
  UpdateLeaderboard,
  UpdateLeague,
} from '@/lib/api-types';

export type Kind = 'leaderboards' | 'leagues';

export const useBoards = () =>
  useQuery({ queryKey: ['leaderboards'], queryFn: ({ signal }) => api<LeaderboardList>('/api/v1/leaderboards', { signal }) });
export const useLeaguesAdmin = () =>
  useQuery({ queryKey: ['leagues'], queryFn: ({ signal }) => api<LeagueList>('/api/v1/leagues', { signal }) });

function useInvalidate(kind: Kind) {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: [kind] });
}

export function useCreateBoard() {
  const done = useInvalidate('leaderboards');
  return useMutation({
    mutationFn: (body: CreateLeaderboard) => api<Leaderboard>('/api/v1/leaderboards', { method: 'POST', body }),
    onSuccess: done,
  });
}
export function useUpdateBoard(slug: string) {
  const done = useInvalidate('leaderboards');
  return useMutation({
    mutationFn: (body: UpdateLeaderboard) => api<Leaderboard>(`/api/v1/leaderboards/${seg(slug)}`, { method: 'PATCH', body }),
    onSuccess: done,
  });
}
export function useCreateLeague() {
  const done = useInvalidate('leagues');
  return useMutation({
    mutationFn: (body: CreateLeague) => api<League>('/api/v1/leagues', { method: 'POST', body }),
    onSuccess: done,
  });
}
export function useUpdateLeague(slug: string) {
  const done = useInvalidate('leagues');
  return useMutation({
    mutationFn: (body: UpdateLeague) => api<League>(`/api/v1/leagues/${seg(slug)}`, { method: 'PATCH', body }),
    onSuccess: done,
  });
}
export function useDelete(kind: Kind) {
  const done = useInvalidate(kind);
  return useMutation({
    mutationFn: (slug: string) => api<unknown>(`/api/v1/${kind}/${seg(slug)}`, { method: 'DELETE' }),
    onSuccess: done,
  });
}
