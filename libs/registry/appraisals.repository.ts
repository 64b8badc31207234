import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Results of the annual review: organization grades (`org_grades`) and commendations (`commendations`). */
@Injectable()
export class AppraisalsRepository {
  /** An organization's grade of a year (a later review of the same year replaces it). */
  async recordGrade(
    em: EntityManager,
    g: { orgId: string; year: number; score: number; grade: string; caseId: string; at: Date },
  ) {
    await em.query(
      `INSERT INTO org_grades (org_id, year, score, grade, case_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, year) DO UPDATE SET score = EXCLUDED.score, grade = EXCLUDED.grade, case_id = EXCLUDED.case_id, recorded_at = EXCLUDED.recorded_at`,
      [g.orgId, g.year, g.score, g.grade, g.caseId, g.at],
    );
  }

  /** Commends members and organizations for a year. */
  async commend(
    em: EntityManager,
    c: { year: number; memberIds: string[]; orgIds: string[]; caseId: string; at: Date },
  ) {
    for (const memberId of c.memberIds)
      await em.query(`INSERT INTO commendations (year, member_id, case_id, recorded_at) VALUES ($1, $2, $3, $4)`, [
        c.year,
        memberId,
        c.caseId,
        c.at,
      ]);
    for (const orgId of c.orgIds)
      await em.query(`INSERT INTO commendations (year, org_id, case_id, recorded_at) VALUES ($1, $2, $3, $4)`, [
        c.year,
        orgId,
        c.caseId,
        c.at,
      ]);
  }
}
