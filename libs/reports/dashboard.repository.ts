import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PASSED_DEADLINE_OF_CURRENT_VISIT } from '../engine/cases.repository';

export interface OverdueRow {
  orgId: string | null;
  orgName: string | null;
  county: string | null;
  workflow: string;
  cases: number;
  oldestDueAt: Date;
  caseIds: string[];
}

export interface PipelineRow {
  state: string;
  status: 'open' | 'closed';
  cases: number;
}

export interface PipelineAgeRow extends PipelineRow {
  /** the applicant's age in whole years on the day the case opened (the application), Beijing time */
  age: number;
  /** the applicant holds a practising licence (a licence number in the registry) */
  lawyer: boolean;
}

/**
 * Aggregates over cases and timers for the supervisors' dashboards. `scope` is the caller's role orgs
 * (null for admins): a case counts when one of them is among the case's scope orgs, as everywhere else.
 */
@Injectable()
export class DashboardRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Open cases with a deadline of their current state visit already past, counted per organization that owes
   * the step (the timer's party on the case; else the subject's organization) and per procedure.
   */
  async overdue(now: Date, scope: string[] | null, orgId?: string): Promise<OverdueRow[]> {
    return this.ds.query(
      `WITH late AS (
         SELECT DISTINCT ON (c.id) c.id, c.workflow, t.due_at,
           coalesce(c.parties->>t.party, c.subject_org_id::text, m.org_id::text, f.party_org_id::text)::uuid AS owing_org
         FROM cases c
         JOIN timers t ON t.case_id = c.id AND ${PASSED_DEADLINE_OF_CURRENT_VISIT('$1')}
         LEFT JOIN members m ON m.id = c.subject_member_id
         LEFT JOIN firms f ON f.id = c.subject_firm_id
         WHERE c.status = 'open' AND ($2::uuid[] IS NULL OR c.scope_org_ids && $2::uuid[])
           AND ($3::uuid IS NULL OR $3::uuid = ANY(c.scope_org_ids))
         ORDER BY c.id, t.due_at)
       SELECT l.owing_org AS "orgId", o.name AS "orgName", o.county, l.workflow, count(*)::int AS cases,
         min(l.due_at) AS "oldestDueAt", (array_agg(l.id ORDER BY l.due_at))[1:50] AS "caseIds"
       FROM late l LEFT JOIN orgs o ON o.id = l.owing_org
       GROUP BY l.owing_org, o.name, o.county, l.workflow
       ORDER BY cases DESC, "oldestDueAt"`,
      [now, scope, orgId ?? null],
    );
  }

  /** Recruitment cases per top-level state (stage step) and status. */
  /** The same counts, further split by the applicant's age at the application and whether they practise. */
  async recruitmentByAge(scope: string[] | null, orgId?: string): Promise<PipelineAgeRow[]> {
    return this.ds.query(
      `SELECT (SELECT p FROM unnest(c.state_paths) p WHERE position('.' in p) = 0 LIMIT 1) AS state, c.status,
              date_part('year', age((c.opened_at AT TIME ZONE 'Asia/Shanghai')::date, m.birth_date))::int AS age,
              (m.license_no IS NOT NULL) AS lawyer, count(*)::int AS cases
       FROM cases c JOIN members m ON m.id = c.subject_member_id
       WHERE c.workflow = 'recruitment' AND ($1::uuid[] IS NULL OR c.scope_org_ids && $1::uuid[])
         AND ($2::uuid IS NULL OR $2::uuid = ANY(c.scope_org_ids))
       GROUP BY 1, 2, 3, 4`,
      [scope, orgId ?? null],
    );
  }

  async recruitmentByState(scope: string[] | null, orgId?: string): Promise<PipelineRow[]> {
    return this.ds.query(
      `SELECT (SELECT p FROM unnest(c.state_paths) p WHERE position('.' in p) = 0 LIMIT 1) AS state, c.status, count(*)::int AS cases
       FROM cases c
       WHERE c.workflow = 'recruitment' AND ($1::uuid[] IS NULL OR c.scope_org_ids && $1::uuid[])
         AND ($2::uuid IS NULL OR $2::uuid = ANY(c.scope_org_ids))
       GROUP BY 1, 2`,
      [scope, orgId ?? null],
    );
  }
}
