import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isTransientDbError, retryTransient } from '../common/db-errors';
import { Clock } from '../engine/clock';
import { CaseRecord, EngineService } from '../engine/engine.service';
import { currentStepsTitle } from '../engine/state-paths';
import { PolicyService } from '../engine/policy.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import type { DeadlineNotice } from '../notifications/notification.types';
import { NotificationsService } from '../notifications/notifications.service';
import { inSavepoint } from '../persistence/savepoint';
import { deadlineRecipients } from './deadline-recipients';
import { ClaimCursor, ClaimedTimer, TimerAdvance, TimerDelivery, TimersRepository } from '../engine/timers.repository';
import type { TimerStage } from '../engine/timer-stage';

export interface DrainResult {
  /** timer stages delivered (reminders, deadlines, escalations) */
  fired: number;
  /** timers found stale (their state was left) and cancelled */
  cancelled: number;
  /** events the clock sent into cases */
  events: number;
}

type BatchResult = DrainResult & { claimed: number; last?: ClaimCursor };

/** A clock event to send into its case, with the notices of its deadline stage (worded by its outcome). */
interface ClockEvent {
  caseId: string;
  type: string;
  timerId: string;
  stage: number;
  notices: DeadlineNotice[];
}

/** The stage whose delivery sends the timer's clock event into its case (the deadline itself). */
const firesEvent = (t: ClaimedTimer, s: TimerStage) => s.kind === 'deadline' && !!t.fire_event;

/** Whether delivering `t` now reaches its event stage (every stage due by `now` is delivered in order). */
function eventStageDue(t: ClaimedTimer, now: Date): boolean {
  for (let i = t.next_stage; i < t.stages.length && new Date(t.stages[i].at) <= now; i++)
    if (firesEvent(t, t.stages[i])) return true;
  return false;
}

/**
 * Delivers due timer stages. PostgreSQL decides what is due: a batch is claimed with
 * `FOR UPDATE SKIP LOCKED`, so several workers share the work and none delivers a stage twice; the
 * stage's effects (notifications, the clock's event into the case) commit in the same transaction as
 * the timer's advance and its delivery row, so a crash mid-batch rolls back and is simply redone.
 */
