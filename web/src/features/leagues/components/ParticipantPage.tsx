//! A league participant: numbers, rating history chart, recent matches, head-to-head and a
//! win-probability calculator.
import { lazy, Suspense, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { Avatar } from '@/components/Avatar';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useHeadToHead, useHistory, useLeague, useParticipant, useParticipantMatches, usePredict, useProfile } from '../api/leagues';
import { streakLabel, uncertainty } from '../lib/standing';
import { MatchList } from './MatchList';

const RatingChart = lazy(() => import('./RatingChart'));

export function ParticipantPage({ slug, participant }: { slug: string; participant: string }) {
  const { t, number, locale } = useI18n();
  const league = useLeague(slug);
  const me = useParticipant(slug, participant);
  const history = useHistory(slug, participant);
  const matches = useParticipantMatches(slug, participant);
  const profile = useProfile(participant);
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorMessage error={me.error} />;
  const s = me.data;
  const fmt = (n: number | null | undefined) => (n == null ? '–' : number(n, { maximumFractionDigits: 1 }));
  return (
    <article className="stack">
      <nav aria-label={t('nav.breadcrumb')} className="muted">
        <Link to={`/leagues/${encodeURIComponent(slug)}`}>{league.data?.name ?? slug}</Link> › {participant}
      </nav>
      <h1 className="participant-title">
        <Avatar id={participant} name={profile.data?.display_name ?? participant} src={profile.data?.avatar_url} />
        <span>{profile.data?.display_name ?? participant}</span>
        {profile.data?.display_name ? <code className="muted">{participant}</code> : null}
      </h1>
      <dl className="stats">
        <div><dt>{t('table.rank')}</dt><dd>{s.rank == null ? t('league.provisional') : number(s.rank)}</dd></div>
        <div><dt>{t('table.rating')}</dt><dd>{fmt(s.display_rating)}</dd></div>
        <div><dt>{t('table.uncertainty')}</dt><dd>{uncertainty(s) == null ? '–' : `±${fmt(uncertainty(s))}`}</dd></div>
        <div><dt>{t('table.wdl_long')}</dt><dd>{s.wins}-{s.draws}-{s.losses}</dd></div>
        <div><dt>{t('table.streak')}</dt><dd>{streakLabel(s.streak)}</dd></div>
        <div><dt>{t('participant.peak')}</dt><dd>{fmt(s.peak_rating)}</dd></div>
      </dl>
      <section>
        <h2>{t('participant.history')}</h2>
        {history.isPending ? (
          <Loading />
        ) : history.isError ? (
          <ErrorMessage error={history.error} />
        ) : history.data.history.length === 0 ? (
          <p className="muted">{t('league.no_matches')}</p>
        ) : (
          <Suspense fallback={<Loading />}>
            <RatingChart points={history.data.history} label={t('participant.history_of', { p: participant })} locale={locale} />
          </Suspense>
        )}
      </section>
      <section>
        <h2>{t('league.recent_matches')}</h2>
        {matches.isPending ? <Loading /> : matches.isError ? <ErrorMessage error={matches.error} /> : <MatchList slug={slug} matches={matches.data.matches} focus={participant} />}
      </section>
      <Versus slug={slug} participant={participant} />
    </article>
  );
}

function Versus({ slug, participant }: { slug: string; participant: string }) {
  const { t, percent, number } = useI18n();
  const [text, setText] = useState('');
  const [other, setOther] = useState<string | null>(null);
  const h2h = useHeadToHead(slug, participant, other);
  const predict = usePredict(slug);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const o = text.trim();
    if (!o) return;
    setOther(o);
    predict.mutate({ teams: [{ participants: [participant] }, { participants: [o] }] });
  };
  return (
    <section className="stack">
      <h2>{t('participant.versus')}</h2>
      <form onSubmit={submit} className="inline-form">
        <label htmlFor="opponent">{t('participant.opponent')}</label>
        <input id="opponent" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" required />
        <button type="submit">{t('participant.compare')}</button>
      </form>
      {other && (
        <div className="grid-2">
          <div>
            <h3>{t('participant.h2h')}</h3>
            {h2h.isPending ? (
              <Loading />
            ) : h2h.isError ? (
              <ErrorMessage error={h2h.error} />
            ) : (
              <p>
                {t('participant.h2h_summary', {
                  a: participant,
                  b: other,
                  n: number(h2h.data.matches),
                  aw: number(h2h.data.a_wins),
                  bw: number(h2h.data.b_wins),
                  d: number(h2h.data.draws),
                })}
              </p>
            )}
          </div>
          <div>
            <h3>{t('participant.win_probability')}</h3>
            {predict.isPending ? (
              <Loading />
            ) : predict.isError ? (
              <ErrorMessage error={predict.error} />
            ) : predict.data ? (
              <ul className="plain">
                <li>{participant}: <strong>{percent(predict.data.win_probability[0] ?? 0)}</strong></li>
                <li>{other}: <strong>{percent(predict.data.win_probability[1] ?? 0)}</strong></li>
                {predict.data.draw_probability != null && <li>{t('participant.draw')}: {percent(predict.data.draw_probability)}</li>}
                <li className="muted">{t('participant.quality')}: {percent(predict.data.quality)}</li>
              </ul>
            ) : null}
          </div>
        </div>
      )}
    </section>
  );
}
