//! Admin match operations for one league: record, edit, void, CSV import (with upload
//! progress), recompute (with a polled job) and new seasons.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { client, fetchWithUploadProgress, unwrap } from '@/lib/api-client';
import type { MatchBody } from '@/lib/api-types';

export function useAdminMatches(slug: string) {
  return useQuery({
    queryKey: ['leagues', slug, 'matches', 'admin'],
    queryFn: ({ signal }) =>
      unwrap(client.GET('/api/v1/leagues/{slug}/matches', { params: { path: { slug }, query: { limit: 50 } }, signal })),
  });
}

function useRefresh(slug: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['leagues', slug] });
    void qc.invalidateQueries({ queryKey: ['leagues'], exact: true });
  };
}

export function useRecordMatch(slug: string) {
  const refresh = useRefresh(slug);
  return useMutation({
    mutationFn: (body: MatchBody) => unwrap(client.POST('/api/v1/leagues/{slug}/matches', { params: { path: { slug } }, body })),
    onSuccess: refresh,
  });
}

export function useEditMatch(slug: string) {
  const refresh = useRefresh(slug);
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: MatchBody }) =>
      unwrap(client.PATCH('/api/v1/leagues/{slug}/matches/{id}', { params: { path: { slug, id } }, body })),
    onSuccess: refresh,
  });
}

export function useVoidMatch(slug: string) {
  const refresh = useRefresh(slug);
  return useMutation({
    mutationFn: (id: number) => unwrap(client.DELETE('/api/v1/leagues/{slug}/matches/{id}', { params: { path: { slug, id } } })),
    onSuccess: refresh,
  });
}

export function useNewSeason(slug: string) {
  const refresh = useRefresh(slug);
  return useMutation({
    mutationFn: () => unwrap(client.POST('/api/v1/leagues/{slug}/seasons', { params: { path: { slug } } })),
    onSuccess: refresh,
  });
}

/**
 * Uploads CSV as it is (`text/csv`, not JSON), through XMLHttpRequest because it is the one
 * browser API that reports upload progress; the call itself is still the typed client's.
 */
export function uploadCsv(slug: string, csv: string, onProgress: (fraction: number) => void) {
  return unwrap(
    client.POST('/api/v1/leagues/{slug}/matches:import', {
      params: { path: { slug } },
      body: csv,
      bodySerializer: (text) => text,
      headers: { 'Content-Type': 'text/csv' },
      fetch: fetchWithUploadProgress(onProgress),
    }),
  );
}

export function useImport(slug: string, onProgress: (f: number) => void) {
  const refresh = useRefresh(slug);
  return useMutation({ mutationFn: (csv: string) => uploadCsv(slug, csv, onProgress), onSuccess: refresh });
}

export function useRecompute(slug: string) {
  return useMutation({
    mutationFn: () => unwrap(client.POST('/api/v1/leagues/{slug}/recompute', { params: { path: { slug } } })),
  });
}

/** Polls a job every half second until it has finished. */
export function useJob(id: string | null) {
  return useQuery({
    queryKey: ['jobs', id],
    queryFn: ({ signal }) => unwrap(client.GET('/api/v1/jobs/{id}', { params: { path: { id: id ?? '' } }, signal })),
    enabled: !!id,
    refetchInterval: (q) => {
      const s = q.state.data?.state;
      return s === 'succeeded' || s === 'failed' ? false : 500;
    },
  });
}
