import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { TimerStage } from './timer-stage';
import type { PlannedTimer } from './deadline-planner';
import {
  SAME_DEADLINE_IN_THIS_VISIT,
  TIMER_COLUMNS,
  timerArrays,
  UNPLANNED_LIVE_TIMER,
  unnestTimers,
} from './cases.repository';

/**
 * Where a claiming loop goes on from: the (next_at, id) of the last timer it claimed. Fired timers leave dead
 * entries at the front of the pending index until vacuum; a claim that always started from the front walked
 * every one of them, so each batch of a storm cost more than the one before.
 */
export interface ClaimCursor {
  /** next_at as PostgreSQL prints it (microseconds kept: a JS Date would round it) */
  at: string;
  id: string;
}

/** A claimed due timer joined with what the drain needs of its case. */
export interface ClaimedTimer {
  id: string;
  /** next_at as text, for the claim cursor */
  claim_key_at: string;
  case_id: string;
  epoch: number;
  state_path: string;
  deadline_key: string;
  due_at: Date;
  fire_event: string | null;
  party: string | null;
  title: string;
  stages: TimerStage[];
  next_stage: number;
  case_status: string;
  state_paths: string[];
  entered: Record<string, { at: string; version: number }>;
  parties: Record<string, string>;
  workflow: string;
  definition_version: number;
  policy_version: string;
  /** Who or what the case is about, for the notices (`党员：张三`); null when the subject has no name. */
  subject_label: string | null;
}

/** A timer row as a case view shows its deadlines. */
export interface CaseTimerRow {
  case_id: string;
  deadline_key: string;
  title: string;
  state_path: string;
  due_at: Date;
  stages: TimerStage[];
  next_stage: number;
  provisional: boolean;
  rule: string;
  epoch: number;
  status: string;
}

export interface TimerAdvance {
  id: string;
  nextStage: number;
  nextAt: string | null;
  done: boolean;
}

export interface TimerDelivery {
  timerId: string;
  stage: number;
  kind: string;
  level: number;
  dueAt: string;
  lateMs: number;
  outcome: string;
}

/**
 * Timers (`timers`) and their delivery log (`timer_deliveries`). PostgreSQL is the truth of what is due;
 * Redis only wakes workers. A transition's own timer writes are part of its compare-and-swap statement in
 * the cases repository; everything else about timers is here.
 */
