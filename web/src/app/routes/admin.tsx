//! The admin console: every page behind a role. Editors manage rankings and matches; admins
//! also manage users, keys, flags, and read the audit log and system page.
import { NavLink, Route, Routes, useParams } from 'react-router-dom';
import { AuditLog } from '@/features/audit';
import { KeysAdmin } from '@/features/api-keys';
import { LeaderboardsAdmin, LeaguesAdmin } from '@/features/admin-rankings';
import { LeagueAdminPage } from '@/features/admin-matches';
import { FlagsAdmin } from '@/features/flags';
import { hasRole, RequireRole, useMe, type Role } from '@/features/auth';
import { SystemPage } from '@/features/system';
import { UsersAdmin } from '@/features/users';
import { useI18n, type MessageKey } from '@/lib/i18n';

const sections: { path: string; label: MessageKey; role: Role }[] = [
  { path: 'leaderboards', label: 'admin.leaderboards', role: 'editor' },
  { path: 'leagues', label: 'admin.leagues', role: 'editor' },
  { path: 'users', label: 'admin.users', role: 'admin' },
  { path: 'keys', label: 'admin.keys', role: 'admin' },
  { path: 'flags', label: 'admin.flags', role: 'admin' },
  { path: 'audit', label: 'admin.audit', role: 'admin' },
  { path: 'system', label: 'admin.system', role: 'admin' },
];

function AdminNav() {
  const { t } = useI18n();
  const me = useMe();
  return (
    <nav aria-label={t('admin.title')} className="admin-nav">
      {sections
        .filter((s) => hasRole(me.data?.role, s.role))
        .map((s) => (
          <NavLink key={s.path} to={`/admin/${s.path}`}>
            {t(s.label)}
          </NavLink>
        ))}
    </nav>
  );
}

function AdminHome() {
  const { t } = useI18n();
  return <h1>{t('admin.title')}</h1>;
}

function LeagueAdmin() {
  const { slug = '' } = useParams();
  return <LeagueAdminPage key={slug} slug={slug} />;
}

export default function AdminRoutes() {
  const guard = (role: Role, el: React.ReactNode) => <RequireRole role={role}>{el}</RequireRole>;
  return (
    <RequireRole role="editor">
      <div className="admin">
        <AdminNav />
        <div className="admin-body">
          <Routes>
            <Route index element={<AdminHome />} />
            <Route path="leaderboards" element={<LeaderboardsAdmin />} />
            <Route path="leagues" element={<LeaguesAdmin />} />
            <Route path="leagues/:slug" element={<LeagueAdmin />} />
            <Route path="users" element={guard('admin', <UsersAdmin />)} />
            <Route path="keys" element={guard('admin', <KeysAdmin />)} />
            <Route path="flags" element={guard('admin', <FlagsAdmin />)} />
            <Route path="audit" element={guard('admin', <AuditLog />)} />
            <Route path="system" element={guard('admin', <SystemPage />)} />
          </Routes>
        </div>
      </div>
    </RequireRole>
  );
}
