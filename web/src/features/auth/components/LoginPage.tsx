import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '@/lib/api-client';
import { useI18n } from '@/lib/i18n';
import { useLogin } from '../api/session';

export function LoginPage() {
  const { t } = useI18n();
  const login = useLogin();
  const navigate = useNavigate();
  const location = useLocation();
  const next = new URLSearchParams(location.search).get('next') ?? '/admin';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ email, password }, { onSuccess: () => navigate(next.startsWith('/') ? next : '/admin', { replace: true }) });
  };
  let error: string | null = null;
  if (login.error) {
    const err = login.error;
    if (err instanceof ApiError && err.status === 404) error = t('login.unavailable');
    else if (err instanceof ApiError && err.status === 429) error = t('login.throttled');
    else if (err instanceof ApiError && err.status < 500) error = t('login.failed');
    else error = t('error.generic');
  }
  return (
    <form className="login stack" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">{t('login.title')}</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <label>
        {t('login.email')}
        <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        {t('login.password')}
        <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={login.isPending}>
        {t('login.submit')}
      </button>
    </form>
  );
}
