import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organizational life (组织生活) as recorded by branch clerks: meetings with who attended and who was absent
 * (and why), and party dues paid per month. The detector and the compliance report read only these rows.
 *
 * - `org_meetings`: one row per meeting; the same (organization, kind, day, topic) twice is a duplicate, so a
 *   file imported again is refused instead of doubling the branch's meetings.
 * - `org_meeting_participants`: attended, or absent with the reason (请假事由) — never both, never neither.
 * - `dues_payments`: one row per member and month (the month the dues are for, first day of it).
 */
export class OrgLife1796197480820 implements MigrationInterface {
  name = 'OrgLife1796197480820';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE org_meetings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES orgs(id),
        kind text NOT NULL CHECK (kind IN ('member_meeting','committee','group','lecture','theme_day')),
        held_on date NOT NULL,
        topic text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
        source text NOT NULL CHECK (source IN ('api','import','demo')),
        recorded_by jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        UNIQUE (org_id, kind, held_on, topic)
      );
      CREATE INDEX org_meetings_org_day_idx ON org_meetings (org_id, held_on);

      CREATE TABLE org_meeting_participants (
        meeting_id uuid NOT NULL REFERENCES org_meetings(id),
        member_id uuid NOT NULL REFERENCES members(id),
        attended boolean NOT NULL,
        absence_reason text,
        PRIMARY KEY (meeting_id, member_id),
        CONSTRAINT org_meeting_participants_reason CHECK (attended = (absence_reason IS NULL))
      );
      CREATE INDEX org_meeting_participants_member_idx ON org_meeting_participants (member_id);

      CREATE TABLE dues_payments (
        member_id uuid NOT NULL REFERENCES members(id),
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        org_id uuid NOT NULL REFERENCES orgs(id),
        amount numeric(10,2) NOT NULL CHECK (amount > 0),
        source text NOT NULL CHECK (source IN ('api','import','demo')),
        recorded_by jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (member_id, month)
      );
      CREATE INDEX dues_payments_org_month_idx ON dues_payments (org_id, month);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dues_payments, org_meeting_participants, org_meetings`);
  }
}
