import { DataSource, EntityManager } from 'typeorm';
import { isAdmin, Principal, scopeOrgIds } from '../auth/principal';

/**
 * SQL prefixes (`/…/orgId/%`) of the subtrees a principal may read. Admins read everything (`%`).
 * Supervisors and clerks read the subtree of each org where they hold a role.
 */
export async function scopePrefixes(db: DataSource | EntityManager, principal: Principal): Promise<string[]> {
  if (isAdmin(principal)) return ['%'];
  const ids = scopeOrgIds(principal);
  if (!ids.length) return [];
  const rows: { path: string }[] = await db.query(`SELECT path FROM orgs WHERE id = ANY($1::uuid[])`, [ids]);
  return rows.map((r) => `${r.path}%`);
}
