import { Link } from 'react-router-dom';
import { useI18n } from '@/lib/i18n';
import type { Match } from '@/lib/api-types';

/** Matches as "ann (1) vs bob (2)" lines, newest first, with rating changes. */
export function MatchList({ slug, matches, focus }: { slug: string; matches: Match[]; focus?: string }) {
  const { t, dateTime, number } = useI18n();
  if (matches.length === 0) return <p className="muted">{t('league.no_matches')}</p>;
  return (
    <ol className="matches">
      {matches.map((m) => (
        <li key={m.id} className={m.voided ? 'voided' : undefined}>
          <time dateTime={m.played_at}>{dateTime(m.played_at)}</time>
          <span className="teams">
            {m.teams.map((team, i) => (
              <span key={i}>
                {i > 0 && <span className="vs"> {t('league.vs')} </span>}
                <span className={team.rank === 1 ? 'team winner' : 'team'}>
                {team.participants.map((p, j) => {
                  const d = p.rating_after != null && p.rating_before != null ? p.rating_after - p.rating_before : null;
                  return (
                    <span key={p.participant}>
                      {j > 0 && ' & '}
                      {p.participant === focus ? (
                        <strong>{p.participant}</strong>
                      ) : (
                        <Link to={`/leagues/${encodeURIComponent(slug)}/participants/${encodeURIComponent(p.participant)}`}>
                          {p.participant}
                        </Link>
                      )}
                      {d != null && (
                        <span className={d >= 0 ? 'delta up' : 'delta down'}>
                          {' '}
                          ({d >= 0 ? '+' : '−'}
                          {number(Math.abs(d), { maximumFractionDigits: 1 })})
                        </span>
                      )}
                    </span>
                  );
                })}
                {team.score != null && <span className="muted"> [{number(team.score)}]</span>}
                </span>
              </span>
            ))}
          </span>
          {m.voided && <span className="badge">{t('league.voided')}</span>}
        </li>
      ))}
    </ol>
  );
}
