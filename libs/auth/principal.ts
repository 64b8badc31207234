import type { Role } from '../../workflows/kernel/definition';

export interface RoleAssignment {
  role: Role;
  orgId: string;
}

/** The authenticated caller, as the engine and services see it. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  roles: RoleAssignment[];
}

/** The engine itself (clock, integrations) acting on a case. */
export const SYSTEM_PRINCIPAL: Principal = { userId: 'system', username: 'system', displayName: '系统', roles: [] };

export const isAdmin = (p: Principal) => p.roles.some((r) => r.role === 'admin');
export const isSystem = (p: Principal) => p.userId === SYSTEM_PRINCIPAL.userId;
/** Orgs at which the caller holds any role: everything below them is in the caller's scope. */
export const scopeOrgIds = (p: Principal) => [...new Set(p.roles.map((r) => r.orgId))];
