import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** `(id, name)` of the members, firms and organizations whose id is in the uuid[] parameter `param`. */
export const NAMES_OF = (param: string) =>
  `SELECT id, name FROM members WHERE id = ANY(${param}::uuid[])
   UNION ALL SELECT id, name FROM firms WHERE id = ANY(${param}::uuid[])
   UNION ALL SELECT id, name FROM orgs WHERE id = ANY(${param}::uuid[])`;

/**
 * Names that make cases readable to a clerk: the subject's and the parties' names, who acted, and the
 * subjects a free-text search means. Read-only, batched (one query per call, whatever the page size).
 */
@Injectable()
export class CaseLabelsRepository {
  constructor(private readonly ds: DataSource) {}

  /** Names of members, firms and organizations by id (ids of other kinds are absent from the map). */
  async names(ids: Iterable<string>): Promise<Map<string, string>> {
    const list = [...new Set(ids)].filter(Boolean);
    if (!list.length) return new Map();
    const rows: { id: string; name: string }[] = await this.ds.query(NAMES_OF('$1'), [list]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Display names of users by id. */
  async userNames(ids: Iterable<string>): Promise<Map<string, string>> {
    const list = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (!list.length) return new Map();
    const rows: { id: string; name: string }[] = await this.ds.query(
      `SELECT id, display_name AS name FROM users WHERE id = ANY($1::uuid[])`,
      [list],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Ids of the members, firms and organizations whose name contains `q` (a case's subject search). */
  async subjectsMatching(q: string, limit = 2000): Promise<string[]> {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows: { id: string }[] = await this.ds.query(
      `(SELECT id FROM members WHERE name ILIKE $1 LIMIT $2)
       UNION ALL (SELECT id FROM firms WHERE name ILIKE $1 LIMIT $2)
       UNION ALL (SELECT id FROM orgs WHERE name ILIKE $1 LIMIT $2)`,
      [pattern, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Every party organization by name (id, name, type, county, parent): the directory a clerk picks a
   * transfer's receiving organization from. Names of party organizations are not confidential within
   * the sector; their members, cases and details stay scoped.
   */
  async orgDirectory(q?: string, limit = 50) {
    const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : '%';
    return this.ds.query(
      `SELECT id, name, type, county, parent_id AS "parentId" FROM orgs WHERE name ILIKE $1
       ORDER BY (type IN ('branch', 'joint_branch', 'general_branch')) DESC, name LIMIT $2`,
      [pattern, limit],
    ) as Promise<{ id: string; name: string; type: string; county: string | null; parentId: string | null }[]>;
  }
}
