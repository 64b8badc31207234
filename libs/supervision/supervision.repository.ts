import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { TimerStage } from '../engine/timer-stage';

/** Most overdue deadlines one supervision inbox considers (the most overdue first). */
export const SUPERVISION_CANDIDATE_CAP = 5_000;

/** A passed deadline of an open case's current visit that has an escalation stage due. */
export interface OverdueTimerRow {
  case_id: string;
  workflow: string;
  definition_version: number;
  parties: Record<string, string>;
  state_path: string;
  deadline_key: string;
  party: string | null;
  title: string;
  due_at: Date;
  provisional: boolean;
  stages: TimerStage[];
}

/** A case_urges row as the services read it. */
export interface UrgeRow {
  id: string;
  case_id: string;
  on_day: string;
  at: Date;
  urged_by: string;
  urger_role: string;
  urger_org_id: string;
  state: unknown;
  state_title: string;
  targets: { orgId: string; role: string }[];
  notified: number;
  comment: string | null;
}

/** The columns of a case_urges row, of the table aliased `u`. */
const URGE_COLUMNS = `u.id, u.case_id, to_char(u.on_day, 'YYYY-MM-DD') AS on_day, u.at, u.urged_by, u.urger_role,
  u.urger_org_id, u.state, u.state_title, u.targets, u.notified, u.comment`;

/** The supervision inbox's reads (overdue deadlines with their escalations) and the urges (case_urges). */
@Injectable()
export class SupervisionRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The deadlines of open cases in scope (null: everywhere) that have passed and have an escalation stage due
   * by `now`, in the current visit of their state, the most overdue first; optionally only some workflows.
   */
  async overdueEscalated(opts: {
    scope: string[] | null;
    workflows: string[] | null;
    now: Date;
  }): Promise<OverdueTimerRow[]> {
    return this.ds.query(
      `SELECT c.id AS case_id, c.workflow, c.definition_version, c.parties, t.state_path, t.deadline_key, t.party,
              t.title, t.due_at, t.provisional, t.stages
         FROM cases c JOIN timers t ON t.case_id = c.id
        WHERE c.status = 'open' AND ($1::uuid[] IS NULL OR c.scope_org_ids && $1::uuid[])
          AND ($2::text[] IS NULL OR c.workflow = ANY($2::text[]))
          AND t.due_at <= $3 AND t.state_path = ANY(c.state_paths)
          AND (t.status = 'pending' OR (t.status = 'fired' AND t.epoch >= coalesce((c.entered -> t.state_path ->> 'version')::int, 0)))
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(t.stages) s
                       WHERE s ->> 'kind' = 'escalation' AND (s ->> 'at')::timestamptz <= $3)
        ORDER BY t.due_at, c.id
        LIMIT ${SUPERVISION_CANDIDATE_CAP}`,
      [opts.scope, opts.workflows, opts.now],
    );
  }

  /**
   * Records an urge unless the case was already urged that day: the row written, or undefined when one exists
   * (the unique (case_id, on_day) decides, so two supervisors urging at once write one row). Written last in
   * the urge's transaction, with the number of people its notices reached: the table is append-only.
   */
  async insertUrge(em: EntityManager, u: Omit<UrgeRow, 'id'>): Promise<UrgeRow | undefined> {
    const rows: UrgeRow[] = await em.query(
      `WITH u AS (
         INSERT INTO case_urges (case_id, on_day, at, urged_by, urger_role, urger_org_id, state, state_title, targets, notified, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (case_id, on_day) DO NOTHING RETURNING *)
       SELECT ${URGE_COLUMNS} FROM u`,
      [
        u.case_id,
        u.on_day,
        u.at,
        u.urged_by,
        u.urger_role,
        u.urger_org_id,
        JSON.stringify(u.state),
        u.state_title,
        JSON.stringify(u.targets),
        u.notified,
        u.comment,
      ],
    );
    return rows[0];
  }

  /** The urge of a case on a day (Asia/Shanghai date), if any. */
  async urgeOn(caseId: string, day: string, em?: EntityManager): Promise<UrgeRow | undefined> {
    const rows: UrgeRow[] = await (em ?? this.ds).query(
      `SELECT ${URGE_COLUMNS} FROM case_urges u WHERE u.case_id = $1 AND u.on_day = $2`,
      [caseId, day],
    );
    return rows[0];
  }

  /** The latest urge of each case. */
  async latestUrges(caseIds: string[]): Promise<Map<string, UrgeRow>> {
    if (!caseIds.length) return new Map();
    const rows: UrgeRow[] = await this.ds.query(
      `SELECT DISTINCT ON (u.case_id) ${URGE_COLUMNS} FROM case_urges u WHERE u.case_id = ANY($1::uuid[])
        ORDER BY u.case_id, u.at DESC, u.id DESC`,
      [caseIds],
    );
    return new Map(rows.map((r) => [r.case_id, r]));
  }

  /** Urges of cases in scope (null: all), newest first; optionally of one case. */
  async listUrges(opts: { scope: string[] | null; caseId?: string; limit: number; offset: number }): Promise<{
    rows: (UrgeRow & { workflow: string; subject: { memberId?: string; firmId?: string; orgId?: string } })[];
    total: number;
  }> {
    const where = `($1::uuid[] IS NULL OR c.scope_org_ids && $1::uuid[]) AND ($2::uuid IS NULL OR u.case_id = $2::uuid)`;
    const rows = await this.ds.query(
      `SELECT ${URGE_COLUMNS}, c.workflow, c.subject
         FROM case_urges u JOIN cases c ON c.id = u.case_id WHERE ${where}
        ORDER BY u.at DESC, u.id DESC LIMIT $3 OFFSET $4`,
      [opts.scope, opts.caseId ?? null, opts.limit, opts.offset],
    );
    const [{ total }] = await this.ds.query(
      `SELECT count(*)::int AS total FROM case_urges u JOIN cases c ON c.id = u.case_id WHERE ${where}`,
      [opts.scope, opts.caseId ?? null],
    );
    return { rows, total };
  }
}
