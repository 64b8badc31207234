import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The drain claims `ORDER BY next_at, id LIMIT n FOR UPDATE SKIP LOCKED`. With an index on `next_at` alone,
 * timers due at one instant (a storm) had to be sorted in full for every batch (100 000 rows: ~90 ms per
 * claim, quadratic overall); on `(next_at, id)` the claim reads just the batch from the index.
 * Also: committees and organization departments are looked up by type and region on every case opening,
 * and a transition checks a case's timers of every status by ident (a deadline fired in this visit is not
 * planned again), as do the case views.
 */
export class TimerClaimIndex1700000000300 implements MigrationInterface {
  name = 'TimerClaimIndex1700000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX timers_pending_claim_idx ON timers (next_at, id) WHERE status = 'pending'`);
    await q.query(`DROP INDEX timers_pending_next_idx`);
    await q.query(`CREATE INDEX orgs_type_region_idx ON orgs (type, region_code)`);
    await q.query(`CREATE INDEX timers_case_ident_idx ON timers (case_id, ident)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX timers_case_ident_idx`);
    await q.query(`DROP INDEX orgs_type_region_idx`);
    await q.query(`CREATE INDEX timers_pending_next_idx ON timers (next_at) WHERE status = 'pending'`);
    await q.query(`DROP INDEX timers_pending_claim_idx`);
  }
}
