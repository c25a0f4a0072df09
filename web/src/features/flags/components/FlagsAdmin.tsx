import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useDeleteFlag, useFlags, useSaveFlag, type Flag } from '../api/flags';

const blank: Flag = { key: '', description: '', enabled: false, rollout_percentage: 0, allow_list: [] };

export function FlagsAdmin() {
  const { t } = useI18n();
  const flags = useFlags();
  return (
    <section className="stack">
      <h1>{t('admin.flags')}</h1>
      <h2>{t('flags.new')}</h2>
      <FlagForm initial={blank} isNew />
      {flags.isPending ? <Loading /> : flags.isError ? <ErrorMessage error={flags.error} /> : (
        <ul className="plain stack">
          {flags.data.flags.map((f) => (
            <li key={f.key} className="card">
              <h3><code>{f.key}</code></h3>
              <FlagForm initial={f} isNew={false} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FlagForm({ initial, isNew }: { initial: Flag; isNew: boolean }) {
  const { t } = useI18n();
  const save = useSaveFlag();
  const del = useDeleteFlag();
  const [f, setF] = useState<Flag>(initial);
  const [allow, setAllow] = useState(initial.allow_list.join(', '));
  const id = isNew ? 'new' : initial.key;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const flag = { ...f, allow_list: allow.split(',').map((s) => s.trim()).filter(Boolean) };
    save.mutate({ flag, isNew }, { onSuccess: () => { if (isNew) { setF(blank); setAllow(''); } } });
  };
  return (
    <form onSubmit={submit} className="form-grid">
      {isNew && <label>{t('flags.key')}<input required pattern="[a-z0-9][a-z0-9_.\-]*" value={f.key} onChange={(e) => setF({ ...f, key: e.target.value })} /></label>}
      <label>{t('flags.description')}<input value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} /></label>
      <label className="check"><input type="checkbox" checked={f.enabled} onChange={(e) => setF({ ...f, enabled: e.target.checked })} /> {t('flags.enabled')}</label>
      <label htmlFor={`rollout-${id}`}>{t('flags.rollout')}: <output htmlFor={`rollout-${id}`}>{f.rollout_percentage}%</output></label>
      <input id={`rollout-${id}`} type="range" min={0} max={100} step={1} value={f.rollout_percentage} onChange={(e) => setF({ ...f, rollout_percentage: Number(e.target.value) })} aria-valuetext={`${f.rollout_percentage}%`} />
      <label>{t('flags.allow_list')}<input value={allow} onChange={(e) => setAllow(e.target.value)} placeholder="alice, team-42" /></label>
      <div className="inline-form">
        <button type="submit" className="primary" disabled={save.isPending}>{isNew ? t('admin.create') : t('admin.save')}</button>
        {!isNew && <button type="button" className="danger" onClick={() => { if (window.confirm(t('admin.confirm_delete', { x: f.key }))) del.mutate(f.key); }}>{t('admin.delete')}</button>}
      </div>
      {save.isError && <ErrorMessage error={save.error} />}
      {del.isError && <ErrorMessage error={del.error} />}
    </form>
  );
}
