//! Roles, strongest first. A page names the weakest role it accepts.
import type { Role } from '@/lib/api-types';

export type { Role };
const rank: Record<Role, number> = { owner: 3, admin: 2, editor: 1, viewer: 0 };

export function hasRole(role: Role | undefined | null, atLeast: Role): boolean {
  return !!role && role in rank && rank[role] >= rank[atLeast];
}
