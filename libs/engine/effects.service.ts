import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import type { Effect } from '../../workflows/kernel/definition';
import { SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { enqueueOutbox } from '../outbox/outbox';
import { FollowUpsRepository } from './follow-ups.repository';
import { MemberChangesRepository } from './member-changes.repository';

export interface EffectContext {
  em: EntityManager;
  caseId: string;
  workflow: string;
  context: Record<string, any>;
  parties: Record<string, string>;
  at: Date;
  /** Opens a follow-up case in the same transaction (provided by the engine to avoid a cycle). */
  openCase: (
    workflow: string,
    subject: Record<string, string | undefined>,
    input: Record<string, unknown>,
    trigger: string,
  ) => Promise<string>;
}

/**
 * Performs the effects a transition asked for. Registry changes happen in the transition's transaction;
 * anything external is written to the outbox and delivered after commit.
 */
@Injectable()
export class EffectsService {
  private readonly logger = new Logger(EffectsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly followUps: FollowUpsRepository,
    private readonly memberChanges: MemberChangesRepository,
  ) {}

  /**
   * A follow-up case (an `unqualified` rating's non-conforming case, an expired letter's referral) must never
   * fail the event that asked for it: the committee must be able to grade the branch although one member
   * already has a non-conforming case open. Opened under a savepoint; when the procedure refuses (a rule, a
   * duplicate), the follow-up attaches to the subject's open case of that workflow, or is recorded as failed
   * with the reason. Either way it is recorded (case_follow_ups) and shown on both cases. A database error
   * still fails the whole transition.
   */
  private async openFollowUp(effect: Extract<Effect, { kind: 'case.open' }>, ctx: EffectContext): Promise<void> {
    const { em, at } = ctx;
    const trigger = typeof effect.input.trigger === 'string' ? effect.input.trigger : null;
    const base = { caseId: ctx.caseId, workflow: effect.workflow, subject: effect.subject, trigger, at };
    await em.query('SAVEPOINT follow_up');
    try {
      const id = await ctx.openCase(
        effect.workflow,
        effect.subject as Record<string, string | undefined>,
        effect.input,
        `case:${ctx.caseId}`,
      );
      await em.query('RELEASE SAVEPOINT follow_up');
      await this.followUps.record(em, { ...base, outcome: 'opened', followUpCaseId: id });
    } catch (e) {
      await em.query('ROLLBACK TO SAVEPOINT follow_up');
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
    }
  }

  async apply(effect: Effect, ctx: EffectContext): Promise<void> {
    const { em, at } = ctx;
    switch (effect.kind) {
      case 'member.changeOrg':
        await this.memberChanges.change(em, effect.memberId, 'org_id', effect.orgId, ctx.caseId, at);
        return;
      case 'member.setStatus':
        await this.memberChanges.change(em, effect.memberId, 'status', effect.status, ctx.caseId, at);
        return;
      case 'transfer.receipt':
        await em.query(
          `INSERT INTO transfer_receipts (case_id, member_id, from_org_id, to_org_id, letter_no, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
          [ctx.caseId, effect.memberId, effect.fromOrgId ?? null, effect.toOrgId, effect.letterNo ?? null, at],
        );
        return;
      case 'case.open':
        await this.openFollowUp(effect, ctx);
        return;
      case 'licensing.statusChanged': {
        // only with a receiver configured (docs/api.md: "when set") and for cases opened from a licensing application;
        // keyed like the licensing module's own status messages, so each status is announced once
        const ref: string | undefined = ctx.context.licensingRef ?? undefined;
        if (!this.config.LICENSING_CALLBACK_URL || !ref) return;
        await enqueueOutbox(em, {
          topic: 'licensing.status',
          caseId: ctx.caseId,
          dedupeKey: `licensing:${ref}:${effect.status}`,
          payload: { caseId: ctx.caseId, applicationRef: ref, partyTransfer: effect.status, at: at.toISOString() },
        });
        return;
      }
      case 'org.createForFirm': {
        const [firm] = await em.query(`SELECT id, name, region_code, county FROM firms WHERE id = $1`, [effect.firmId]);
        const cityId = ctx.parties.city;
        const [city] = await em.query(`SELECT path FROM orgs WHERE id = $1`, [cityId]);
        const [org] = await em.query(
          `INSERT INTO orgs (name, type, parent_id, path, region_code, county) VALUES ($1, 'branch', $2, '', $3, $4) RETURNING id`,
          [effect.name ?? `${firm.name}党支部`, cityId, firm.region_code, firm.county],
        );
        await em.query(`UPDATE orgs SET path = $2 WHERE id = $1`, [org.id, `${city.path}${org.id}/`]);
        await em.query(
          `UPDATE firms SET party_org_id = $2, coverage = 'branch', uncovered_since = NULL WHERE id = $1`,
          [effect.firmId, org.id],
        );
        // listed members move into the new branch through ordinary transfer cases (history for each)
        const movers: { id: string; org_id: string }[] = await em.query(
          `SELECT id, org_id FROM members WHERE id = ANY($1::uuid[]) AND org_id <> $2`,
          [effect.memberIds, org.id],
        );
        for (const m of movers)
          await ctx.openCase(
            'membership-transfer',
            { memberId: m.id },
            { toOrgId: org.id, trigger: 'manual' },
            `case:${ctx.caseId}`,
          );
        return;
      }
      case 'firm.setCoverage':
        await em.query(
          `UPDATE firms SET coverage = $2,
             party_org_id = CASE WHEN $2 = 'joint_branch' THEN $3::uuid WHEN $2 = 'none' THEN NULL ELSE party_org_id END,
             instructor_id = COALESCE($4::uuid, instructor_id),
             uncovered_since = CASE WHEN $2 = 'none' THEN COALESCE(uncovered_since, $5) ELSE NULL END
           WHERE id = $1`,
          [effect.firmId, effect.coverage, effect.orgId ?? null, effect.instructorId ?? null, at],
        );
        return;
      case 'firm.close':
        await em.query(`UPDATE firms SET status = 'closed' WHERE id = $1`, [effect.firmId]);
        return;
      case 'org.recordGrade':
        await em.query(
          `INSERT INTO org_grades (org_id, year, score, grade, case_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (org_id, year) DO UPDATE SET score = EXCLUDED.score, grade = EXCLUDED.grade, case_id = EXCLUDED.case_id, recorded_at = EXCLUDED.recorded_at`,
          [effect.orgId, effect.year, effect.score, effect.grade, ctx.caseId, at],
        );
        return;
      case 'commendation.add':
        for (const memberId of effect.memberIds)
          await em.query(`INSERT INTO commendations (year, member_id, case_id, recorded_at) VALUES ($1, $2, $3, $4)`, [
            effect.year,
            memberId,
            ctx.caseId,
            at,
          ]);
        for (const orgId of effect.orgIds)
          await em.query(`INSERT INTO commendations (year, org_id, case_id, recorded_at) VALUES ($1, $2, $3, $4)`, [
            effect.year,
            orgId,
            ctx.caseId,
            at,
          ]);
        return;
      default:
        this.logger.error(`unknown effect ${(effect as any).kind} from ${ctx.workflow}`);
        throw new Error(`unknown effect ${(effect as any).kind}`);
    }
  }
}

export { SYSTEM_PRINCIPAL };
