//! Public leaderboard reads: fetchers, TanStack Query options and hooks.
import { queryOptions, useQuery, keepPreviousData } from '@tanstack/react-query';
import { apiUrl, client, unwrap } from '@/lib/api-client';

export const leaderboardKeys = {
  all: ['leaderboards'] as const,
  one: (slug: string) => ['leaderboards', slug] as const,
  entries: (slug: string) => ['leaderboards', slug, 'entries'] as const,
};

export const leaderboardsQuery = () =>
  queryOptions({ queryKey: leaderboardKeys.all, queryFn: ({ signal }) => unwrap(client.GET('/api/v1/leaderboards', { signal })) });

export const leaderboardQuery = (slug: string) =>
  queryOptions({
    queryKey: leaderboardKeys.one(slug),
    queryFn: ({ signal }) => unwrap(client.GET('/api/v1/leaderboards/{slug}', { params: { path: { slug } }, signal })),
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
      unwrap(
        client.GET('/api/v1/leaderboards/{slug}/entries', {
          params: {
            path: { slug },
            // The server takes one comma-separated value, not a repeated parameter.
            query: { limit: p.limit, cursor: p.cursor, period: p.period, participants: p.participants?.join(',') || undefined },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const aroundQuery = (slug: string, participant: string, period?: number, limit = 11) =>
  queryOptions({
    queryKey: [...leaderboardKeys.entries(slug), 'around', participant, period, limit] as const,
    queryFn: ({ signal }) =>
      unwrap(
        client.GET('/api/v1/leaderboards/{slug}/entries/{participant}/around', {
          params: { path: { slug, participant }, query: { limit, period } },
          signal,
        }),
      ),
    retry: false,
  });

export const periodsQuery = (slug: string) =>
  queryOptions({
    queryKey: [...leaderboardKeys.one(slug), 'periods'] as const,
    queryFn: ({ signal }) => unwrap(client.GET('/api/v1/leaderboards/{slug}/periods', { params: { path: { slug } }, signal })),
  });

export const useLeaderboards = () => useQuery(leaderboardsQuery());
export const useLeaderboard = (slug: string) => useQuery(leaderboardQuery(slug));
export const useEntries = (slug: string, p: EntriesParams, enabled = true) => useQuery({ ...entriesQuery(slug, p), enabled });
export const useAround = (slug: string, participant: string | null, period?: number) =>
  useQuery({ ...aroundQuery(slug, participant ?? '', period), enabled: !!participant });
export const usePeriods = (slug: string) => useQuery(periodsQuery(slug));

/** The live stream of a leaderboard's changes (Server-Sent Events, event `entry`). */
export const eventsUrl = (slug: string) => apiUrl('/api/v1/leaderboards/{slug}/events', { slug });

/** An `entry` event's data: the OpenAPI document types the stream only as text/event-stream. */
export interface LiveEntry {
  participant: string;
  score: number;
  subscore: number;
  rank: number;
  previous_rank: number | null;
  period_id: number;
}
