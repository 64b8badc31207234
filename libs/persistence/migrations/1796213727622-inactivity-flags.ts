import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the daily inactivity detector found (党章 art. 9): one row per member, ground (`org_life`: no meeting
 * attended; `dues`: no dues paid) and window of consecutive months, so a run repeated on the same day, or the
 * next day while the member is still inactive, never flags twice. `review_case_id` is the branch clerk's
 * `inactivity-review` case for it (set in the same transaction as the flag); the review's outcome is read from
 * that case.
 */
export class InactivityFlags1796213727622 implements MigrationInterface {
  name = 'InactivityFlags1796213727622';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inactivity_flags (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        member_id uuid NOT NULL REFERENCES members(id),
        org_id uuid NOT NULL REFERENCES orgs(id),
        ground text NOT NULL CHECK (ground IN ('org_life','dues')),
        window_start date NOT NULL CHECK (extract(day FROM window_start) = 1),
        window_end date NOT NULL CHECK (window_end >= window_start),
        months int NOT NULL CHECK (months > 0),
        evidence jsonb NOT NULL,
        summary text NOT NULL,
        flagged_on date NOT NULL,
        flagged_at timestamptz NOT NULL,
        review_case_id uuid REFERENCES cases(id),
        UNIQUE (member_id, ground, window_start)
      );
      CREATE INDEX inactivity_flags_org_idx ON inactivity_flags (org_id, flagged_on DESC);
      CREATE INDEX inactivity_flags_review_idx ON inactivity_flags (review_case_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inactivity_flags`);
  }
}
