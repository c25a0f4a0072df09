//! Public league reads and the prediction call: fetchers, query options, hooks.
import { keepPreviousData, queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import { api, ApiError, seg } from '@/lib/api-client';
import type {
  HeadToHead,
  HistoryPage,
  League,
  LeagueList,
  MatchPage,
  PredictBody,
  Profile,
  Prediction,
  Standing,
  StandingsPage,
} from '@/lib/api-types';

const base = '/api/v1/leagues';
const one = (slug: string) => `${base}/${seg(slug)}`;

export const leagueKeys = {
  all: ['leagues'] as const,
  one: (slug: string) => ['leagues', slug] as const,
};

export const leaguesQuery = () =>
  queryOptions({ queryKey: leagueKeys.all, queryFn: ({ signal }) => api<LeagueList>(base, { signal }) });

export const leagueQuery = (slug: string) =>
  queryOptions({ queryKey: leagueKeys.one(slug), queryFn: ({ signal }) => api<League>(one(slug), { signal }) });

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
      api<StandingsPage>(`${one(slug)}/standings`, {
        signal,
        query: { limit: p.limit, cursor: p.cursor, include_provisional: p.includeProvisional || undefined, season: p.season },
      }),
    placeholderData: keepPreviousData,
  });

export const matchesQuery = (slug: string, limit = 10) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'matches', limit] as const,
    queryFn: ({ signal }) => api<MatchPage>(`${one(slug)}/matches`, { signal, query: { limit } }),
  });

export const participantQuery = (slug: string, p: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'participant', p] as const,
    queryFn: ({ signal }) => api<Standing>(`${one(slug)}/participants/${seg(p)}`, { signal }),
    retry: false,
  });

export const historyQuery = (slug: string, p: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'participant', p, 'history'] as const,
    queryFn: ({ signal }) => api<HistoryPage>(`${one(slug)}/participants/${seg(p)}/history`, { signal, query: { limit: 500 } }),
  });

export const participantMatchesQuery = (slug: string, p: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'participant', p, 'matches'] as const,
    queryFn: ({ signal }) => api<MatchPage>(`${one(slug)}/participants/${seg(p)}/matches`, { signal, query: { limit: 10 } }),
  });

export const headToHeadQuery = (slug: string, a: string, b: string) =>
  queryOptions({
    queryKey: [...leagueKeys.one(slug), 'h2h', a, b] as const,
    queryFn: ({ signal }) => api<HeadToHead>(`${one(slug)}/head-to-head`, { signal, query: { a, b } }),
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
    mutationFn: (body: PredictBody) => api<Prediction>(`${one(slug)}/predict`, { method: 'POST', body }),
  });

/** A participant's profile (display name, avatar), or null when they have none. */
export const profileQuery = (participant: string) =>
  queryOptions({
    queryKey: ['profiles', participant] as const,
    queryFn: async ({ signal }) => {
      try {
        return await api<Profile>(`/api/v1/participants/${seg(participant)}/profile`, { signal });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });

export const useProfile = (participant: string) => useQuery(profileQuery(participant));

