//! A league: standings (rating, uncertainty, W-D-L, streak), the provisional toggle, recent matches.
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Avatar } from '@/components/Avatar';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { Pager } from '@/components/Pager';
import { useI18n } from '@/lib/i18n';
import { useCursorPager } from '@/lib/use-cursor-pager';
import { useLeague, useRecentMatches, useStandings } from '../api/leagues';
import { streakLabel, uncertainty } from '../lib/standing';
import { MatchList } from './MatchList';

export function LeaguePage({ slug }: { slug: string }) {
  const { t, number } = useI18n();
  const league = useLeague(slug);
  const [provisional, setProvisional] = useState(false);
  const pager = useCursorPager();
  const standings = useStandings(slug, { limit: 50, cursor: pager.cursor, includeProvisional: provisional });
  const matches = useRecentMatches(slug);
  if (league.isPending) return <Loading />;
  if (league.isError) return <ErrorMessage error={league.error} />;
  const l = league.data;
  const fmt = (n: number | null | undefined) => (n == null ? '–' : number(n, { maximumFractionDigits: 1 }));
  return (
    <article className="stack">
      <header className="page-head">
        <div>
          <h1>{l.name}</h1>
          <p className="muted">
            {t(`system.${l.system}` as 'system.elo')} · {t('league.season', { n: l.season })} ·{' '}
            {t('league.participants', { n: number(l.participants) })} · {t('league.matches', { n: number(l.matches) })}
          </p>
        </div>
      </header>
      <h2>{t('league.standings')}</h2>
      <label className="toggle">
        <input
          type="checkbox"
          checked={provisional}
          onChange={(e) => {
            setProvisional(e.target.checked);
            pager.reset();
          }}
        />{' '}
        {t('league.show_provisional')}
      </label>
      {standings.isPending ? (
        <Loading />
      ) : standings.isError ? (
        <ErrorMessage error={standings.error} />
      ) : standings.data.standings.length === 0 ? (
        <p className="muted">{t('league.no_standings')}</p>
      ) : (
        <div className="table-wrap">
          <table className="ranking">
            <caption className="visually-hidden">{t('league.standings')}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">{t('table.rank')}</th>
                <th scope="col">{t('table.participant')}</th>
                <th scope="col" className="num">{l.system === 'points' ? t('table.points') : t('table.rating')}</th>
                <th scope="col" className="num hide-sm">{t('table.uncertainty')}</th>
                <th scope="col" className="num">
                  <abbr title={t('table.wdl_long')}>{t('table.wdl')}</abbr>
                </th>
                <th scope="col" className="num hide-sm">{t('table.streak')}</th>
              </tr>
            </thead>
            <tbody>
              {standings.data.standings.map((s) => (
                <tr key={s.participant} className={s.provisional ? 'provisional' : undefined}>
                  <td className="num rank">{s.rank == null ? '–' : number(s.rank)}</td>
                  <td>
                    <span className="who">
                      <Avatar id={s.participant} name={s.display_name ?? s.participant} src={s.avatar_url} />
                      <Link to={`/leagues/${encodeURIComponent(slug)}/participants/${encodeURIComponent(s.participant)}`}>
                        {s.display_name ?? s.participant}
                      </Link>
                      {s.display_name && s.display_name !== s.participant && <span className="muted participant-id">{s.participant}</span>}
                    </span>
                    {s.provisional && <span className="badge">{t('league.provisional')}</span>}
                  </td>
                  <td className="num score">{fmt(s.display_rating)}</td>
                  <td className="num hide-sm">{uncertainty(s) == null ? '–' : `±${fmt(uncertainty(s))}`}</td>
                  <td className="num">
                    {number(s.wins)}-{number(s.draws)}-{number(s.losses)}
                  </td>
                  <td className="num hide-sm">{streakLabel(s.streak)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {standings.data && (
        <Pager page={pager.page} hasNext={!!standings.data.next_cursor} onPrev={pager.prev} onNext={() => pager.next(standings.data?.next_cursor)} />
      )}
      <h2>{t('league.recent_matches')}</h2>
      {matches.isPending ? <Loading /> : matches.isError ? <ErrorMessage error={matches.error} /> : <MatchList slug={slug} matches={matches.data.matches} />}
    </article>
  );
}
