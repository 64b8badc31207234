import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Reads of what the annual review produces (org_grades, commendations, the ratings in the review cases)
 * and of a member's record (cases, history, registry changes, disciplines), for supervisors, the licensing
 * side's firm assessment and the member timeline.
 */
@Injectable()
export class ResultsRepository {
  constructor(private readonly ds: DataSource) {}

  async orgPath(orgId: string): Promise<string | undefined> {
    const [row] = await this.ds.query(`SELECT path FROM orgs WHERE id = $1`, [orgId]);
    return row?.path;
  }

  async grades(filter: { year?: number; underPath?: string }, prefixes: string[]) {
    return this.ds.query(
      `SELECT g.org_id AS "orgId", o.name, o.type, g.year, g.grade, g.score, g.case_id AS "caseId", g.recorded_at AS "recordedAt"
       FROM org_grades g JOIN orgs o ON o.id = g.org_id
       WHERE o.path LIKE ANY($1::text[]) AND ($2::int IS NULL OR g.year = $2) AND ($3::text IS NULL OR o.path LIKE $3 || '%')
       ORDER BY g.year DESC, g.grade, g.score DESC, o.name LIMIT 5000`,
      [prefixes, filter.year ?? null, filter.underPath ?? null],
    );
  }

  /** Organizations graded II or III in `year` in scope, with their grade of the next year (null until graded). */
  async gradesToUpgrade(year: number, prefixes: string[], underPath?: string) {
    return this.ds.query(
      `SELECT g.org_id AS "orgId", o.name, o.type, g.year, g.grade, g.score, n.grade AS "nextGrade", n.score AS "nextScore"
       FROM org_grades g JOIN orgs o ON o.id = g.org_id LEFT JOIN org_grades n ON n.org_id = g.org_id AND n.year = g.year + 1
       WHERE g.year = $1 AND g.grade IN ('II', 'III') AND o.path LIKE ANY($2::text[]) AND ($3::text IS NULL OR o.path LIKE $3 || '%')
       ORDER BY g.grade DESC, g.score, o.name LIMIT 5000`,
      [year, prefixes, underPath ?? null],
    );
  }

  /** The cases opened under these once keys: id, state, status, and the target grade of an upgrade plan. */
  async casesByOnceKey(
    keys: string[],
  ): Promise<{ onceKey: string; caseId: string; state: string; status: string; targetGrade: string | null }[]> {
    if (!keys.length) return [];
    return this.ds.query(
      `SELECT once_key AS "onceKey", id AS "caseId", state, status, snapshot #>> '{context,plan,targetGrade}' AS "targetGrade"
       FROM cases WHERE once_key = ANY($1::text[])`,
      [keys],
    );
  }

  async commendedMembers(year: number, prefixes: string[]) {
    return this.ds.query(
      `SELECT DISTINCT ON (c.member_id) c.member_id AS "memberId", m.name, m.org_id AS "orgId", o.name AS "orgName", c.case_id AS "caseId"
       FROM commendations c JOIN members m ON m.id = c.member_id JOIN orgs o ON o.id = m.org_id
       JOIN cases k ON k.id = c.case_id JOIN orgs ko ON ko.id = k.subject_org_id
       WHERE c.year = $1 AND c.member_id IS NOT NULL AND ko.path LIKE ANY($2::text[])
       ORDER BY c.member_id, c.recorded_at`,
      [year, prefixes],
    );
  }

  async commendedOrgs(year: number, prefixes: string[]) {
    return this.ds.query(
      `SELECT DISTINCT ON (c.org_id) c.org_id AS "orgId", o.name, g.grade, g.score, c.case_id AS "caseId"
       FROM commendations c JOIN orgs o ON o.id = c.org_id LEFT JOIN org_grades g ON g.org_id = c.org_id AND g.year = c.year
       WHERE c.year = $1 AND c.org_id IS NOT NULL AND o.path LIKE ANY($2::text[])
       ORDER BY c.org_id, c.recorded_at`,
      [year, prefixes],
    );
  }

