import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for keyset pagination (issue 11, scale). `GET /cases` pages by `(updated_at, id)` newest first: with
 * this index the first page of "open cases" reads 50 index entries instead of sorting every open row.
 * `GET /audit/events` pages by `(at, case_id, seq)`: one index walks the window in that order and stops at
 * the page's end (it replaces the index on `at` alone, which it covers).
 * The price: `updated_at` changes on every transition, so a transition's update of its case is no longer HOT
 * (it writes index entries); the list of cases newest-change-first is what clerks open all day.
 */
export class KeysetIndexes1796198752384 implements MigrationInterface {
  name = 'KeysetIndexes1796198752384';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX cases_updated_keyset_idx ON cases (updated_at DESC, id DESC)`);
    await q.query(`CREATE INDEX case_history_at_keyset_idx ON case_history (at, case_id, seq)`);
    await q.query(`DROP INDEX case_history_at_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX case_history_at_idx ON case_history (at)`);
    await q.query(`DROP INDEX case_history_at_keyset_idx`);
    await q.query(`DROP INDEX cases_updated_keyset_idx`);
  }
}
