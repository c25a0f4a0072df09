//! A leaderboard: ranks with movement, cursor pages, a period picker, jump to a participant,
//! the countdown to the next reset, live updates over SSE, and the embed snippet.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { Pager } from '@/components/Pager';
import { useI18n } from '@/lib/i18n';
import { useCursorPager } from '@/lib/use-cursor-pager';
import { useEventSource } from '@/lib/use-event-source';
import type { Entry } from '@/lib/api-types';
import {
  eventsUrl,
  leaderboardKeys,
  useAround,
  useEntries,
  useLeaderboard,
  usePeriods,
  type LiveEntry,
} from '../api/leaderboards';
import { loadLastVisit, movement, rememberVisit, type Ranks } from '../lib/movement';
import { resetLabel } from '../lib/reset';
import { Countdown } from './Countdown';
import { EntriesTable } from './EntriesTable';
import { EmbedSnippet } from './EmbedSnippet';

const PAGE_SIZE = 100;

export function LeaderboardPage({ slug }: { slug: string }) {
  const { t, number, dateTime } = useI18n();
  const board = useLeaderboard(slug);
  const periods = usePeriods(slug);
  const [period, setPeriod] = useState<number | undefined>(undefined);
  const pager = useCursorPager();
  const [jumpTo, setJumpTo] = useState<string | null>(null);
  const entries = useEntries(slug, { limit: PAGE_SIZE, cursor: pager.cursor, period }, !jumpTo);
  const around = useAround(slug, jumpTo, period);
  const qc = useQueryClient();

  const periodList = useMemo(() => periods.data?.periods ?? [], [periods.data]);
  const currentId = periods.data?.current.id ?? board.data?.current_period.id ?? null;
  const viewing = period ?? currentId;
  const isCurrent = period === undefined || period === currentId;

  // The reference for ▲▼: the period before the one shown when there is one, else the last visit.
  const previousPeriod = useMemo(() => {
    const sorted = [...periodList].filter((p) => p.id != null).sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    const i = sorted.findIndex((p) => p.id === viewing);
    return i > 0 ? sorted[i - 1] : i === -1 && viewing == null ? sorted[sorted.length - 1] : undefined;
  }, [periodList, viewing]);
  const shown: Entry[] = useMemo(
    () => (jumpTo ? around.data?.entries : entries.data?.entries) ?? [],
    [jumpTo, around.data, entries.data],
  );
  const visibleIds = shown.map((e) => e.participant);
  const prevRanks = useEntries(
    slug,
    { period: previousPeriod?.id ?? undefined, participants: visibleIds, limit: PAGE_SIZE },
    !!previousPeriod?.id && visibleIds.length > 0,
  );
  const [lastVisit] = useState<Ranks | null>(() => loadLastVisit(slug, null));
  const reference: Ranks | null = useMemo(() => {
    if (previousPeriod?.id && prevRanks.data) {
      return Object.fromEntries(prevRanks.data.entries.map((e) => [e.participant, e.rank]));
    }
    return isCurrent ? lastVisit : null;
  }, [previousPeriod, prevRanks.data, isCurrent, lastVisit]);

  useEffect(() => {
    if (isCurrent && shown.length > 0) {
      rememberVisit(slug, null, Object.fromEntries(shown.map((e) => [e.participant, e.rank])));
    }
  }, [slug, isCurrent, shown]);

  // Live updates: note each participant's move, refetch the page (at most once a second).
  const [live, setLive] = useState<Record<string, number | null>>({});
  const [flashed, setFlashed] = useState<Set<string>>(new Set());
  const [announce, setAnnounce] = useState('');
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onEntry = useCallback(
    (data: unknown) => {
      const ev = data as LiveEntry;
      setLive((l) => ({ ...l, [ev.participant]: ev.previous_rank == null ? null : ev.previous_rank - ev.rank }));
      setFlashed((f) => new Set(f).add(ev.participant));
      setTimeout(() => setFlashed((f) => { const n = new Set(f); n.delete(ev.participant); return n; }), 3000);
      setAnnounce(t('live.update', { participant: ev.participant, rank: number(ev.rank), score: number(ev.score) }));
      if (!refetchTimer.current) {
        refetchTimer.current = setTimeout(() => {
          refetchTimer.current = null;
          void qc.invalidateQueries({ queryKey: leaderboardKeys.entries(slug) });
          void qc.invalidateQueries({ queryKey: leaderboardKeys.one(slug), exact: true });
        }, 300);
      }
    },
    [qc, slug, t, number],
  );
  useEffect(() => () => { if (refetchTimer.current) clearTimeout(refetchTimer.current); }, []);
  const stream = useEventSource(isCurrent ? eventsUrl(slug) : null, 'entry', onEntry);

  const [jumpText, setJumpText] = useState('');
  const submitJump = (e: FormEvent) => {
    e.preventDefault();
    const p = jumpText.trim();
    setJumpTo(p || null);
  };

  if (board.isPending) return <Loading />;
  if (board.isError) return <ErrorMessage error={board.error} />;
  const b = board.data;
  const moveOf = (e: Entry) => (e.participant in live ? live[e.participant]! : movement(reference, e.participant, e.rank));
  const list = jumpTo ? around : entries;

  return (
    <article className="stack">
      <header className="page-head">
        <div>
          <h1>{b.name}</h1>
          <p className="muted">
            {t('leaderboard.entries', { n: number(b.entries) })} · {resetLabel(t, b.reset)} ·{' '}
            {t(b.order === 'asc' ? 'leaderboard.order_asc' : 'leaderboard.order_desc')}
          </p>
        </div>
        <p className={`live-badge ${stream}`} aria-live="off">
          <span aria-hidden="true">●</span> {t(`live.${stream}`)}
        </p>
      </header>
      {isCurrent && b.current_period.ends_at && <Countdown endsAt={b.current_period.ends_at} />}

      <div className="toolbar">
        {periodList.length > 0 && (
          <label>
            {t('leaderboard.period')}{' '}
            <select
              value={period ?? ''}
              onChange={(e) => {
                setPeriod(e.target.value ? Number(e.target.value) : undefined);
                pager.reset();
              }}
            >
              <option value="">{t('leaderboard.current_period')}</option>
              {periodList
                .filter((p) => p.id != null && p.id !== currentId)
                .map((p) => (
                  <option key={p.id} value={p.id!}>
                    {dateTime(p.starts_at)}
                    {p.ends_at ? ` – ${dateTime(p.ends_at)}` : ''}
                  </option>
                ))}
            </select>
          </label>
        )}
        <form onSubmit={submitJump} role="search" className="jump">
          <label htmlFor="jump">{t('leaderboard.jump')}</label>
          <input id="jump" value={jumpText} onChange={(e) => setJumpText(e.target.value)} autoComplete="off" />
          <button type="submit">{t('leaderboard.jump_go')}</button>
          {jumpTo && (
            <button type="button" onClick={() => { setJumpTo(null); setJumpText(''); }}>
              {t('leaderboard.back_to_top')}
            </button>
          )}
        </form>
      </div>

      <div className="visually-hidden" aria-live="polite" role="status">
        {announce}
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorMessage error={list.error} />
      ) : shown.length === 0 ? (
        <p className="muted">{t('leaderboard.empty')}</p>
      ) : (
        <EntriesTable
          entries={shown}
          caption={b.name}
          moveOf={moveOf}
          highlight={jumpTo}
          flashed={flashed}
        />
      )}
      {!jumpTo && entries.data && (
        <Pager
          page={pager.page}
          hasNext={!!entries.data.next_cursor}
          onPrev={pager.prev}
          onNext={() => pager.next(entries.data?.next_cursor)}
        />
      )}
      <p className="muted small">
        {t(previousPeriod?.id ? 'movement.since_period' : 'movement.since_visit')}
      </p>
      <EmbedSnippet slug={slug} />
    </article>
  );
}
