import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import type { Effect } from '../../workflows/kernel/definition';
import { SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { OutboxRepository } from '../outbox/outbox.repository';
import { inSavepoint } from '../persistence/savepoint';
import { CasesRepository } from './cases.repository';
import { FollowUpsRepository } from './follow-ups.repository';
import { MemberChangesRepository } from './member-changes.repository';
import { AppraisalsRepository } from '../registry/appraisals.repository';
import { FirmsRepository } from '../registry/firms.repository';
import { MembersRepository } from '../registry/members.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';

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
    private readonly members: MembersRepository,
    private readonly firms: FirmsRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly appraisals: AppraisalsRepository,
    private readonly outbox: OutboxRepository,
    private readonly cases: CasesRepository,
  ) {}

  /**
   * One move of a party relationship at a time (one open `membership-transfer` per member, the partial unique
   * index on `cases.open_key`): a new branch cannot take in a listed member whose relationship is already on
   * its way somewhere. Refused with 409 `DUPLICATE` naming each member and open transfer; the whole transition
   * rolls back, so the formation stays in `secretary_approval` and is approved again once those transfers end.
   *
   * Why this way round and not the reverse (refusing a transfer of a member listed in a formation's survey):
   * a transfer follows the licensing change in step (Ganzhou opinion: 转组织关系与转所手续同步) and until the
   * receiving organization accepts, the member stays with the sending one (党员教育管理工作条例) — a survey only
   * counts the firm's members and moves nobody, so it has no claim to block a transfer. The move the formation
   * causes happens only when the branch is established (`org.createForFirm`); that is where two moves would meet.
   * Checked here rather than by a rule of the procedure: it is a conflict with another case (409), like the
   * open-key index, which answers a bare duplicate only at the first transfer it meets.
   */
  private async refuseMoversInTransfer(em: EntityManager, memberIds: string[]): Promise<void> {
    const open = await this.cases.openCasesOfMembers(em, 'membership-transfer', memberIds);
    if (!open.length) return;
    const names = new Map((await this.members.names(open.map((o) => o.memberId))).map((m) => [m.id, m.name]));
    const list = open.map((o) => `${names.get(o.memberId) ?? o.memberId}（案件 ${o.caseId}）`).join('、');
    throw new AppError(
      HttpStatus.CONFLICT,
      'DUPLICATE',
      `以下党员的组织关系接转尚未办结，同一党员同时只能办理一项组织关系转移，请待其办结后再批准成立党支部：${list}`,
      { caseId: open[0].caseId, openTransfers: open },
    );
  }

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

  async apply(effect: Effect, ctx: EffectContext): Promise<void> {
    const { em, at } = ctx;
    switch (effect.kind) {
      case 'member.changeOrg':
        await this.memberChanges.change(em, effect.memberId, 'org_id', effect.orgId, ctx.caseId, at);
        return;
      case 'member.setStatus':
        await this.memberChanges.change(em, effect.memberId, 'status', effect.status, ctx.caseId, at);
        return;
      case 'member.setPartyDiscipline':
        await this.members.insertPartyDiscipline(em, {
          memberId: effect.memberId,
          kind: effect.discipline,
          fromOn: effect.from,
          untilOn: effect.until,
          caseId: ctx.caseId,
          at,
        });
        return;
      case 'transfer.receipt':
        await this.members.recordTransferReceipt(em, {
          caseId: ctx.caseId,
          memberId: effect.memberId,
          fromOrgId: effect.fromOrgId ?? null,
          toOrgId: effect.toOrgId,
          letterNo: effect.letterNo ?? null,
          at,
        });
        return;
      case 'case.open':
        await this.openFollowUp(effect, ctx);
        return;
      case 'licensing.statusChanged': {
        // only with a receiver configured (docs/api.md: "when set") and for cases opened from a licensing application;
        // keyed like the licensing module's own status messages, so each status is announced once
        const ref: string | undefined = ctx.context.licensingRef ?? undefined;
        if (!this.config.LICENSING_CALLBACK_URL || !ref) return;
        await this.outbox.enqueue(em, {
          topic: 'licensing.status',
          caseId: ctx.caseId,
          dedupeKey: `licensing:${ref}:${effect.status}`,
          payload: { caseId: ctx.caseId, applicationRef: ref, partyTransfer: effect.status, at: at.toISOString() },
        });
        return;
      }
      case 'org.createForFirm': {
        await this.refuseMoversInTransfer(em, effect.memberIds);
        const firm = (await this.firms.facts(em, effect.firmId))!;
        const cityId = ctx.parties.city;
        const city = (await this.orgs.findById(cityId, em))!;
        const orgId = await this.orgs.insertChild(
          em,
          {
            name: effect.name ?? `${firm.name}党支部`,
            type: 'branch',
            regionCode: firm.regionCode,
            county: firm.county,
          },
          city,
        );
        await this.firms.setOwnBranch(em, effect.firmId, orgId);
        // listed members move into the new branch through ordinary transfer cases (history for each)
        const movers = await this.members.notInOrg(em, effect.memberIds, orgId);
        for (const m of movers)
          await ctx.openCase(
            'membership-transfer',
            { memberId: m.id },
            { toOrgId: orgId, trigger: 'manual' },
            `case:${ctx.caseId}`,
          );
        return;
      }
      case 'firm.setCoverage':
        await this.firms.setCoverage(em, effect.firmId, effect.coverage, {
          orgId: effect.orgId,
          instructorId: effect.instructorId,
          at,
        });
        return;
      case 'firm.close':
        await this.firms.close(em, effect.firmId);
        return;
      case 'org.recordGrade':
        await this.appraisals.recordGrade(em, { ...effect, caseId: ctx.caseId, at });
        return;
      case 'commendation.add':
        await this.appraisals.commend(em, { ...effect, caseId: ctx.caseId, at });
        return;
      case 'org.setTerm':
        await this.orgs.setTerm(em, effect.orgId, {
          secretaryId: effect.secretaryId,
          termStartedOn: effect.termStartedOn,
          termEndsOn: effect.termEndsOn,
        });
        return;
      case 'job.request':
        // the job's own module registers the handler of its topic; the engine only hands the work over durably
        await this.outbox.enqueue(em, {
          topic: `job.${effect.job}`,
          caseId: ctx.caseId,
          dedupeKey: `job:${effect.job}:${effect.key}`,
          payload: effect.params,
        });
        return;
      default:
        this.logger.error(`unknown effect ${(effect as any).kind} from ${ctx.workflow}`);
        throw new Error(`unknown effect ${(effect as any).kind}`);
    }
  }
}

export { SYSTEM_PRINCIPAL };
