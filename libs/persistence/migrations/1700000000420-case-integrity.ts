import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One open case per subject where the procedure says so (`oneOpenPerSubject`: membership transfer,
 * recruitment, nonconforming): `cases.open_key` = `<workflow>:<kind>:<id>`, unique among open cases, so
 * concurrent openings cannot both win. Existing open cases get their key oldest first; younger duplicates
 * already open keep none (they stay visible and can be closed; they just do not block).
 */
export class CaseIntegrity1700000000420 implements MigrationInterface {
  name = 'CaseIntegrity1700000000420';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN open_key text`);
    await q.query(`
      UPDATE cases c SET open_key = k.key
        FROM (SELECT id, workflow || ':member:' || lower(subject_member_id::text) AS key,
                     row_number() OVER (PARTITION BY workflow, subject_member_id ORDER BY opened_at, id) AS n
                FROM cases
               WHERE status = 'open' AND subject_member_id IS NOT NULL
                 AND workflow IN ('membership-transfer', 'recruitment', 'nonconforming')) k
       WHERE k.id = c.id AND k.n = 1`);
    await q.query(`CREATE UNIQUE INDEX cases_open_key_idx ON cases (open_key) WHERE status = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_open_key_idx`);
    await q.query(`ALTER TABLE cases DROP COLUMN open_key`);
  }
}
