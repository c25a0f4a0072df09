import { useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import type { Role } from '@/lib/api-types';
import { useCreateUser, useUpdateUser, useUsers } from '../api/users';

const roles: Role[] = ['owner', 'admin', 'editor', 'viewer'];

export function UsersAdmin() {
  const { t, date } = useI18n();
  const users = useUsers();
  const create = useCreateUser();
  const update = useUpdateUser();
  const [form, setForm] = useState({ email: '', password: '', role: 'viewer' as Role });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(form, { onSuccess: () => setForm({ email: '', password: '', role: 'viewer' }) });
  };
  return (
    <section className="stack">
      <h1>{t('admin.users')}</h1>
      <form onSubmit={submit} className="form-grid" aria-labelledby="new-user">
        <h2 id="new-user">{t('users.new')}</h2>
        <label>{t('login.email')}<input type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} /></label>
        <label>{t('login.password')}<input type="password" required minLength={12} autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} /></label>
        <label>{t('users.role')}
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {roles.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>{t('admin.create')}</button>
        {create.isError && <ErrorMessage error={create.error} />}
        {create.isSuccess && (
          <p role="status" className="success">
            {t('users.created', { email: create.data.email })}
          </p>
        )}
      </form>
      {update.isError && <ErrorMessage error={update.error} />}
      {users.isPending ? <Loading /> : users.isError ? <ErrorMessage error={users.error} /> : (
        <table className="admin-table">
          <thead><tr><th scope="col">{t('login.email')}</th><th scope="col">{t('users.role')}</th><th scope="col">{t('users.status')}</th><th scope="col" className="hide-sm">{t('users.since')}</th></tr></thead>
          <tbody>
            {users.data.users.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>
                  <label><span className="visually-hidden">{t('users.role_of', { email: u.email })}</span>
                    <select value={u.role} onChange={(e) => update.mutate({ id: u.id, patch: { role: e.target.value as Role } })}>
                      {roles.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
                    </select>
                  </label>
                </td>
                <td>
                  <label>
                    <input type="checkbox" checked={!u.disabled} onChange={(e) => update.mutate({ id: u.id, patch: { disabled: !e.target.checked } })} />{' '}
                    {t(u.disabled ? 'users.disabled' : 'users.enabled')}
                  </label>
                </td>
                <td className="hide-sm">{date(u.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
