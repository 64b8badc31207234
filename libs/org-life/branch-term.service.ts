import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BRANCH_TERM_KEY, BranchTermContext, BranchTermInput } from '../../workflows/branch-term';
import { isAdmin, Principal, SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { CasesRepository } from '../engine/cases.repository';
import { EngineService, openKeyOf } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { inScope, scopePrefixes } from '../registry/scope';

/**
 * A branch's secretary and term (换届), kept on the organization by its `branch-term` case: recording them opens
 * that case, or — when it is open — sends it `TERM_RECORDED` (a corrected secretary, or a new election), so the
 * organization row and the durable 换届 timer always come from one place.
 */
@Injectable()
export class BranchTermService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly cases: CasesRepository,
    private readonly orgs: OrganizationsRepository,
  ) {}

  private async visibleOrg(principal: Principal, orgId: string) {
    const org = isUuid(orgId) ? await this.orgs.findById(orgId) : undefined;
    if (!org || !inScope(org.path, await scopePrefixes(this.orgs, principal))) throw AppError.notFound('党组织');
    return org;
  }

  async set(principal: Principal, orgId: string, req: BranchTermInput) {
    const org = await this.visibleOrg(principal, orgId);
    if (!isAdmin(principal) && !principal.roles.some((r) => r.role === 'clerk' && org.path.includes(`/${r.orgId}/`)))
      throw AppError.forbidden('只有本组织或上级党组织的工作人员可以登记支部书记和任期');
    const def = this.registry.latest(BRANCH_TERM_KEY);
    const who = principal.displayName ?? principal.username;
    await this.ds.transaction(async (em) => {
      const open = await this.cases.openCaseIdByOpenKey(em, openKeyOf(def, { orgId: org.id })!);
      if (open)
        await this.engine.sendEventIn(em, SYSTEM_PRINCIPAL, open, {
          type: 'TERM_RECORDED',
          data: { ...req },
          comment: `由 ${who} 登记`,
        });
      // opened as the clerk: the opening rule (a full member, not a future day) and the openers apply
      else await this.engine.openCaseIn(em, principal, def, { orgId: org.id }, { ...req }, 'manual');
    });
    return this.get(principal, org.id);
  }

  async get(principal: Principal, orgId: string) {
    const org = await this.visibleOrg(principal, orgId);
    const term = (await this.orgs.term(org.id))!;
    const def = this.registry.latest(BRANCH_TERM_KEY);
    // a plain read: no transaction for it (BEGIN and COMMIT would be two more round trips)
    const caseId = await this.cases.openCaseIdByOpenKey(this.ds.manager, openKeyOf(def, { orgId: org.id })!);
    let renewal: { state: string; renewalNoticeOn: string } | null = null;
    if (caseId) {
      const record = await this.engine.findCase(SYSTEM_PRINCIPAL, caseId);
      const ctx = record.snapshot.context as BranchTermContext;
      renewal = { state: record.statePaths[0], renewalNoticeOn: ctx.renewalNoticeAt.slice(0, 10) };
    }
    return {
      orgId: org.id,
      ...term,
      renewalNoticeOn: renewal?.renewalNoticeOn ?? null,
      renewalDue: renewal?.state === 'renewal_due',
      caseId: caseId ?? null,
    };
  }
}
