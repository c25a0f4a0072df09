//! Record a two-team match, and edit (swap or change the result) or void recorded ones.
import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import type { Match, MatchBody } from '@/lib/api-types';
import { useAdminMatches, useEditMatch, useRecordMatch, useVoidMatch } from '../api/matches';

type Result = 'a' | 'draw' | 'b';
const split = (s: string) => s.split(',').map((p) => p.trim()).filter(Boolean);

export function matchBody(a: string[], b: string[], result: Result, playedAt: string): MatchBody {
  const rank = { a: [1, 2], draw: [1, 1], b: [2, 1] }[result];
  return {
    played_at: new Date(playedAt).toISOString(),
    teams: [
      { participants: a, rank: rank[0] },
      { participants: b, rank: rank[1] },
    ],
  };
}

const localNow = () => {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
};

export function MatchesAdmin({ slug }: { slug: string }) {
  const { t } = useI18n();
  const list = useAdminMatches(slug);
  const record = useRecordMatch(slug);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [result, setResult] = useState<Result>('a');
  const [at, setAt] = useState(localNow);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    record.mutate(matchBody(split(a), split(b), result, at), { onSuccess: () => { setA(''); setB(''); } });
  };
  return (
    <section className="stack" aria-labelledby="record-title">
      <h2 id="record-title">{t('match.record')}</h2>
      <form onSubmit={submit} className="form-grid">
        <label>{t('match.team_a')}<input required value={a} onChange={(e) => setA(e.target.value)} placeholder="ann, bob" /></label>
        <label>{t('match.team_b')}<input required value={b} onChange={(e) => setB(e.target.value)} placeholder="cy" /></label>
        <label>{t('match.result')}
          <select value={result} onChange={(e) => setResult(e.target.value as Result)}>
            <option value="a">{t('match.a_won')}</option>
            <option value="draw">{t('match.draw')}</option>
            <option value="b">{t('match.b_won')}</option>
          </select>
        </label>
        <label>{t('match.played_at')}<input type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} /></label>
        <button type="submit" className="primary" disabled={record.isPending}>{t('match.save')}</button>
        {record.isError && <ErrorMessage error={record.error} />}
      </form>
      <h2>{t('league.recent_matches')}</h2>
      {list.isPending ? <Loading /> : list.isError ? <ErrorMessage error={list.error} /> : list.data.matches.length === 0 ? <p className="muted">{t('league.no_matches')}</p> : (
        <table className="admin-table">
          <thead><tr><th scope="col">#</th><th scope="col">{t('match.played_at')}</th><th scope="col">{t('match.teams')}</th><th scope="col">{t('admin.actions')}</th></tr></thead>
          <tbody>{list.data.matches.map((m) => <MatchRow key={m.id} slug={slug} m={m} />)}</tbody>
        </table>
      )}
    </section>
  );
}

function MatchRow({ slug, m }: { slug: string; m: Match }) {
  const { t, dateTime } = useI18n();
  const edit = useEditMatch(slug);
  const voidM = useVoidMatch(slug);
  const twoTeams = m.teams.length === 2;
  const setResult = (r: Result) => {
    const [ta, tb] = m.teams;
    edit.mutate({ id: m.id, body: { ...matchBody(ta!.participants.map((p) => p.participant), tb!.participants.map((p) => p.participant), r, m.played_at), external_id: m.external_id ?? null, metadata: m.metadata } });
  };
  return (
    <tr className={m.voided ? 'voided' : undefined}>
      <td>{m.id}</td>
      <td>{dateTime(m.played_at)}</td>
      <td>
        {m.teams.map((tm) => `${tm.participants.map((p) => p.participant).join(' & ')} (${tm.rank})`).join(` ${t('league.vs')} `)}
        {m.voided && <span className="badge">{t('league.voided')}</span>}
      </td>
      <td className="actions">
        {!m.voided && twoTeams && (
          <label>
            <span className="visually-hidden">{t('match.result')} #{m.id}</span>
            <select value="" onChange={(e) => e.target.value && setResult(e.target.value as Result)} disabled={edit.isPending}>
              <option value="">{t('match.edit_result')}</option>
              <option value="a">{t('match.a_won')}</option>
              <option value="draw">{t('match.draw')}</option>
              <option value="b">{t('match.b_won')}</option>
            </select>
          </label>
        )}
        {!m.voided && (
          <button type="button" className="danger" disabled={voidM.isPending} onClick={() => { if (window.confirm(t('match.confirm_void', { id: m.id }))) voidM.mutate(m.id); }}>
            {t('match.void')}
          </button>
        )}
        {edit.isError && <ErrorMessage error={edit.error} />}
        {voidM.isError && <ErrorMessage error={voidM.error} />}
      </td>
    </tr>
  );
}
