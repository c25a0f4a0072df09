import { useState, type FormEvent } from 'react';
import { CopyButton } from '@/components/CopyButton';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import type { Scope } from '@/lib/api-types';
import { useCreateKey, useKeys, useRevokeKey } from '../api/keys';

const scopes: Scope[] = ['read', 'scores:write', 'matches:write', 'admin'];

export function KeysAdmin() {
  const { t, dateTime } = useI18n();
  const keys = useKeys();
  const create = useCreateKey();
  const revoke = useRevokeKey();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Scope[]>(['read']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, scopes: chosen }, { onSuccess: () => setName('') });
  };
  return (
    <section className="stack">
      <h1>{t('admin.keys')}</h1>
      <form onSubmit={submit} className="form-grid" aria-labelledby="new-key">
        <h2 id="new-key">{t('keys.new')}</h2>
        <label>{t('admin.name')}<input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} /></label>
        <fieldset>
          <legend>{t('keys.scopes')}</legend>
          {scopes.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={chosen.includes(s)} onChange={(e) => setChosen(e.target.checked ? [...chosen, s] : chosen.filter((c) => c !== s))} /> <code>{s}</code>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={create.isPending || chosen.length === 0}>{t('admin.create')}</button>
        {create.isError && <ErrorMessage error={create.error} />}
      </form>
      {create.data && (
        <div className="secret" role="status" aria-labelledby="secret-title">
          <p id="secret-title"><strong>{t('keys.shown_once', { name: create.data.key.name })}</strong></p>
          <code data-testid="secret">{create.data.secret}</code> <CopyButton text={create.data.secret} label={t('keys.copy')} />{' '}
          <button type="button" onClick={() => create.reset()}>{t('keys.done')}</button>
        </div>
      )}
      {revoke.isError && <ErrorMessage error={revoke.error} />}
      {keys.isPending ? <Loading /> : keys.isError ? <ErrorMessage error={keys.error} /> : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('keys.prefix')}</th>
              <th scope="col">{t('keys.scopes')}</th>
              <th scope="col" className="hide-sm">{t('keys.created')}</th>
              <th scope="col">{t('keys.last_used')}</th>
              <th scope="col">{t('admin.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.data.keys.map((k) => (
              <tr key={k.id} className={k.revoked ? 'revoked' : undefined}>
                <td>{k.name}</td>
                <td><code>{`pk_${k.prefix}_…`}</code></td>
                <td>{k.scopes.join(', ')}</td>
                <td className="hide-sm">{t('keys.created_by', { when: dateTime(k.created_at), who: k.created_by })}</td>
                <td>{k.last_used_at ? dateTime(k.last_used_at) : t('keys.never_used')}</td>
                <td>
                  {k.revoked ? (
                    <span className="badge">{t('keys.revoked')}</span>
                  ) : (
                    <button
                      type="button"
                      className="danger"
                      aria-label={t('keys.revoke_x', { name: k.name })}
                      onClick={() => { if (window.confirm(t('keys.confirm_revoke', { name: k.name }))) revoke.mutate(k.id); }}
                    >
                      {t('keys.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
