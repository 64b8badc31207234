import { HttpStatus, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import { CasesRepository } from '../engine/cases.repository';
import { EffectContext, EffectHandler, EffectOf } from '../engine/engine-extensions';
import { MemberChangesRepository } from '../registry/member-changes.repository';
import { FirmsRepository } from '../registry/firms.repository';
import { MembersRepository } from '../registry/members.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';

/** The registry changes procedures ask for (members, organizations, firms), in the transition's transaction. */
@Injectable()
export class RegistryEffects {
  constructor(
    private readonly memberChanges: MemberChangesRepository,
    private readonly members: MembersRepository,
    private readonly firms: FirmsRepository,
    private readonly orgs: OrganizationsRepository,
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

  @EffectHandler('member.changeOrg')
  async changeOrg(effect: EffectOf<'member.changeOrg'>, ctx: EffectContext): Promise<void> {
    await this.memberChanges.change(ctx.em, effect.memberId, 'org_id', effect.orgId, ctx.caseId, ctx.at);
  }

  @EffectHandler('member.setStatus')
  async setStatus(effect: EffectOf<'member.setStatus'>, ctx: EffectContext): Promise<void> {
    await this.memberChanges.change(ctx.em, effect.memberId, 'status', effect.status, ctx.caseId, ctx.at);
    if (effect.joinedOn) await this.members.setJoinedOnWhenMissing(ctx.em, effect.memberId, effect.joinedOn, ctx.at);
  }

  @EffectHandler('member.setPartyDiscipline')
  async setPartyDiscipline(effect: EffectOf<'member.setPartyDiscipline'>, ctx: EffectContext): Promise<void> {
    await this.members.insertPartyDiscipline(ctx.em, {
      memberId: effect.memberId,
      kind: effect.discipline,
      fromOn: effect.from,
      untilOn: effect.until,
      caseId: ctx.caseId,
      at: ctx.at,
    });
  }

  @EffectHandler('transfer.receipt')
  async transferReceipt(effect: EffectOf<'transfer.receipt'>, ctx: EffectContext): Promise<void> {
    await this.members.recordTransferReceipt(ctx.em, {
      caseId: ctx.caseId,
      memberId: effect.memberId,
      fromOrgId: effect.fromOrgId ?? null,
      toOrgId: effect.toOrgId,
      letterNo: effect.letterNo ?? null,
      at: ctx.at,
    });
  }

  @EffectHandler('org.createForFirm')
  async createForFirm(effect: EffectOf<'org.createForFirm'>, ctx: EffectContext): Promise<void> {
    const { em } = ctx;
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
  }

  @EffectHandler('firm.setCoverage')
  async setCoverage(effect: EffectOf<'firm.setCoverage'>, ctx: EffectContext): Promise<void> {
    await this.firms.setCoverage(ctx.em, effect.firmId, effect.coverage, {
      orgId: effect.orgId,
      instructorId: effect.instructorId,
      at: ctx.at,
    });
  }

  @EffectHandler('firm.close')
  async closeFirm(effect: EffectOf<'firm.close'>, ctx: EffectContext): Promise<void> {
    await this.firms.close(ctx.em, effect.firmId);
  }
}
