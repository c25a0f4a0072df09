export { LoginPage } from './components/LoginPage';
export { RequireRole } from './components/RequireRole';
export { UserMenu } from './components/UserMenu';
export { useMe } from './api/session';
export { hasRole, type Role } from './lib/roles';
