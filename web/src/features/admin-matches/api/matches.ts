//! Admin match operations for one league: record, edit, void, CSV import (with upload
//! progress), recompute (with a polled job) and new seasons.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, seg, type Problem } from '@/lib/api-client';
import type { ImportResult, Job, JobStarted, MatchBody, MatchPage, SeasonView, Match } from '@/lib/api-types';

const league = (slug: string) => `/api/v1/leagues/${seg(slug)}`;

export function useAdminMatches(slug: string) {
  return useQuery({
    queryKey: ['leagues', slug, 'matches', 'admin'],
    queryFn: ({ signal }) => api<MatchPage>(`${league(slug)}/matches`, { signal, query: { limit: 50 } }),
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
    mutationFn: (body: MatchBody) => api<Match>(`${league(slug)}/matches`, { method: 'POST', body }),
    onSuccess: refresh,
  });
}

export function useEditMatch(slug: string) {
  const refresh = useRefresh(slug);
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: MatchBody }) =>
      api<Match>(`${league(slug)}/matches/${id}`, { method: 'PATCH', body }),
    onSuccess: refresh,
  });
}

export function useVoidMatch(slug: string) {
  const refresh = useRefresh(slug);
  return useMutation({
    mutationFn: (id: number) => api<unknown>(`${league(slug)}/matches/${id}`, { method: 'DELETE' }),
    onSuccess: refresh,
  });
}

export function useNewSeason(slug: string) {
  const refresh = useRefresh(slug);
  return useMutation({
    mutationFn: () => api<SeasonView>(`${league(slug)}/seasons`, { method: 'POST', body: {} }),
    onSuccess: refresh,
  });
}

/** Uploads CSV with XMLHttpRequest, the one browser API that reports upload progress. */
export function uploadCsv(slug: string, csv: string, onProgress: (fraction: number) => void): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${league(slug)}/matches:import`);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      onProgress(1);
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportResult);
      else reject(new ApiError(xhr.status, (body ?? { title: xhr.statusText }) as Partial<Problem>));
    };
    xhr.onerror = () => reject(new Error('network error'));
    xhr.send(csv);
  });
}

export function useImport(slug: string, onProgress: (f: number) => void) {
  const refresh = useRefresh(slug);
  return useMutation({ mutationFn: (csv: string) => uploadCsv(slug, csv, onProgress), onSuccess: refresh });
}

export function useRecompute(slug: string) {
  return useMutation({
    mutationFn: () => api<JobStarted>(`${league(slug)}/recompute`, { method: 'POST' }),
  });
}

/** Polls a job every half second until it has finished. */
export function useJob(id: string | null) {
  return useQuery({
    queryKey: ['jobs', id],
    queryFn: ({ signal }) => api<Job>(`/api/v1/jobs/${seg(id ?? '')}`, { signal }),
    enabled: !!id,
    refetchInterval: (q) => {
      const s = q.state.data?.state;
      return s === 'succeeded' || s === 'failed' ? false : 500;
    },
  });
}
