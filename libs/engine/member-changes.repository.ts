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

  async forMember(memberId: string): Promise<MemberChange[]> {
    return this.ds.query(
      `SELECT field, old_value AS "oldValue", new_value AS "newValue", case_id AS "caseId", at FROM member_changes
       WHERE member_id = $1 ORDER BY at, id`,
      [memberId],
    );
  }
}
