import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export type FollowUpOutcome = 'opened' | 'attached' | 'failed';

export interface FollowUpView {
  /** the case whose transition asked for the follow-up */
  caseId: string;
  workflow: string;
  subject: Record<string, string>;
  trigger: string | null;
  outcome: FollowUpOutcome;
  /** the case opened, or the open one it was attached to */
  followUpCaseId: string | null;
  code: string | null;
  message: string | null;
  at: string;
}

const COLUMNS = `case_id AS "caseId", workflow, subject, trigger, outcome, follow_up_case_id AS "followUpCaseId", code, message, at`;

/** case_follow_ups: the record of every follow-up a transition asked for, and what became of it. */
@Injectable()
export class FollowUpsRepository {
  constructor(private readonly ds: DataSource) {}

  async record(
    em: EntityManager,
    f: {
      caseId: string;
      workflow: string;
      subject: { memberId?: string; firmId?: string; orgId?: string };
      trigger?: string | null;
      outcome: FollowUpOutcome;
      followUpCaseId?: string | null;
      code?: string | null;
      message?: string | null;
      at: Date;
    },
  ): Promise<void> {
    await em.query(
      `INSERT INTO case_follow_ups (case_id, workflow, subject, subject_member_id, trigger, outcome, follow_up_case_id, code, message, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        f.caseId,
        f.workflow,
        f.subject,
        f.subject.memberId ?? null,
        f.trigger ?? null,
        f.outcome,
        f.followUpCaseId ?? null,
        f.code ?? null,
        f.message ?? null,
        f.at,
      ],
    );
  }

  /** The open case of a workflow for a member (what a refused follow-up attaches to). */
  async openCaseFor(em: EntityManager, workflow: string, memberId: string | undefined): Promise<string | undefined> {
    if (!memberId) return undefined;
    const [row] = await em.query(
      `SELECT id FROM cases WHERE workflow = $1 AND status = 'open' AND subject_member_id = $2 ORDER BY opened_at LIMIT 1`,
      [workflow, memberId],
    );
    return row?.id;
  }

  async forMember(memberId: string): Promise<FollowUpView[]> {
    return this.ds.query(`SELECT ${COLUMNS} FROM case_follow_ups WHERE subject_member_id = $1 ORDER BY at, id`, [
      memberId,
    ]);
  }
}
