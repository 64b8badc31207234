import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TaskRule } from './task-rules';

/** Largest total `GET /tasks` counts exactly; beyond it the count says "at least". */
export const TASKS_COUNT_CAP = 10_000;

/**
 * The task list in SQL: open cases in the caller's scope (GIN on `scope_org_ids`) whose active state has a
 * rule naming one of the caller's (role, org) pairs as the case's party, ordered by the earliest deadline of
 * the current visit (pending, or passed and still open), then by case id; one page of ids and a capped count.
 */
@Injectable()
export class TasksRepository {
  constructor(private readonly ds: DataSource) {}

  async page(opts: {
    rules: TaskRule[];
    roles: { role: string; orgId: string }[];
    scope: string[] | null;
    limit: number;
    offset: number;
  }): Promise<{ ids: string[]; total: number }> {
    const { rules, roles } = opts;
    if (!rules.length || !roles.length) return { ids: [], total: 0 };
    const params = [
      rules.map((r) => r.workflow),
      rules.map((r) => r.version),
      rules.map((r) => r.statePath),
      rules.map((r) => r.role),
      rules.map((r) => r.party),
      roles.map((r) => r.role),
      roles.map((r) => r.orgId),
      opts.scope,
    ];
    const candidates = `
      WITH rules AS (SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS r(workflow, version, state_path, role, party)),
           mine AS (SELECT * FROM unnest($6::text[], $7::uuid[]) AS m(role, org_id))
      SELECT c.id, c.state_paths, c.entered FROM cases c
      WHERE c.status = 'open' AND ($8::uuid[] IS NULL OR c.scope_org_ids && $8::uuid[])
        AND EXISTS (SELECT 1 FROM rules r JOIN mine m ON m.role = r.role
                    WHERE r.workflow = c.workflow AND r.version = c.definition_version AND r.state_path = ANY(c.state_paths)
                      AND c.parties ->> r.party = m.org_id::text)`;
    const rows: { id: string }[] = await this.ds.query(
      `${candidates}
       ORDER BY (SELECT min(t.due_at) FROM timers t
                 WHERE t.case_id = c.id AND t.state_path = ANY(c.state_paths)
                   AND (t.status = 'pending' OR (t.status = 'fired' AND t.epoch >= coalesce((c.entered -> t.state_path ->> 'version')::int, 0)))
                ) NULLS LAST, c.id
       LIMIT $9 OFFSET $10`,
      [...params, opts.limit, opts.offset],
    );
    const [{ total }] = await this.ds.query(
      `SELECT count(*)::int AS total FROM (${candidates} LIMIT ${TASKS_COUNT_CAP + 1}) x`,
      params,
    );
    return { ids: rows.map((r) => r.id), total };
  }
}
