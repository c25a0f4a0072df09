import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useMe } from '../api/session';
import { hasRole, type Role } from '../lib/roles';

/** Renders `children` for a signed-in user with at least `role`; sends others to sign in. */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const { t } = useI18n();
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorMessage error={me.error} />;
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  if (!hasRole(me.data.role, role))
    return (
      <div className="error" role="alert" data-testid="forbidden">
        <h1>{t('error.forbidden_title')}</h1>
        <p>{t('error.forbidden')}</p>
      </div>
    );
  return <>{children}</>;
}
