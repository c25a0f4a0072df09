import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { Pager } from '@/components/Pager';
import { useI18n } from '@/lib/i18n';
import type { AuditEntry } from '@/lib/api-types';
import { useCursorPager } from '@/lib/use-cursor-pager';
import { useAudit, type AuditFilter } from '../api/audit';

const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
const empty = { actor: '', action: '', target: '', since: '', until: '' };

export function AuditLog() {
  const { t, dateTime } = useI18n();
  const [draft, setDraft] = useState(empty);
  const [filter, setFilter] = useState<AuditFilter>({});
  const pager = useCursorPager();
  const q = useAudit(filter, pager.cursor);
  const apply = (d: typeof empty) => {
    pager.reset();
    const trim = (s: string) => s.trim() || undefined;
    setFilter({ actor: trim(d.actor), action: trim(d.action), target: trim(d.target), since: toIso(d.since), until: toIso(d.until) });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const clear = () => {
    setDraft(empty);
    apply(empty);
  };
  const next = q.data?.next_cursor;
  return (
    <section className="stack">
      <h1>{t('admin.audit')}</h1>
      <form onSubmit={submit} className="form-grid filters" role="search" aria-label={t('audit.filters')}>
        <p className="muted">{t('audit.exact')}</p>
        <label>{t('audit.actor')}<input value={draft.actor} placeholder="user:ann@example.com" onChange={(e) => setDraft({ ...draft, actor: e.target.value })} /></label>
        <label>{t('audit.action')}<input value={draft.action} placeholder="flag.update" onChange={(e) => setDraft({ ...draft, action: e.target.value })} /></label>
        <label>{t('audit.target')}<input value={draft.target} placeholder="flag:new-checkout" onChange={(e) => setDraft({ ...draft, target: e.target.value })} /></label>
        <label>{t('audit.since')}<input type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} /></label>
        <label>{t('audit.until')}<input type="datetime-local" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} /></label>
        <div className="inline-form">
          <button type="submit" className="primary">{t('audit.filter')}</button>
          <button type="button" onClick={clear}>{t('audit.clear')}</button>
        </div>
      </form>
      {q.isPending ? <Loading /> : q.isError ? <ErrorMessage error={q.error} /> : q.data.entries.length === 0 ? (
        <p className="muted">{t('audit.none')}</p>
      ) : (
        <>
          <table className="admin-table audit">
            <caption className="visually-hidden">{t('admin.audit')}</caption>
            <thead><tr><th scope="col">{t('audit.when')}</th><th scope="col">{t('audit.actor')}</th><th scope="col">{t('audit.action')}</th><th scope="col">{t('audit.target')}</th><th scope="col">{t('audit.details')}</th></tr></thead>
            <tbody>
              {q.data.entries.map((ev) => (
                <tr key={ev.id} data-action={ev.action}>
                  <td>{dateTime(ev.at)}</td>
                  <td>{ev.actor}</td>
                  <td><code>{ev.action}</code></td>
                  <td>{ev.target ?? '–'}</td>
                  <td><Changes entry={ev} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={pager.page} hasNext={next != null} onPrev={pager.prev} onNext={() => pager.next(next == null ? null : String(next))} />
        </>
      )}
    </section>
  );
}

/** The record's before and after pictures, folded away. */
function Changes({ entry }: { entry: AuditEntry }) {
  const { t } = useI18n();
  if (entry.before == null && entry.after == null && !entry.request_id) return null;
  return (
    <details>
      <summary>{t('audit.diff')}</summary>
      <dl className="audit-diff">
        {entry.before != null && (<><dt>{t('audit.before')}</dt><dd><pre>{JSON.stringify(entry.before, null, 2)}</pre></dd></>)}
        {entry.after != null && (<><dt>{t('audit.after')}</dt><dd><pre>{JSON.stringify(entry.after, null, 2)}</pre></dd></>)}
        {entry.request_id && (<><dt>{t('audit.request')}</dt><dd><code>{entry.request_id}</code></dd></>)}
        {entry.ip && (<><dt>{t('audit.ip')}</dt><dd>{entry.ip}</dd></>)}
      </dl>
    </details>
  );
}
