import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { Pager } from '@/components/Pager';
import { useI18n } from '@/lib/i18n';
import { useCursorPager } from '@/lib/use-cursor-pager';
import { useAudit, type AuditFilter } from '../api/audit';

const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function AuditLog() {
  const { t, dateTime } = useI18n();
  const [draft, setDraft] = useState({ actor: '', action: '', target: '', since: '', until: '' });
  const [filter, setFilter] = useState<AuditFilter>({});
  const pager = useCursorPager();
  const q = useAudit(filter, pager.cursor);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    pager.reset();
    setFilter({ actor: draft.actor || undefined, action: draft.action || undefined, target: draft.target || undefined, since: toIso(draft.since), until: toIso(draft.until) });
  };
  return (
    <section className="stack">
      <h1>{t('admin.audit')}</h1>
      <form onSubmit={submit} className="form-grid filters" role="search">
        <label>{t('audit.actor')}<input value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} /></label>
        <label>{t('audit.action')}<input value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} /></label>
        <label>{t('audit.target')}<input value={draft.target} onChange={(e) => setDraft({ ...draft, target: e.target.value })} /></label>
        <label>{t('audit.since')}<input type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} /></label>
        <label>{t('audit.until')}<input type="datetime-local" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} /></label>
        <button type="submit">{t('audit.filter')}</button>
      </form>
      {q.isPending ? <Loading /> : q.isError ? <ErrorMessage error={q.error} /> : (
        <>
          <table className="admin-table">
            <thead><tr><th scope="col">{t('audit.when')}</th><th scope="col">{t('audit.actor')}</th><th scope="col">{t('audit.action')}</th><th scope="col">{t('audit.target')}</th><th scope="col">{t('audit.details')}</th></tr></thead>
            <tbody>
              {q.data.events.map((ev) => (
                <tr key={ev.id}>
                  <td>{dateTime(ev.at)}</td>
                  <td>{ev.actor ?? '–'}</td>
                  <td><code>{ev.action}</code></td>
                  <td>{ev.target ?? '–'}</td>
                  <td>{ev.diff ? <details><summary>{t('audit.diff')}</summary><pre>{JSON.stringify(ev.diff, null, 2)}</pre></details> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={pager.page} hasNext={!!q.data.next_cursor} onPrev={pager.prev} onNext={() => pager.next(q.data.next_cursor)} />
        </>
      )}
    </section>
  );
}
