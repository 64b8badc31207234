import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface MemberChange {
  field: 'status' | 'org_id';
  oldValue: string | null;
  newValue: string | null;
  caseId: string | null;
  at: string;
}

/** member_changes: registry changes a procedure made to a member (status, organization), for the timeline. */
@Injectable()
export class MemberChangesRepository {
  constructor(private readonly ds: DataSource) {}

  /** Sets a member's column and records the change (old value read under the row lock), in one statement. */
  async change(
    em: EntityManager,
    memberId: string,
    field: MemberChange['field'],
    value: string,
    caseId: string | null,
    at: Date,
  ): Promise<void> {
    // the column name comes from the closed union above, never from input
    const [column, cast] = field === 'status' ? ['status', ''] : ['org_id', '::uuid'];
    await em.query(
      `WITH old AS (SELECT ${column}::text AS v FROM members WHERE id = $1 FOR UPDATE),
       upd AS (UPDATE members SET ${column} = $2::text${cast}, updated_at = $4 WHERE id = $1 RETURNING id)
       INSERT INTO member_changes (member_id, field, old_value, new_value, case_id, at)
       SELECT $1, $5, old.v, $2::text, $3, $4 FROM old, upd WHERE old.v IS DISTINCT FROM $2::text`,
      [memberId, value, caseId, at, field],
    );
  }

  /**
   * Full members of the branch the member belonged to at the end of `day` (Asia/Shanghai), as the registry
   * had them then: today's rows with every later status or organization change undone (member_changes keeps
   * the old values). Probationary members never count: they have no vote (党章 art. 7).
   */
  async fullMembersOfBranchOn(em: EntityManager, memberId: string, day: string): Promise<number | null> {
    const [row] = await em.query(
      `WITH cutoff AS (SELECT (($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AS t),
       state_then AS (
         SELECT m.id,
           coalesce((SELECT c.old_value FROM member_changes c, cutoff WHERE c.member_id = m.id AND c.field = 'status' AND c.at >= cutoff.t ORDER BY c.at, c.id LIMIT 1), m.status) AS status,
           coalesce((SELECT c.old_value FROM member_changes c, cutoff WHERE c.member_id = m.id AND c.field = 'org_id' AND c.at >= cutoff.t ORDER BY c.at, c.id LIMIT 1), m.org_id::text) AS org_id,
           m.created_at
         FROM members m),
       branch AS (SELECT org_id FROM state_then WHERE id = $1)
       SELECT (SELECT org_id FROM branch) AS branch,
         -- only members already in the registry by the end of that day: one registered later was no voter then;
         -- nor one under 留党察看 that day (党章 art. 40: 留党察看期间没有表决权)
         (SELECT count(*)::int FROM state_then s, branch b, cutoff
           WHERE s.org_id = b.org_id AND s.status = 'full' AND s.created_at < cutoff.t
             AND NOT EXISTS (SELECT 1 FROM member_party_disciplines d
                              WHERE d.member_id = s.id AND d.kind = 'party_probation'
                                AND d.from_on <= $2::date AND d.until_on > $2::date)) AS n`,
      [memberId, day],
    );
    return row?.branch ? row.n : null;
  }

  async forMember(memberId: string): Promise<MemberChange[]> {
    return this.ds.query(
      `SELECT field, old_value AS "oldValue", new_value AS "newValue", case_id AS "caseId", at FROM member_changes
       WHERE member_id = $1 ORDER BY at, id`,
      [memberId],
    );
  }
}
