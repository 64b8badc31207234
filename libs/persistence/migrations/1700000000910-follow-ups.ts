import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What procedures produce, kept readable:
 * - `case_follow_ups`: every follow-up a transition asked for (an `unqualified` rating's non-conforming case,
 *   an expired letter's referral): opened, attached to the case already open for the subject, or failed with
 *   the reason. The triggering event never fails because of its follow-up; this row is the record of it.
 * - `member_changes`: the registry changes of a member made by procedures (status, organization), with the
 *   case that made them — the member's timeline reads them.
 */
export class FollowUps1700000000910 implements MigrationInterface {
  name = 'FollowUps1700000000910';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_follow_ups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id),
        workflow text NOT NULL,
        subject jsonb NOT NULL,
        subject_member_id uuid REFERENCES members(id),
        trigger text,
        outcome text NOT NULL CHECK (outcome IN ('opened','attached','failed')),
        follow_up_case_id uuid REFERENCES cases(id),
        code text,
        message text,
        at timestamptz NOT NULL
      );
      CREATE INDEX case_follow_ups_case_idx ON case_follow_ups (case_id);
      CREATE INDEX case_follow_ups_follow_up_idx ON case_follow_ups (follow_up_case_id) WHERE follow_up_case_id IS NOT NULL;
      CREATE INDEX case_follow_ups_member_idx ON case_follow_ups (subject_member_id) WHERE subject_member_id IS NOT NULL;

      CREATE TABLE member_changes (
        id bigserial PRIMARY KEY,
        member_id uuid NOT NULL REFERENCES members(id),
        field text NOT NULL,
        old_value text,
        new_value text,
        case_id uuid REFERENCES cases(id),
        at timestamptz NOT NULL
      );
      CREATE INDEX member_changes_member_idx ON member_changes (member_id, at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE member_changes, case_follow_ups`);
  }
}
