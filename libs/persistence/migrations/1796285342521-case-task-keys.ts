import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The task list served by an index (issue 11, "/tasks for the city clerk takes 4.6 s"): each open case's task
 * keys — `workflow|version|state path|party|organization` for every active state path and every party the
 * case names — in a GIN index over open cases only. `GET /tasks` turns the definitions' task rules and the
 * caller's (role, organization) pairs into the same keys and asks for the cases whose keys overlap them, so it
 * reads just the cases waiting for the caller instead of filtering every open case in scope row by row.
 */
export class CaseTaskKeys1796285342521 implements MigrationInterface {
  name = 'CaseTaskKeys1796285342521';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION case_task_keys(workflow text, version int, state_paths text[], parties jsonb) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(workflow || '|' || version::text || '|' || s || '|' || p.key || '|' || p.value), '{}')
        FROM unnest(state_paths) s, jsonb_each_text(parties) p
        WHERE p.value IS NOT NULL
      $$;
      CREATE INDEX cases_open_task_keys_idx ON cases
        USING gin (case_task_keys(workflow, definition_version, state_paths, parties)) WHERE status = 'open';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_open_task_keys_idx; DROP FUNCTION case_task_keys(text, int, text[], jsonb);`);
  }
}