@Injectable()
export class TimersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Replaces a case's plan outside a transition (calendar year added, policy corrected), as a transition does:
   * live timers no longer planned are cancelled (`UNPLANNED_LIVE_TIMER`: a corrected deadline replaces the
   * overdue mark of the old one), new ones inserted at `epoch`, unchanged ones kept. The caller holds the case
   * row lock.
   */
  async replacePlan(
    em: EntityManager,
    caseId: string,
    epoch: number,
    entered: Record<string, unknown>,
    planned: PlannedTimer[],
  ) {
    await em.query(
      `WITH cancelled AS (UPDATE timers SET status = 'cancelled' WHERE ${UNPLANNED_LIVE_TIMER('$1', '$3')})
       INSERT INTO timers (case_id, epoch, ${TIMER_COLUMNS})
       SELECT $1, $2, t.* FROM ${unnestTimers(3)}
       WHERE NOT EXISTS (${SAME_DEADLINE_IN_THIS_VISIT('$1', '$14')})`,
      [caseId, epoch, ...timerArrays(planned), entered],
    );
  }

  /**
   * Claims up to `limit` timers with a stage due by `now`, in due order, row-locked until the transaction
   * ends: `SKIP LOCKED` lets several workers share the work without delivering a stage twice.
   *
   * Only the timer rows are locked; the case columns are read, not locked. Reading is enough to tell a stale
   * timer: a transition that leaves the timer's state cancels the timer, so it waits for this lock and cannot
   * commit in between. Locking the case here as well made parallel claimers skip every timer of a case one of
   * them held (a storm over few cases ran on one claimer at a time); the few timers that send the clock's
   * event into their case take the case lock afterwards, without waiting (`lockCasesForClockEvents`).
   */
  async claimDue(em: EntityManager, now: Date, limit: number, after?: ClaimCursor): Promise<ClaimedTimer[]> {
    // The claim must walk the pending index in due order and stop at `limit`. Right after a burst of inserts
    // (a storm planted faster than autovacuum analyzes) the planner believes a few hundred rows are due and
    // prefers fetching them all and sorting, which at 100 000 due rows sorts all of them for every batch of
    // 500. With sorting priced out for this one statement the ordered index scan is the plan whatever the
    // statistics say; the setting is put back for the rest of the batch's transaction.
    await em.query(`SET LOCAL enable_sort = off`);
    const rows: ClaimedTimer[] = await em.query(
      `SELECT t.id, t.next_at::text AS claim_key_at, t.case_id, t.epoch, t.state_path, t.deadline_key, t.due_at, t.fire_event, t.party, t.title, t.stages, t.next_stage,
              c.status AS case_status, c.state_paths, c.entered, c.parties, c.workflow, c.definition_version, c.policy_version,
              coalesce('党员：' || m.name, '律师事务所：' || f.name, '党组织：' || o.name) AS subject_label
       FROM timers t JOIN cases c ON c.id = t.case_id
       LEFT JOIN members m ON m.id = c.subject_member_id
       LEFT JOIN firms f ON f.id = c.subject_firm_id
       LEFT JOIN orgs o ON o.id = c.subject_org_id
       WHERE t.status = 'pending' AND t.next_at <= $1 ${after ? 'AND (t.next_at, t.id) > ($3::timestamptz, $4::uuid)' : ''}
       ORDER BY t.next_at, t.id LIMIT $2
       FOR NO KEY UPDATE OF t SKIP LOCKED`,
      after ? [now, limit, after.at, after.id] : [now, limit],
    );
    // not in a finally: after a failed claim the transaction is aborted (and rolled back, the setting with it),
    // and a RESET there would fail too and hide the claim's own error (a deadlock the batch retries on)
    await em.query(`RESET enable_sort`);
    return rows;
  }

  /**
   * Locks the cases into which the drain sends the clock's event, skipping any already locked. It must not
   * wait: the drain already holds timer locks, and a transition holds its case while it cancels the timers
   * of the states it left, so waiting here could close a cycle. A skipped case is usually in a transition
   * that is about to cancel or re-plan the timer; its event stage stays pending for the next pass.
   */
  async lockCasesForClockEvents(em: EntityManager, caseIds: string[]): Promise<Set<string>> {
    if (!caseIds.length) return new Set();
    const rows: { id: string }[] = await em.query(
      `SELECT id FROM cases WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`,
      [caseIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  async cancel(em: EntityManager, timerIds: string[]) {
    if (timerIds.length)
      await em.query(`UPDATE timers SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [timerIds]);
  }

  /** Moves claimed timers to their next stage (or `fired` when none is left), in one statement. */
  async advance(em: EntityManager, advances: TimerAdvance[], now: Date) {
    if (!advances.length) return;
    await em.query(
      `UPDATE timers t SET next_stage = a.next_stage, next_at = a.next_at,
         status = CASE WHEN a.done THEN 'fired' ELSE 'pending' END, fired_at = CASE WHEN a.done THEN $5::timestamptz ELSE NULL END
       FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::boolean[]) AS a(id, next_stage, next_at, done) WHERE t.id = a.id`,
      [
        advances.map((a) => a.id),
        advances.map((a) => a.nextStage),
        advances.map((a) => a.nextAt),
        advances.map((a) => a.done),
        now,
      ],
    );
  }

  /** Logs delivered stages (one row per timer and stage), in one statement. */
  async recordDeliveries(em: EntityManager, deliveries: TimerDelivery[], firedAt: Date) {
    if (!deliveries.length) return;
    await em.query(
      `INSERT INTO timer_deliveries (timer_id, stage, kind, level, due_at, fired_at, late_ms, outcome)
       SELECT d.timer_id, d.stage, d.kind, d.level, d.due_at, $7::timestamptz, d.late_ms, d.outcome
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::timestamptz[], $6::int[], $8::text[]) AS d(timer_id, stage, kind, level, due_at, late_ms, outcome)`,
      [
        deliveries.map((d) => d.timerId),
        deliveries.map((d) => d.stage),
        deliveries.map((d) => d.kind),
        deliveries.map((d) => d.level),
        deliveries.map((d) => d.dueAt),
        deliveries.map((d) => Math.min(d.lateMs, 2_000_000_000)),
        firedAt,
        deliveries.map((d) => d.outcome),
      ],
    );
  }

  /** Overwrites the outcome of a logged delivery (the clock's event was refused). */
  async setDeliveryOutcome(em: EntityManager, timerId: string, stage: number, outcome: string) {
    await em.query(`UPDATE timer_deliveries SET outcome = $3 WHERE timer_id = $1 AND stage = $2`, [
      timerId,
      stage,
      outcome,
    ]);
  }

  /** Distinct instants at which pending timers fall due up to `until` (the relay's wake-ups). */
  async dueInstants(until: Date, limit = 5000): Promise<Date[]> {
    const rows: { at: Date }[] = await this.ds.query(
      `SELECT DISTINCT next_at AS at FROM timers WHERE status = 'pending' AND next_at <= $1 ORDER BY next_at LIMIT $2`,
      [until, limit],
    );
    return rows.map((r) => r.at);
  }

  /** The earliest pending due instant up to `until`, or null. */
  async nextDueAt(until: Date): Promise<Date | null> {
    const [row] = await this.ds.query(
      `SELECT min(next_at) AS at FROM timers WHERE status = 'pending' AND next_at <= $1`,
      [until],
    );
    return row.at;
  }

  /** Pending stages due before `before`: how many, and the oldest instant. */
  async overdue(before: Date): Promise<{ count: number; oldest: Date | null }> {
    const [row] = await this.ds.query(
      `SELECT count(*)::int AS count, min(next_at) AS oldest FROM timers WHERE status = 'pending' AND next_at < $1`,
      [before],
    );
    return row;
  }

  /**
   * Open cases with a provisional pending deadline (one computed without the calendar of its year);
   * with `years`, only those due in one of these years (Shanghai time).
   */
  async casesWithProvisionalDeadlines(years: number[] | null): Promise<string[]> {
    const rows: { case_id: string }[] = await this.ds.query(
      `SELECT DISTINCT t.case_id FROM timers t JOIN cases c ON c.id = t.case_id WHERE t.status = 'pending' AND t.provisional AND c.status = 'open'
         AND ($1::int[] IS NULL OR extract(year FROM t.due_at AT TIME ZONE 'Asia/Shanghai')::int = ANY($1::int[]))`,
      [years],
    );
    return rows.map((r) => r.case_id);
  }
}
