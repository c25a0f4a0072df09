//! Admin lists of leaderboards and leagues with create, rename and delete.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import {
  useBoards,
  useCreateBoard,
  useCreateLeague,
  useDelete,
  useLeaguesAdmin,
  useUpdateBoard,
  useUpdateLeague,
  type Kind,
} from '../api/rankings';

const systems = ['elo', 'glicko2', 'trueskill', 'weng_lin', 'points'] as const;

export function LeaderboardsAdmin() {
  const { t, number } = useI18n();
  const list = useBoards();
  const create = useCreateBoard();
  const [form, setForm] = useState({ slug: '', name: '', order: 'desc', operator: 'best', reset: 'never', timezone: 'UTC' });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { ...form, order: form.order as 'asc' | 'desc', operator: form.operator as 'best' },
      { onSuccess: () => setForm((f) => ({ ...f, slug: '', name: '' })) },
    );
  };
  return (
    <section className="stack">
      <h1>{t('admin.leaderboards')}</h1>
      <form onSubmit={submit} className="form-grid" aria-labelledby="new-board">
        <h2 id="new-board">{t('admin.new_leaderboard')}</h2>
        <label>{t('admin.slug')}<input required pattern="[a-z0-9][a-z0-9_\-]{0,63}" value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} /></label>
        <label>{t('admin.name')}<input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label>{t('admin.order')}
          <select value={form.order} onChange={(e) => setForm({ ...form, order: e.target.value })}>
            <option value="desc">{t('leaderboard.order_desc')}</option>
            <option value="asc">{t('leaderboard.order_asc')}</option>
          </select>
        </label>
        <label>{t('admin.operator')}
          <select value={form.operator} onChange={(e) => setForm({ ...form, operator: e.target.value })}>
            {['best', 'latest', 'increment', 'decrement'].map((o) => <option key={o} value={o}>{t(`operator.${o}` as 'operator.best')}</option>)}
          </select>
        </label>
        <label>{t('admin.reset')}<input value={form.reset} onChange={(e) => setForm({ ...form, reset: e.target.value })} list="resets" /></label>
        <datalist id="resets"><option value="never" /><option value="daily" /><option value="weekly" /><option value="monthly" /></datalist>
        <label>{t('admin.timezone')}<input value={form.timezone} onChange={(e) => setForm({ ...form, timezone: e.target.value })} /></label>
        <button type="submit" className="primary" disabled={create.isPending}>{t('admin.create')}</button>
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
      {list.isPending ? <Loading /> : list.isError ? <ErrorMessage error={list.error} /> : (
        <table className="admin-table">
          <thead><tr><th scope="col">{t('admin.name')}</th><th scope="col">{t('admin.slug')}</th><th scope="col" className="num">{t('table.entries')}</th><th scope="col">{t('admin.actions')}</th></tr></thead>
          <tbody>
            {list.data.leaderboards.map((b) => (
              <tr key={b.slug}>
                <td><RenameCell kind="leaderboards" slug={b.slug} name={b.name} /></td>
                <td><Link to={`/leaderboards/${encodeURIComponent(b.slug)}`}>{b.slug}</Link></td>
                <td className="num">{number(b.entries)}</td>
                <td><DeleteButton kind="leaderboards" slug={b.slug} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function LeaguesAdmin() {
  const { t, number } = useI18n();
  const list = useLeaguesAdmin();
  const create = useCreateLeague();
  const [form, setForm] = useState({ slug: '', name: '', system: 'elo' });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(form, { onSuccess: () => setForm((f) => ({ ...f, slug: '', name: '' })) });
  };
  return (
    <section className="stack">
      <h1>{t('admin.leagues')}</h1>
      <form onSubmit={submit} className="form-grid" aria-labelledby="new-league">
        <h2 id="new-league">{t('admin.new_league')}</h2>
        <label>{t('admin.slug')}<input name="slug" required pattern="[a-z0-9][a-z0-9_\-]{0,63}" value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} /></label>
        <label>{t('admin.name')}<input name="name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label>{t('admin.rating_system')}
          <select name="system" value={form.system} onChange={(e) => setForm({ ...form, system: e.target.value })}>
            {systems.map((s) => <option key={s} value={s}>{t(`system.${s}`)}</option>)}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>{t('admin.create')}</button>
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
      {list.isPending ? <Loading /> : list.isError ? <ErrorMessage error={list.error} /> : (
        <table className="admin-table">
          <thead><tr><th scope="col">{t('admin.name')}</th><th scope="col">{t('admin.slug')}</th><th scope="col">{t('admin.rating_system')}</th><th scope="col" className="num">{t('table.matches')}</th><th scope="col">{t('admin.actions')}</th></tr></thead>
          <tbody>
            {list.data.leagues.map((l) => (
              <tr key={l.slug}>
                <td><RenameCell kind="leagues" slug={l.slug} name={l.name} /></td>
                <td><Link to={`/leagues/${encodeURIComponent(l.slug)}`}>{l.slug}</Link></td>
                <td>{t(`system.${l.system}` as 'system.elo')}</td>
                <td className="num">{number(l.matches)}</td>
                <td className="actions">
                  <Link to={`/admin/leagues/${encodeURIComponent(l.slug)}`}>{t('admin.manage_matches')}</Link>
                  <DeleteButton kind="leagues" slug={l.slug} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RenameCell({ kind, slug, name }: { kind: Kind; slug: string; name: string }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(name);
  const board = useUpdateBoard(slug);
  const league = useUpdateLeague(slug);
  const m = kind === 'leaderboards' ? board : league;
  if (!editing)
    return (
      <span>
        {name}{' '}
        <button type="button" className="link" onClick={() => setEditing(true)} aria-label={t('admin.rename_x', { x: name })}>
          {t('admin.rename')}
        </button>
      </span>
    );
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        m.mutate({ name: value }, { onSuccess: () => setEditing(false) });
      }}
    >
      <label className="visually-hidden" htmlFor={`rename-${slug}`}>{t('admin.name')}</label>
      <input id={`rename-${slug}`} value={value} onChange={(e) => setValue(e.target.value)} required autoFocus />
      <button type="submit">{t('admin.save')}</button>
      <button type="button" onClick={() => setEditing(false)}>{t('admin.cancel')}</button>
      {m.isError && <ErrorMessage error={m.error} />}
    </form>
  );
}

function DeleteButton({ kind, slug }: { kind: Kind; slug: string }) {
  const { t } = useI18n();
  const del = useDelete(kind);
  return (
    <>
      <button
        type="button"
        className="danger"
        onClick={() => {
          if (window.confirm(t('admin.confirm_delete', { x: slug }))) del.mutate(slug);
        }}
        disabled={del.isPending}
      >
        {t('admin.delete')}
      </button>
      {del.isError && <ErrorMessage error={del.error} />}
    </>
  );
}
