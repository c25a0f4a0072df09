import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import type { Flag } from '@/lib/api-types';
import { useDeleteFlag, useFlags, useSaveFlag, type FlagDraft } from '../api/flags';

const blank: FlagDraft = { key: '', description: '', enabled: false, rollout_percentage: 0, allow_list: [] };

const draftOf = (f: Flag): FlagDraft => ({
  key: f.key,
  description: f.description,
  enabled: f.enabled,
  rollout_percentage: f.rollout_percentage,
  allow_list: f.allow_list,
});

export function FlagsAdmin() {
  const { t, dateTime } = useI18n();
  const flags = useFlags();
  return (
    <section className="stack">
      <h1>{t('admin.flags')}</h1>
      <h2>{t('flags.new')}</h2>
      <FlagForm initial={blank} isNew />
      {flags.isPending ? <Loading /> : flags.isError ? <ErrorMessage error={flags.error} /> : (
        <ul className="plain stack">
          {flags.data.flags.map((f) => (
            <li key={f.key} className="card" data-flag={f.key}>
              <h3><code>{f.key}</code></h3>
              <p className="muted">{t('flags.changed', { when: dateTime(f.updated_at) })}</p>
              {/* Keyed by the stored version, so a saved change resets the form to it. */}
              <FlagForm key={f.updated_at} initial={draftOf(f)} isNew={false} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FlagForm({ initial, isNew }: { initial: FlagDraft; isNew: boolean }) {
  const { t, percent } = useI18n();
  const save = useSaveFlag();
  const del = useDeleteFlag();
  const [f, setF] = useState<FlagDraft>(initial);
  const [allow, setAllow] = useState(initial.allow_list.join(', '));
  const id = isNew ? 'new' : initial.key;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const flag = { ...f, allow_list: allow.split(',').map((s) => s.trim()).filter(Boolean) };
    save.mutate({ flag, isNew }, { onSuccess: () => { if (isNew) { setF(blank); setAllow(''); } } });
  };
  const shown = percent(f.rollout_percentage / 100);
  return (
    <form onSubmit={submit} className="form-grid" aria-label={isNew ? t('flags.new') : t('flags.edit_x', { key: initial.key })}>
      {isNew && <label>{t('flags.key')}<input required maxLength={100} pattern="[a-z0-9][a-z0-9_.\-]*" value={f.key} onChange={(e) => setF({ ...f, key: e.target.value })} /></label>}
      <label>{t('flags.description')}<input maxLength={1000} value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} /></label>
      <label className="check"><input type="checkbox" checked={f.enabled} onChange={(e) => setF({ ...f, enabled: e.target.checked })} /> {t('flags.enabled')}</label>
      <label htmlFor={`rollout-${id}`}>{t('flags.rollout')}: <output htmlFor={`rollout-${id}`} data-testid={`rollout-value-${id}`}>{shown}</output></label>
      <input id={`rollout-${id}`} type="range" min={0} max={100} step={1} value={f.rollout_percentage} onChange={(e) => setF({ ...f, rollout_percentage: Number(e.target.value) })} aria-valuetext={shown} />
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
