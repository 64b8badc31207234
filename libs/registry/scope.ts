import { isAdmin, Principal, scopeOrgIds } from '../auth/principal';
import type { OrganizationsRepository } from './organizations.repository';

/**
 * SQL prefixes (`/…/orgId/%`) of the subtrees a principal may read. Admins read everything (`%`).
 * Supervisors and clerks read the subtree of each org where they hold a role.
 */
export async function scopePrefixes(orgs: OrganizationsRepository, principal: Principal): Promise<string[]> {
  if (isAdmin(principal)) return ['%'];
  const ids = scopeOrgIds(principal);
  if (!ids.length) return [];
  return (await orgs.pathsOf(ids)).map((path) => `${path}%`);
}

/** Does a materialized path lie under one of the prefixes (what `path LIKE ANY(prefixes)` says in SQL)? */
export function inScope(path: string, prefixes: string[]): boolean {
  // paths are made of UUIDs and slashes, so the only wildcard a prefix holds is its trailing `%`
  return prefixes.some((p) => p === '%' || path.startsWith(p.slice(0, -1)));
}
