import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every per-case read of timers wants the live ones only: the transition's "this deadline is already planned
 * for this visit" check, the case view's deadlines, the task list's due dates and the supervision list all ask
 * for `pending` or `fired`. A re-planned deadline leaves its old row `cancelled` (kept until retention), so on
 * `(case_id, ident)` over every status a case that went back and forth between two states many times (a
 * recruitment case running for years, or a transfer rejected and resubmitted) was read through all its
 * cancelled rows on each of those reads — hundreds after a few hundred transitions. Partial on the live
 * statuses, the index holds just the rows those reads return; nothing looks timers up by case regardless of
 * status (retention scans by status and age, and cases are never deleted).
 */
export class LiveTimerIndex1796398316246 implements MigrationInterface {
  name = 'LiveTimerIndex1796398316246';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX timers_live_case_ident_idx ON timers (case_id, ident) WHERE status IN ('pending', 'fired')`,
    );
    await q.query(`DROP INDEX timers_case_ident_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX timers_case_ident_idx ON timers (case_id, ident)`);
    await q.query(`DROP INDEX timers_live_case_ident_idx`);
  }
}
