import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns (年度考核 launched once over a whole committee's subtree) and "at most once" cases.
 *
 * - `cases.once_key`: a definition may say that a case is opened at most once per key (an organization's
 *   annual review of one year). The unique index is the database's own guarantee, whatever the caller;
 *   the column is written once at opening and never updated, so transitions stay HOT updates.
 * - `campaigns` / `campaign_targets`: PostgreSQL is the truth of a campaign, one row per organization to
 *   open a case for; BullMQ only carries batch numbers. A crashed worker's batch is still `pending` here
 *   and the relay puts it back on the queue.
 */
export class Campaigns1700000000900 implements MigrationInterface {
  name = 'Campaigns1700000000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN once_key text`);
    // existing annual reviews: the oldest case of an (organization, year) keeps the key
    await q.query(`
      UPDATE cases c SET once_key = k.key
      FROM (SELECT DISTINCT ON (subject_org_id, snapshot #>> '{context,year}') id,
              'annual-review:' || subject_org_id || ':' || (snapshot #>> '{context,year}') AS key
            FROM cases WHERE workflow = 'annual-review' AND subject_org_id IS NOT NULL
            ORDER BY subject_org_id, snapshot #>> '{context,year}', opened_at, id) k
      WHERE c.id = k.id`);
    await q.query(`CREATE UNIQUE INDEX cases_once_key_idx ON cases (once_key) WHERE once_key IS NOT NULL`);

    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('annual-review')),
        year int NOT NULL,
        org_id uuid NOT NULL REFERENCES orgs(id),
        status text NOT NULL CHECK (status IN ('running','completed','failed','cancelled')),
        total int NOT NULL DEFAULT 0,
        opened int NOT NULL DEFAULT 0,
        skipped int NOT NULL DEFAULT 0,
        failed int NOT NULL DEFAULT 0,
        batch_size int NOT NULL,
        launched_by jsonb NOT NULL,
        -- engine time (what users read) and wall time (what the ETA is measured in)
        started_at timestamptz NOT NULL,
        started_wall_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at timestamptz,
        UNIQUE (kind, year, org_id)
      );
      CREATE TABLE campaign_targets (
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        org_id uuid NOT NULL REFERENCES orgs(id),
        batch int NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','opened','skipped','failed','cancelled')),
        case_id uuid REFERENCES cases(id),
        code text,
        message text,
        done_at timestamptz,
        PRIMARY KEY (campaign_id, org_id)
      );
      CREATE INDEX campaign_targets_pending_idx ON campaign_targets (campaign_id, batch) WHERE status = 'pending';
      CREATE INDEX campaign_targets_failed_idx ON campaign_targets (campaign_id) WHERE status = 'failed';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_targets, campaigns`);
    await q.query(`DROP INDEX cases_once_key_idx`);
    await q.query(`ALTER TABLE cases DROP COLUMN once_key`);
  }
}
