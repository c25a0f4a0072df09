import { Link } from 'react-router-dom';
import { useI18n } from '@/lib/i18n';
import { useLogout, useMe } from '../api/session';

export function UserMenu() {
  const { t } = useI18n();
  const me = useMe();
  const logout = useLogout();
  if (!me.data) return <Link to="/login">{t('login.title')}</Link>;
  return (
    <span className="user-menu">
      <span className="muted" title={me.data.role}>
        {me.data.email}
      </span>
      <button type="button" onClick={() => logout.mutate()}>
        {t('login.logout')}
      </button>
    </span>
  );
}
