//! Public leaderboard reads: fetchers, TanStack Query options and hooks.
import { queryOptions, useQuery, keepPreviousData } from '@tanstack/react-query';
import { api, seg } from '@/lib/api-client';
import type { AroundPage, EntryPage, Leaderboard, LeaderboardList, PeriodList } from '@/lib/api-types';

const base = '/api/v1/leaderboards';

export const leaderboardKeys = {
  all: ['leaderboards'] as const,
  one: (slug: string) => ['leaderboards', slug] as const,
  entries: (slug: string) => ['leaderboards', slug, 'entries'] as const,
};

export const leaderboardsQuery = () =>
  queryOptions({ queryKey: leaderboardKeys.all, queryFn: ({ signal }) => api<LeaderboardList>(base, { signal }) });

export const leaderboardQuery = (slug: string) =>
  queryOptions({
    queryKey: leaderboardKeys.one(slug),
    queryFn: ({ signal }) => api<Leaderboard>(`${base}/${seg(slug)}`, { signal }),
  });

export interface EntriesParams {
  limit?: number;
  cursor?: string;
  period?: number;
  participants?: string[];
}

export const entriesQuery = (slug: string, p: EntriesParams) =>
  queryOptions({
    queryKey: [...leaderboardKeys.entries(slug), p] as const,
    queryFn: ({ signal }) =>
      api<EntryPage>(`${base}/${seg(slug)}/entries`, {
        signal,
        query: { limit: p.limit, cursor: p.cursor, period: p.period, participants: p.participants?.join(',') },
      }),
    placeholderData: keepPreviousData,
  });

export const aroundQuery = (slug: string, participant: string, period?: number, limit = 11) =>
  queryOptions({
    queryKey: [...leaderboardKeys.entries(slug), 'around', participant, period, limit] as const,
    queryFn: ({ signal }) =>
      api<AroundPage>(`${base}/${seg(slug)}/entries/${seg(participant)}/around`, { signal, query: { limit, period } }),
    retry: false,
  });

export const periodsQuery = (slug: string) =>
  queryOptions({
    queryKey: [...leaderboardKeys.one(slug), 'periods'] as const,
    queryFn: ({ signal }) => api<PeriodList>(`${base}/${seg(slug)}/periods`, { signal }),
  });

export const useLeaderboards = () => useQuery(leaderboardsQuery());
export const useLeaderboard = (slug: string) => useQuery(leaderboardQuery(slug));
export const useEntries = (slug: string, p: EntriesParams, enabled = true) => useQuery({ ...entriesQuery(slug, p), enabled });
export const useAround = (slug: string, participant: string | null, period?: number) =>
  useQuery({ ...aroundQuery(slug, participant ?? '', period), enabled: !!participant });
export const usePeriods = (slug: string) => useQuery(periodsQuery(slug));

/** The live stream of a leaderboard's changes (Server-Sent Events, event `entry`). */
export const eventsUrl = (slug: string) => `${base}/${seg(slug)}/events`;

export interface LiveEntry {
  participant: string;
  score: number;
  subscore: number;
  rank: number;
  previous_rank: number | null;
  period_id: number;
}
