import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { OutboxRepository } from '../outbox/outbox.repository';
import { inSavepoint } from '../persistence/savepoint';
import { EffectContext, EffectHandler, EffectOf } from './engine-extensions';
import { FollowUpsRepository } from './follow-ups.repository';

/**
 * The effects that are the engine's own, knowing no procedure: opening a follow-up case and handing background
 * work over to the outbox. Every other effect is handled by the module that owns its data.
 */
@Injectable()
export class EngineEffects {
  private readonly logger = new Logger(EngineEffects.name);

  constructor(
    private readonly followUps: FollowUpsRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * A follow-up case (an `unqualified` rating's non-conforming case, an expired letter's referral) must never
   * fail the event that asked for it: the committee must be able to grade the branch although one member
   * already has a non-conforming case open. Opened under a savepoint; when the procedure refuses (a rule, a
   * duplicate), the follow-up attaches to the subject's open case of that workflow, or is recorded as failed
   * with the reason. Either way it is recorded (case_follow_ups) and shown on both cases. A database error
   * still fails the whole transition.
   */
  @EffectHandler('case.open')
  async openFollowUp(effect: EffectOf<'case.open'>, ctx: EffectContext): Promise<void> {
    const { em, at } = ctx;
    const trigger = typeof effect.input.trigger === 'string' ? effect.input.trigger : null;
    const base = { caseId: ctx.caseId, workflow: effect.workflow, subject: effect.subject, trigger, at };
    let id: string;
    try {
      id = await inSavepoint(em, 'follow_up', () =>
        ctx.openCase(
          effect.workflow,
          effect.subject as Record<string, string | undefined>,
          effect.input,
          `case:${ctx.caseId}`,
        ),
      );
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const open = await this.followUps.openCaseFor(em, effect.workflow, effect.subject.memberId);
      await this.followUps.record(em, {
        ...base,
        outcome: open ? 'attached' : 'failed',
        followUpCaseId: open ?? null,
        code: e.code,
        message: open ? `已有未结案件，并入该案：${e.message}` : e.message,
      });
      this.logger.log(
        `follow-up ${effect.workflow} of case ${ctx.caseId}: ${open ? `attached to ${open}` : `failed: ${e.message}`}`,
      );
      return;
    }
    await this.followUps.record(em, { ...base, outcome: 'opened', followUpCaseId: id });
  }

  /** The job's own module registers the outbox handler of its topic; the engine only hands the work over durably. */
  @EffectHandler('job.request')
  async requestJob(effect: EffectOf<'job.request'>, ctx: EffectContext): Promise<void> {
    await this.outbox.enqueue(ctx.em, {
      topic: `job.${effect.job}`,
      caseId: ctx.caseId,
      dedupeKey: `job:${effect.job}:${effect.key}`,
      payload: effect.params,
    });
  }
}
