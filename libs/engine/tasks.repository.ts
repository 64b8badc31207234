import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TaskRule } from './task-rules';

/** Largest total `GET /tasks` counts exactly; beyond it the count says "at least". */
export const TASKS_COUNT_CAP = 10_000;

/**
 * The task list in SQL: the open cases waiting for the caller, found through their task keys
 * (`workflow|version|state path|party|organization`, GIN index `cases_open_task_keys_idx`): the definitions'
 * task rules crossed with the caller's (role, organization) pairs give the keys the caller acts on, and a case
 * is a candidate when its own keys (its active states × the parties it names) overlap them. Ordered by the
 * earliest deadline of the current visit (pending, or passed and still open), then by case id; one page of ids
 * and the count of all candidates (capped), computed by the same statement since the order reads them all.
 */
@Injectable()
export class TasksRepository {
  constructor(private readonly ds: DataSource) {}

  async page(opts: {
    rules: TaskRule[];
    roles: { role: string; orgId: string }[];
    limit: number;
    offset: number;
  }): Promise<{ ids: string[]; total: number }> {
    const keys = taskKeys(opts.rules, opts.roles);
    if (!keys.length) return { ids: [], total: 0 };
    // no scope condition: a key names one of the caller's own organizations as a party of the case, and every
    // party is in the case's scope (libs/engine/party-resolver.ts#resolveFromOrgs). Said again, it led the planner
    // to the scope index (every open case in scope) instead of this one
    const candidates = `
      FROM cases c
      WHERE c.status = 'open' AND case_task_keys(c.workflow, c.definition_version, c.state_paths, c.parties) && $1::text[]`;
    const rows: { id: string; total: number }[] = await this.ds.query(
      `SELECT c.id, count(*) OVER ()::int AS total ${candidates}
       ORDER BY (SELECT min(t.due_at) FROM timers t
                 WHERE t.case_id = c.id AND t.state_path = ANY(c.state_paths)
                   AND (t.status = 'pending' OR (t.status = 'fired' AND t.epoch >= coalesce((c.entered -> t.state_path ->> 'version')::int, 0)))
                ) NULLS LAST, c.id
       LIMIT $2 OFFSET $3`,
      [keys, opts.limit, opts.offset],
    );
    // a page past the end has no row to carry the count
    const total = rows.length
      ? rows[0].total
      : (
          await this.ds.query(
            `SELECT count(*)::int AS total FROM (SELECT 1 ${candidates} LIMIT ${TASKS_COUNT_CAP + 1}) x`,
            [keys],
          )
        )[0].total;
    return { ids: rows.map((r) => r.id), total: Math.min(total, TASKS_COUNT_CAP + 1) };
  }
}

/**
 * The task keys the caller acts on: each rule whose role the caller holds, for each organization where they
 * hold it (the key format of the SQL function `case_task_keys`).
 */
export function taskKeys(rules: TaskRule[], roles: { role: string; orgId: string }[]): string[] {
  const keys = new Set<string>();
  for (const r of rules)
    for (const m of roles)
      if (m.role === r.role) keys.add([r.workflow, r.version, r.statePath, r.party, m.orgId.toLowerCase()].join('|'));
  return [...keys];
}