  async firm(firmId: string): Promise<{ id: string; partyOrgId: string | null; path: string | null } | undefined> {
    const [row] = await this.ds.query(
      `SELECT f.id, f.party_org_id AS "partyOrgId",
         coalesce(o.path, (SELECT path FROM orgs WHERE type = 'county_committee' AND region_code = f.region_code LIMIT 1),
           (SELECT path FROM orgs WHERE type = 'city_committee' AND region_code = left(f.region_code, 4) || '00' LIMIT 1)) AS path
       FROM firms f LEFT JOIN orgs o ON o.id = f.party_org_id WHERE f.id = $1`,
      [firmId],
    );
    return row;
  }

  /**
   * The firm's assessment inputs for a year: its party organization's grade, and the ratings its own lawyers
   * got in that organization's review (a joint branch rates the members of several firms: only this firm's count).
   */
  async firmAssessment(firmId: string, partyOrgId: string | null, year: number, onceKey: string | null) {
    const [grade] = partyOrgId
      ? await this.ds.query(
          `SELECT grade, score, case_id AS "caseId" FROM org_grades WHERE org_id = $1 AND year = $2`,
          [partyOrgId, year],
        )
      : [];
    const ratings: { rating: string; n: number }[] = onceKey
      ? await this.ds.query(
          `SELECT r.value AS rating, count(*)::int AS n
           FROM cases c, jsonb_each_text(coalesce(c.snapshot #> '{context,ratings}', '{}'::jsonb)) r
           JOIN members m ON m.id = r.key::uuid
           WHERE c.once_key = $1 AND m.firm_id = $2 GROUP BY r.value`,
          [onceKey, firmId],
        )
      : [];
    const [{ n: nonconformingOpen }] = await this.ds.query(
      `SELECT count(*)::int AS n FROM cases c JOIN members m ON m.id = c.subject_member_id
       WHERE c.workflow = 'nonconforming' AND c.status = 'open' AND m.firm_id = $1`,
      [firmId],
    );
    return { grade, ratings, nonconformingOpen };
  }

  async memberPath(
    memberId: string,
  ): Promise<{ path: string; name: string; createdAt: Date; status: string; joinedOn: string | null } | undefined> {
    const [row] = await this.ds.query(
      `SELECT o.path, m.name, m.created_at AS "createdAt", m.status, to_char(m.joined_on, 'YYYY-MM-DD') AS "joinedOn"
       FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1`,
      [memberId],
    );
    return row;
  }

  /** Every history row of every case whose subject is the member (oldest first). */
  async memberCaseHistory(memberId: string) {
    return this.ds.query(
      `SELECT h.case_id AS "caseId", c.workflow, c.definition_version AS "definitionVersion", h.seq, h.at, h.type, h.actor, h.from_state AS "from", h.to_state AS "to", h.comment
       FROM case_history h JOIN cases c ON c.id = h.case_id WHERE c.subject_member_id = $1 ORDER BY h.at, h.case_id, h.seq`,
      [memberId],
    );
  }

  async memberDisciplines(memberId: string) {
    return this.ds.query(
      `SELECT sanction, reason, decided_on AS "decidedOn", authority, case_id AS "caseId", recorded_at AS "recordedAt"
       FROM member_disciplines WHERE member_id = $1 ORDER BY recorded_at`,
      [memberId],
    );
  }

  /** Annual reviews that rated the member (the rating is in the review case's context). */
  async memberRatings(memberId: string) {
    return this.ds.query(
      `SELECT c.id AS "caseId", (c.snapshot #>> '{context,year}')::int AS year, c.snapshot #>> ARRAY['context','ratings',$1::text] AS rating,
         coalesce(c.closed_at, c.updated_at) AS at
       FROM cases c WHERE c.workflow = 'annual-review' AND c.snapshot #> '{context,ratings}' ? $1::text ORDER BY at`,
      [memberId],
    );
  }
}
