//! Public league reads and the prediction call: fetchers, query options, hooks.
import { keepPreviousData, queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import { ApiError, client, unwrap } from '@/lib/api-client';
import type { PredictBody } from '@/lib/api-types';

export const leagueKeys = {
  all: ['leagues'] as const,
  one: (slug: string) => ['leagues', slug] as const,
};

export const leaguesQuery = () =>
  queryOptions({ queryKey: leagueKeys.all, queryFn: ({ signal }) => unwrap(client.GET('/api/v1/leagues', { signal })) });

export const leagueQuery = (slug: string) =>
  queryOptions({
    queryKey: leagueKeys.one(slug),
    queryFn: ({ signal }) => unwrap(client.GET('/api/v1/leagues/{slug}', { params: { path: { slug } }, signal })),
  });

export interface StandingsParams {
  limit?: number;
  cursor?: string;
  includeProvisional?: boolean;
  season?: number;
}

export const standingsQuery = (slug: string, p: StandingsParams) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'standings', p] as const,
    queryFn: ({ signal }) =>
      unwrap(
        client.GET('/api/v1/leagues/{slug}/standings', {
          params: {
            path: { slug },
            query: { limit: p.limit, cursor: p.cursor, include_provisional: p.includeProvisional || undefined, season: p.season },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const matchesQuery = (slug: string, limit = 10) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'matches', limit] as const,
    queryFn: ({ signal }) =>
      unwrap(client.GET('/api/v1/leagues/{slug}/matches', { params: { path: { slug }, query: { limit } }, signal })),
  });

export const participantQuery = (slug: string, participant: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'participant', participant] as const,
    queryFn: ({ signal }) =>
      unwrap(client.GET('/api/v1/leagues/{slug}/participants/{participant}', { params: { path: { slug, participant } }, signal })),
    retry: false,
  });

export const historyQuery = (slug: string, participant: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'participant', participant, 'history'] as const,
    queryFn: ({ signal }) =>
      unwrap(
        client.GET('/api/v1/leagues/{slug}/participants/{participant}/history', {
          params: { path: { slug, participant }, query: { limit: 500 } },
          signal,
        }),
      ),
  });

export const participantMatchesQuery = (slug: string, participant: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'participant', participant, 'matches'] as const,
    queryFn: ({ signal }) =>
      unwrap(
        client.GET('/api/v1/leagues/{slug}/participants/{participant}/matches', {
          params: { path: { slug, participant }, query: { limit: 10 } },
          signal,
        }),
      ),
  });

export const headToHeadQuery = (slug: string, a: string, b: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'h2h', a, b] as const,
    queryFn: ({ signal }) =>
      unwrap(client.GET('/api/v1/leagues/{slug}/head-to-head', { params: { path: { slug }, query: { a, b } }, signal })),
    retry: false,
  });

export const useLeagues = () => useQuery(leaguesQuery());
export const useLeague = (slug: string) => useQuery(leagueQuery(slug));
export const useStandings = (slug: string, p: StandingsParams) => useQuery(standingsQuery(slug, p));
export const useRecentMatches = (slug: string) => useQuery(matchesQuery(slug));
export const useParticipant = (slug: string, p: string) => useQuery(participantQuery(slug, p));
export const useHistory = (slug: string, p: string) => useQuery(historyQuery(slug, p));
export const useParticipantMatches = (slug: string, p: string) => useQuery(participantMatchesQuery(slug, p));
export const useHeadToHead = (slug: string, a: string, b: string | null) =>
  useQuery({ ...headToHeadQuery(slug, a, b ?? ''), enabled: !!b });

export const usePredict = (slug: string) =>
  useMutation({
    mutationFn: (body: PredictBody) => unwrap(client.POST('/api/v1/leagues/{slug}/predict', { params: { path: { slug } }, body })),
  });

/** A participant's profile (display name, avatar), or null when they have none. */
export const profileQuery = (participant: string) =>
  queryOptions({
    queryKey: ['profiles', participant] as const,
    queryFn: async ({ signal }) => {
      try {
        return await unwrap(client.GET('/api/v1/participants/{participant}/profile', { params: { path: { participant } }, signal }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });

export const useProfile = (participant: string) => useQuery(profileQuery(participant));
