//! Admin writes for leaderboards and leagues (create, edit, delete), plus the lists they act on.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { client, unwrap } from '@/lib/api-client';
import type { CreateLeaderboard, CreateLeague, UpdateLeaderboard, UpdateLeague } from '@/lib/api-types';

export type Kind = 'leaderboards' | 'leagues';

export const useBoards = () =>
  useQuery({ queryKey: ['leaderboards'], queryFn: ({ signal }) => unwrap(client.GET('/api/v1/leaderboards', { signal })) });
export const useLeaguesAdmin = () =>
  useQuery({ queryKey: ['leagues'], queryFn: ({ signal }) => unwrap(client.GET('/api/v1/leagues', { signal })) });

function useInvalidate(kind: Kind) {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: [kind] });
}

export function useCreateBoard() {
  const done = useInvalidate('leaderboards');
  return useMutation({
    mutationFn: (body: CreateLeaderboard) => unwrap(client.POST('/api/v1/leaderboards', { body })),
    onSuccess: done,
  });
}
export function useUpdateBoard(slug: string) {
  const done = useInvalidate('leaderboards');
  return useMutation({
    mutationFn: (body: UpdateLeaderboard) => unwrap(client.PATCH('/api/v1/leaderboards/{slug}', { params: { path: { slug } }, body })),
    onSuccess: done,
  });
}
export function useCreateLeague() {
  const done = useInvalidate('leagues');
  return useMutation({
    mutationFn: (body: CreateLeague) => unwrap(client.POST('/api/v1/leagues', { body })),
    onSuccess: done,
  });
}
export function useUpdateLeague(slug: string) {
  const done = useInvalidate('leagues');
  return useMutation({
    mutationFn: (body: UpdateLeague) => unwrap(client.PATCH('/api/v1/leagues/{slug}', { params: { path: { slug } }, body })),
    onSuccess: done,
  });
}
export function useDelete(kind: Kind) {
  const done = useInvalidate(kind);
  return useMutation({
    mutationFn: (slug: string) =>
      unwrap(
        kind === 'leaderboards'
          ? client.DELETE('/api/v1/leaderboards/{slug}', { params: { path: { slug } } })
          : client.DELETE('/api/v1/leagues/{slug}', { params: { path: { slug } } }),
      ),
    onSuccess: done,
  });
}
