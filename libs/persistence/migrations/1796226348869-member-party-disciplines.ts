import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Party disciplines (党纪处分) in force on a member. Only 留党察看 is kept: it is the one sanction that takes a
 * member's rights away for a time (党章 art. 40: 留党察看最长不超过两年; no vote, no election, and — 发展党员工作细则 —
 * no introducing applicants until the rights come back). In force on the days `from_on <= day < until_on`.
 * The source is the case that recorded it (a `nonconforming` case that ended in 留党察看), or a licensing event.
 * Sector sanctions from the licensing system (行业处分) stay in `member_disciplines`: they are no party discipline.
 */
export class MemberPartyDisciplines1796226348869 implements MigrationInterface {
  name = 'MemberPartyDisciplines1796226348869';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE member_party_disciplines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        member_id uuid NOT NULL REFERENCES members(id),
        kind text NOT NULL CHECK (kind IN ('party_probation')),
        from_on date NOT NULL,
        until_on date NOT NULL,
        case_id uuid REFERENCES cases(id),
        licensing_event_id text,
        recorded_at timestamptz NOT NULL,
        CONSTRAINT member_party_disciplines_order CHECK (until_on > from_on),
        CONSTRAINT member_party_disciplines_source CHECK (case_id IS NOT NULL OR licensing_event_id IS NOT NULL)
      );
      CREATE INDEX member_party_disciplines_member_idx ON member_party_disciplines (member_id, until_on);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE member_party_disciplines`);
  }
}