@Injectable()
export class TimerDrainService {
  private readonly logger = new Logger(TimerDrainService.name);
  /** Fault injection for the crash and lock-order tests: pause inside the claiming transaction (never set in production). */
  pauseAfterClaimMs = Number(process.env.PF_FAULT_PAUSE_AFTER_CLAIM_MS ?? 0);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly timers: TimersRepository,
    private readonly clock: Clock,
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly policies: PolicyService,
    private readonly notifications: NotificationsService,
  ) {}

  /**
   * Delivers everything due now, batch after batch. `parallel` claiming loops share the work through
   * SKIP LOCKED (a storm keeps both PostgreSQL and node busy); with 1 (the clock endpoint) delivery
   * follows due order strictly.
   */
  async drain(opts: { batchSize?: number; parallel?: number } = {}): Promise<DrainResult> {
    const batchSize = opts.batchSize ?? 500;
    const total: DrainResult = { fired: 0, cancelled: 0, events: 0 };
    const loop = async () => {
      // each loop goes on from its own last claim: what lies before it was delivered, or is held by another
      // loop that redoes its own batch on a transient error (a loop's cursor moves only once its batch committed)
      let after: ClaimCursor | undefined;
      for (;;) {
        const r = await this.drainBatch(batchSize, after);
        after = r.last ?? after;
        total.fired += r.fired;
        total.cancelled += r.cancelled;
        total.events += r.events;
        if (r.claimed < batchSize) return;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? 1) }, loop));
    return total;
  }

  /**
   * One batch in one transaction. A transient database error (deadlock victim, serialization failure, lost
   * connection) rolls the whole batch back and it is redone: nothing of it was delivered.
   */
  async drainBatch(limit: number, after?: ClaimCursor): Promise<BatchResult> {
    return retryTransient(() => this.drainBatchOnce(limit, after));
  }

  private async drainBatchOnce(limit: number, after?: ClaimCursor): Promise<BatchResult> {
    return this.ds.transaction(async (em) => {
      const now = this.clock.now();
      const rows = await this.timers.claimDue(em, now, limit, after);
      if (!rows.length) return { claimed: 0, fired: 0, cancelled: 0, events: 0 };
      const lastRow = rows[rows.length - 1];
      const last = { at: lastRow.claim_key_at, id: lastRow.id };
      if (this.pauseAfterClaimMs) await new Promise((r) => setTimeout(r, this.pauseAfterClaimMs));
      // The cases that get the clock's event in this batch are locked now, without waiting (a transition takes
      // case → timer; waiting for a case while holding its timer could deadlock). A case found locked keeps
      // its event stage pending: the transition holding it will cancel the timer or leave it for the next pass.
      const eventCases = await this.timers.lockCasesForClockEvents(em, [
        ...new Set(rows.filter((t) => eventStageDue(t, now)).map((t) => t.case_id)),
      ]);

      const cancelled: string[] = [];
      const advances: TimerAdvance[] = [];
      const deliveries: TimerDelivery[] = [];
      const events: ClockEvent[] = [];
      const notices: DeadlineNotice[] = []; // written together after the events: one round trip per batch
      const wallNow = Date.now();

      for (const t of rows) {
        // a timer belongs to one visit of its state: stale when the case closed, left the state, or re-entered it later
        const visit = t.entered?.[t.state_path];
        if (t.case_status !== 'open' || !t.state_paths.includes(t.state_path) || !visit || visit.version > t.epoch) {
          cancelled.push(t.id);
          continue;
        }
        const def = this.registry.get(t.workflow, t.definition_version);
        const policy = this.policies.byId(t.policy_version, def);
        let stage = t.next_stage;
        // deliver every stage already due, in order; stop after the clock's own event (it may end the visit)
        while (stage < t.stages.length && new Date(t.stages[stage].at) <= now) {
          const s = t.stages[stage];
          if (firesEvent(t, s) && !eventCases.has(t.case_id)) break;
          const recipients = deadlineRecipients(t, def, s);
          // the clock's own deadline is told once its event's outcome is known (below): "届满，已自动办理" when the
          // event moved the case on, nothing when the case refused it
          const stageNotices = firesEvent(t, s) ? [] : notices;
          for (const r of recipients)
            stageNotices.push({
              dedupeBase: `timer:${t.id}:${stage}`,
              kind: s.kind === 'deadline' ? 'overdue' : s.kind,
              level: s.level,
              caseId: t.case_id,
              workflowTitle: def.title,
              stateTitle: def.states[t.state_path]?.title ?? t.state_path,
              deadlineTitle: t.title,
              dueAt: new Date(t.due_at),
              // the notice names its member, firm or organization: "转出审核" alone does not say whose
              ...(t.subject_label ? { subjectLabel: t.subject_label } : {}),
              // in-app visibility follows when the stage was scheduled (a late delivery shows at once)
              stageAt: new Date(s.at),
              recipients: r,
              now,
              quietHours: (policy.engine as any).quietHours,
            });
          deliveries.push({
            timerId: t.id,
            stage,
            kind: s.kind,
            level: s.level,
            dueAt: s.at,
            lateMs: Math.max(0, wallNow - (new Date(s.at).getTime() - this.clock.offset)),
            outcome: recipients.length ? 'notified' : 'no_recipient',
          });
          stage++;
          if (firesEvent(t, s)) {
            events.push({
              caseId: t.case_id,
              type: t.fire_event!,
              timerId: t.id,
              stage: stage - 1,
              notices: stageNotices,
            });
            break;
          }
        }
        if (stage === t.next_stage) continue; // nothing delivered (its event's case was busy)
        const done = stage >= t.stages.length;
        advances.push({ id: t.id, nextStage: stage, nextAt: done ? null : t.stages[stage].at, done });
      }

      await this.timers.cancel(em, cancelled);
      await this.timers.advance(em, advances, now);
      await this.timers.recordDeliveries(em, deliveries, now);
      let sent = 0;
      for (const e of events) {
        const moved = await this.sendClockEvent(em, e);
        if (moved) sent++;
        const outcome = moved && {
          stateTitle: currentStepsTitle(this.registry.get(moved.workflow, moved.definitionVersion), moved.statePaths),
          closed: moved.status === 'closed',
        };
        // a refused event means "not yet" (a stale timer): the deadline has not really come, so nobody is told; the
        // refusal stays on the delivery (event_refused) for the operators
        if (outcome) for (const n of e.notices) notices.push({ ...n, kind: 'lapsed', outcome });
      }
      await this.notifications.notifyDeadlines(em, notices);
      return { claimed: rows.length, fired: deliveries.length, cancelled: cancelled.length, events: sent, last };
    });
  }

  /**
   * Sends the clock's event (e.g. LETTER_EXPIRED) as the `system` actor inside a savepoint, and answers the case
   * as the event left it, or null when the event did not move it. A refusal
   * (the machine's own rule says "not yet", an AppError) is recorded and leaves the batch intact. A transient
   * database error is not a refusal: it is thrown, the batch rolls back and is redone, so the event is not
   * lost. Anything else (a defect) is recorded as `event_failed`, visible in the deliveries and the log.
   */
  private async sendClockEvent(em: EntityManager, e: ClockEvent): Promise<CaseRecord | null> {
    try {
      return await inSavepoint(
        em,
        'clock_event',
        () =>
          this.engine.sendEventIn(em, SYSTEM_PRINCIPAL, e.caseId, { type: e.type, comment: '期限届满，系统自动处理' }),
        // the batch's transaction is lost: no rollback statement, the whole batch is redone
        { keepOnError: isTransientDbError },
      );
    } catch (err) {
      if (isTransientDbError(err)) throw err;
      const reason = err instanceof AppError ? `${err.code}: ${err.message}` : String(err);
      const outcome = err instanceof AppError ? 'event_refused' : 'event_failed';
      await this.timers.setDeliveryOutcome(em, e.timerId, e.stage, `${outcome}: ${reason}`.slice(0, 500));
      if (!(err instanceof AppError)) this.logger.error(`clock event ${e.type} on case ${e.caseId} failed: ${reason}`);
      return null;
    }
  }
}
