import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { GroundFinding, InactivityGround } from './org-life.rules';

export interface DetectorBranch {
  id: string;
  regionCode: string;
  /** YYYY-MM of the branch's first recorded meeting / dues month (null: none recorded) */
  firstMeetingMonth: string | null;
  firstDuesMonth: string | null;
}

export interface DetectorMember {
  id: string;
  name: string;
  orgId: string;
  /** YYYY-MM from which the member is accountable in the branch (registered, or moved in) */
  since: string;
  attended: string[];
  excused: string[];
  duesPaid: string[];
}

/** What a flag rests on, as stored. */
export interface InactivityEvidence {
  months: string[];
  lastAttended: string | null;
  lastExcused: string | null;
  lastDuesPaid: string | null;
  /** meetings the branch held in the window (org_life only) */
  branchMeetingsInWindow?: number;
}

export interface FlagInsert {
  memberId: string;
  orgId: string;
  finding: GroundFinding;
  evidence: InactivityEvidence;
  summary: string;
  flaggedOn: string;
  at: Date;
}

export interface FlagView {
  id: string;
  memberId: string;
  memberName: string;
  orgId: string;
  orgName: string;
  ground: InactivityGround;
  windowStart: string;
  windowEnd: string;
  months: number;
  evidence: InactivityEvidence;
  summary: string;
  flaggedOn: string;
  reviewCaseId: string | null;
  reviewState: string | null;
  reviewStatus: string | null;
  decision: { outcome: string; on: string; reason?: string; grounds?: string } | null;
  nonconformingCaseId: string | null;
  nonconformingOutcome: string | null;
}

const month = (col: string) => `to_char(${col}, 'YYYY-MM')`;

/**
 * The inactivity detector's reads of the organizational-life records and registry, and its flags
 * (`inactivity_flags`) with the review each got.
 */
@Injectable()
export class InactivityFlagsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Organizations under the path that keep organizational-life records, with when their records begin. */
  async branchesUnder(pathPrefix: string, types: string[]): Promise<DetectorBranch[]> {
    return this.ds.query(
      `SELECT o.id, o.region_code AS "regionCode",
              (SELECT ${month('min(m.held_on)')} FROM org_meetings m WHERE m.org_id = o.id) AS "firstMeetingMonth",
              (SELECT ${month('min(d.month)')} FROM dues_payments d WHERE d.org_id = o.id) AS "firstDuesMonth"
       FROM orgs o WHERE o.path LIKE $1 AND o.type = ANY($2::text[])`,
      [pathPrefix, types],
    );
  }

  /**
   * The party members (probationary or full) now in these organizations, each with the month from which
   * they are accountable there (registered, or last moved in, Asia/Shanghai) and the months of their
   * participation: meetings attended, absences with a reason, dues paid.
   */
  async membersWithParticipation(orgIds: string[]): Promise<DetectorMember[]> {
    if (!orgIds.length) return [];
    return this.ds.query(
      `SELECT m.id, m.name, m.org_id AS "orgId",
              ${month(`greatest(m.created_at, coalesce((SELECT max(c.at) FROM member_changes c WHERE c.member_id = m.id AND c.field = 'org_id'), m.created_at)) AT TIME ZONE 'Asia/Shanghai'`)} AS since,
              coalesce((SELECT array_agg(DISTINCT ${month('om.held_on')}) FROM org_meeting_participants p JOIN org_meetings om ON om.id = p.meeting_id
                        WHERE p.member_id = m.id AND p.attended), '{}') AS attended,
              coalesce((SELECT array_agg(DISTINCT ${month('om.held_on')}) FROM org_meeting_participants p JOIN org_meetings om ON om.id = p.meeting_id
                        WHERE p.member_id = m.id AND NOT p.attended), '{}') AS excused,
              coalesce((SELECT array_agg(${month('d.month')}) FROM dues_payments d WHERE d.member_id = m.id), '{}') AS "duesPaid"
       FROM members m WHERE m.org_id = ANY($1::uuid[]) AND m.status IN ('probationary', 'full')
       ORDER BY m.id`,
      [orgIds],
    );
  }

  /** Meetings the organization held between two days (inclusive). */
  async meetingsHeld(orgId: string, from: string, to: string): Promise<number> {
    const [row] = await this.ds.query(
      `SELECT count(*)::int AS n FROM org_meetings WHERE org_id = $1 AND held_on BETWEEN $2::date AND $3::date`,
      [orgId, from, to],
    );
    return row.n;
  }

  /** Inserts a flag unless that member, ground and window was flagged already; its id when new. */
  async insertFlag(em: EntityManager, f: FlagInsert): Promise<string | null> {
    const rows = await em.query(
      `INSERT INTO inactivity_flags (member_id, org_id, ground, window_start, window_end, months, evidence, summary, flagged_on, flagged_at)
       VALUES ($1, $2, $3, ($4 || '-01')::date, ($5 || '-01')::date, $6, $7, $8, $9, $10)
       ON CONFLICT (member_id, ground, window_start) DO NOTHING RETURNING id`,
      [
        f.memberId,
        f.orgId,
        f.finding.ground,
        f.finding.windowStart,
        f.finding.windowEnd,
        f.finding.months.length,
        f.evidence,
        f.summary,
        f.flaggedOn,
        f.at,
      ],
    );
    return rows[0]?.id ?? null;
  }

  async setReviewCase(em: EntityManager, flagIds: string[], caseId: string): Promise<void> {
    await em.query(`UPDATE inactivity_flags SET review_case_id = $2 WHERE id = ANY($1::uuid[])`, [flagIds, caseId]);
  }

  /** The member's open review case, if any (one at a time). */
  async openReviewCase(em: EntityManager, workflow: string, memberId: string): Promise<string | null> {
    const [row] = await em.query(
      `SELECT id FROM cases WHERE workflow = $1 AND status = 'open' AND subject_member_id = $2 LIMIT 1`,
      [workflow, memberId],
    );
    return row?.id ?? null;
  }

  /**
   * Flags of members whose flagged branch lies under one of the prefixes, newest first, with their review:
   * the review case's state and decision, and the non-conforming case it opened or joined.
   */
  async flagsUnder(prefixes: string[], limit = 1000): Promise<FlagView[]> {
    if (!prefixes.length) return [];
    return this.ds.query(
      `SELECT f.id, f.member_id AS "memberId", mb.name AS "memberName", f.org_id AS "orgId", o.name AS "orgName", f.ground,
              ${month('f.window_start')} AS "windowStart", ${month('f.window_end')} AS "windowEnd", f.months, f.evidence, f.summary,
              to_char(f.flagged_on, 'YYYY-MM-DD') AS "flaggedOn", f.review_case_id AS "reviewCaseId",
              c.state_paths[1] AS "reviewState", c.status AS "reviewStatus", c.snapshot->'context'->'decision' AS decision,
              fu.follow_up_case_id AS "nonconformingCaseId", fu.outcome AS "nonconformingOutcome"
       FROM inactivity_flags f
       JOIN orgs o ON o.id = f.org_id
       JOIN members mb ON mb.id = f.member_id
       LEFT JOIN cases c ON c.id = f.review_case_id
       LEFT JOIN LATERAL (SELECT follow_up_case_id, outcome FROM case_follow_ups u
                          WHERE u.case_id = f.review_case_id AND u.workflow = 'nonconforming' ORDER BY u.at DESC LIMIT 1) fu ON true
       WHERE o.path LIKE ANY($1::text[])
       ORDER BY f.flagged_on DESC, mb.name, f.ground
       LIMIT $2`,
      [prefixes, limit],
    );
  }
}
