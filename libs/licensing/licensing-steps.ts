import { HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { CaseRecord, EngineService, OpeningReads, validatePayload } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { OutboxRepository } from '../outbox/outbox.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { MEMBER_STATUS_TITLES, MemberStatus } from '../registry/registry.types';
import type { LicensingLawyerDto } from './dto';
import { ApplicationKind, EVENT_TYPE_TITLES, PARTY_MEMBER_STATUSES } from './licensing.constants';
import { licensingError, unknownReference } from './licensing-errors';
import { ApplicationRow, LicensingApplicationsRepository } from './licensing-applications.repository';
import { LicensingFirmRow, LicensingMemberRow, LicensingRegistryRepository } from './licensing-registry.repository';
import type { LicensingRun } from './licensing-run';
import { enqueueStatusChange } from './licensing-status';
import { ReceivingOrg, receivingOrgFor } from '../../workflows/membership-transfer/receiving-org';

export const statusTitle = (s: string) => MEMBER_STATUS_TITLES[s as MemberStatus] ?? s;

/**
 * The steps several event families share: the application row, the lawyer in the member registry, the
 * receiving organization, opening the membership-transfer case, and the status notifications. Every case
 * operation is the engine's own (`openCaseIn`, `sendEventIn` as the system principal), so history, timers and
 * outbox rows commit together with the event.
 */
@Injectable()
export class LicensingSteps {
  constructor(
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly config: AppConfig,
    private readonly outbox: OutboxRepository,
    private readonly applications: LicensingApplicationsRepository,
    private readonly lawyers: LicensingRegistryRepository,
    private readonly orgs: OrganizationsRepository,
  ) {}

  /**
   * The application row for the event's `applicationRef`, locked for this transaction (created when new), so
   * events about one application are applied one at a time.
   */
  async lockApplication(
    run: LicensingRun,
    kind: ApplicationKind,
    compatible: ApplicationKind[] = [kind],
  ): Promise<ApplicationRow> {
    // already locked by this run (an approval handling its late application): keep the pending changes
    if (run.app && run.app.application_ref === run.ref) return run.app;
    // locked by the event's insert with this kind (created as this call would have created it), else lock it now
    const app =
      run.locked?.kind === kind && run.locked.row.application_ref === run.ref
        ? run.locked.row
        : await this.applications.lockOrCreate(run.em, run.ref!, kind, run.now);
    if (!compatible.includes(app.kind))
      throw licensingError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'APPLICATION_KIND_MISMATCH',
        `申请编号 ${run.ref} 已用于另一类申请（${app.kind}），不能用于“${EVENT_TYPE_TITLES[run.ev.type]}”`,
        {
          applicationRef: run.ref,
          kind: app.kind,
        },
      );
    run.app = app;
    return app;
  }

  async notRequired(run: LicensingRun, app: ApplicationRow, why: string) {
    run.outcome = 'not_required';
    run.note(why);
    run.set({ party_transfer: 'not_required' });
    await enqueueStatusChange(this.outbox, run.em, {
      callbackUrl: this.config.LICENSING_CALLBACK_URL,
      ref: app.application_ref,
      status: 'not_required',
      caseId: app.case_id,
      at: run.now,
    });
  }

  /**
   * Opens a case of `workflow` about a member for this event (keyed by the event id), with the input validated
   * like a clerk's; an engine refusal comes back as `{ ok: false }` with the event's other writes kept (the
   * engine undoes its own: `undoRefusal`, a savepoint only where a refusal can follow a write). The member and
   * the org tree as the event's first read found them are the opening's (OpeningReads).
   */
  async openMemberCase(
    run: LicensingRun,
    workflow: string,
    memberId: string,
    rawInput: Record<string, unknown>,
  ): Promise<{ ok: true; value: CaseRecord } | { ok: false; error: AppError }> {
    const def = this.registry.latest(workflow);
    const read = run.lawyerRead?.member?.id === memberId ? run.lawyerRead : undefined;
    const reads: OpeningReads = read?.member
      ? {
          member: {
            id: read.member.id,
            name: read.member.name,
            orgId: read.member.org_id,
            status: read.member.status,
            firmId: read.member.firm_id,
            path: read.member.path,
          },
          partyOrgs: read.partyOrgs,
        }
      : {};
    try {
      const input = await validatePayload(def.createInput, rawInput, 'input');
      const value = await this.engine.openCaseIn(
        run.em,
        SYSTEM_PRINCIPAL,
        def,
        { memberId },
        input,
        `licensing:${run.ev.eventId}`,
        { reads, undoRefusal: true },
      );
      return { ok: true, value };
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return { ok: false, error: e };
    }
  }

  /** Opens the membership-transfer case of the application; returns its id (or undefined when the engine refused). */
  async openTransfer(
    run: LicensingRun,
    member: LicensingMemberRow,
    to: { id: string; name: string },
    trigger: 'practice' | 'firm_transfer' | 'practice_cancelled',
  ): Promise<string | undefined> {
    const { em } = run;
    const opened = await this.openMemberCase(run, 'membership-transfer', member.id, {
      toOrgId: to.id,
      licensingRef: run.ref,
      trigger,
    });
    if (!opened.ok) {
      run.outcome = 'transfer_not_opened';
      run.note(`未能启动组织关系接转：${opened.error.message}`);
      return undefined;
    }
    const caseId = opened.value.id;
    run.touched(caseId, true);
    run.outcome = 'transfer_opened';
    run.note(`已启动组织关系接转案件 ${caseId}：${member.name} → ${to.name}`);
    run.set({ case_id: caseId, party_transfer: 'pending' });
    await enqueueStatusChange(this.outbox, em, {
      callbackUrl: this.config.LICENSING_CALLBACK_URL,
      ref: run.ref!,
      status: 'pending',
      caseId,
      at: run.now,
    });
    return caseId;
  }

  /**
   * Finds the lawyer in the member registry (memberId, else licence number, else ID number), refusing
   * contradictory identities. With `createFor`, a lawyer unknown to the registry who declares party
   * membership is created pending verification, held by the city committee over the target firm.
   */
  async memberFor(
    run: LicensingRun,
    lawyer: LicensingLawyerDto,
    opts: { createFor?: LicensingFirmRow },
  ): Promise<LicensingMemberRow | null> {
    const { em } = run;
    let member: LicensingMemberRow | undefined;
    if (lawyer.memberId) {
      member = await this.lawyers.memberById(em, lawyer.memberId);
      if (!member) throw unknownReference('lawyer.memberId', '党员信息库中没有该 memberId', lawyer.memberId);
    } else if (run.lawyerRead?.licenseNo === lawyer.licenseNo && run.lawyerRead.idNumber === lawyer.idNumber)
      member = run.lawyerRead.member;
    else member = await this.lawyers.memberByLicenceOrIdNumber(em, lawyer.licenseNo, lawyer.idNumber);
    if (member) {
      if (member.id_number.toUpperCase() !== lawyer.idNumber.toUpperCase())
        throw licensingError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'IDENTITY_MISMATCH',
          '律师身份信息与党员信息库不一致（身份证号不同）',
          { memberId: member.id, field: 'lawyer.idNumber' },
        );
      if (member.license_no && member.license_no !== lawyer.licenseNo)
        run.note(
          `执业证号与党员信息库不一致（库内 ${member.license_no}，事件 ${lawyer.licenseNo}），以身份证号认定为同一人`,
        );
      if (!member.license_no) await this.lawyers.fillLicenceNo(em, member.id, lawyer.licenseNo, run.now);
      if (lawyer.isPartyMember !== PARTY_MEMBER_STATUSES.includes(member.status))
        run.note(
          `执业申请申报${lawyer.isPartyMember ? '为党员' : '非党员'}，与党员信息库（状态“${statusTitle(member.status)}”）不一致，以党员信息库为准`,
        );
      run.memberId = member.id;
      return member;
    }
    if (!lawyer.isPartyMember || !opts.createFor) return null;
    return this.createPendingMember(run, lawyer, opts.createFor);
  }

  private async createPendingMember(
    run: LicensingRun,
    lawyer: LicensingLawyerDto,
    firm: LicensingFirmRow,
  ): Promise<LicensingMemberRow> {
    const id = lawyer.idNumber.toUpperCase();
    const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
    const parsed = new Date(`${birth}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== birth)
      throw AppError.validation([{ field: 'lawyer.idNumber', errors: ['身份证号中的出生日期无效'] }]);
    const { id: cityId } = await this.cityCommittee(run, firm.region_code);
    const member = await this.lawyers.createPendingMember(
      run.em,
      {
        name: lawyer.name,
        gender: Number(id[16]) % 2 === 1 ? 'male' : 'female',
        idNumber: id,
        birthDate: birth,
        licenseNo: lawyer.licenseNo,
      },
      cityId,
      run.now,
    );
    run.memberId = member.id;
    run.note(`党员信息库中无此律师而其申报为党员：已登记为待核实党员（${member.id}），暂由市律师行业党委管理并核实`);
    return member;
  }

  /** The Chinese title of a membership-transfer case's state (a clerk reads the notes). */
  stateTitle(state: unknown): string {
    const def = this.registry.latest('membership-transfer');
    return typeof state === 'string' ? (def.states[state]?.title ?? state) : JSON.stringify(state);
  }

  /**
   * The referenced firms in one read, in the order asked; an unknown or closed one is refused by its field.
   * With `lawyer` (matched by licence or ID number), the same read finds the lawyer for memberFor. Reading
   * the lawyer before the application's lock is as good as after it: nothing serialises a lawyer's rows on
   * that lock (two applications of one lawyer never share it), and a pending member that a concurrent event
   * created meanwhile is found by createPendingMember's conflict handling. The event's insert may have made
   * this read already (LicensingEventFamily.registryRead), in the statement that takes the lock, so with a
   * view from before any wait on it: as good, since an event of the same application that held the lock
   * left it applied, approved-and-applied or withdrawn, and an application event then opens nothing and
   * uses of this read only the firm's id.
   */
  async firms(
    run: LicensingRun,
    refs: { id: string; field: string }[],
    lawyer?: LicensingLawyerDto,
  ): Promise<LicensingFirmRow[]> {
    const ids = refs.map((r) => r.id);
    let rows: LicensingFirmRow[];
    if (lawyer && !lawyer.memberId) {
      // read already by the event's insert when its handler said so up front (registryRead): the same read
      const pre = run.registryRead;
      const read =
        pre &&
        pre.request.firmIds.join() === ids.join() &&
        pre.request.lawyer.licenseNo === lawyer.licenseNo &&
        pre.request.lawyer.idNumber === lawyer.idNumber
          ? pre.answer
          : await this.lawyers.firmsAndLawyer(run.em, ids, lawyer);
      run.lawyerRead = {
        licenseNo: lawyer.licenseNo,
        idNumber: lawyer.idNumber,
        member: read.member,
        partyOrgs: read.partyOrgs,
      };
      rows = read.firms;
    } else rows = await this.lawyers.firmsByIds(run.em, ids);
    return refs.map(({ id, field }) => {
      const firm = rows.find((r) => r.id === id);
      if (!firm) throw unknownReference(field, '登记系统中没有该律师事务所', id);
      if (firm.status === 'closed') throw unknownReference(field, `律师事务所“${firm.name}”已注销`, id);
      return firm;
    });
  }

  /** The firm's own branch, else its joint branch, else the city committee over its region (`receivingOrgFor`). */
  async targetOrg(run: LicensingRun, firm: LicensingFirmRow): Promise<ReceivingOrg & { id: string; name: string }> {
    const target = receivingOrgFor({ coverage: firm.coverage, partyOrgId: firm.party_org_id });
    if (target.kind === 'firm_org') return { ...target, id: target.orgId, name: firm.party_org_name ?? target.orgId };
    return { ...target, ...(await this.cityCommittee(run, firm.region_code)) };
  }

  /** The city committee of a region (OrganizationsRepository's one definition of it). */
  async cityCommittee(run: LicensingRun, regionCode: string): Promise<{ id: string; name: string }> {
    const city = await this.orgs.cityCommitteeOf(regionCode, run.em);
    if (!city)
      throw licensingError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'NO_TARGET_ORG',
        `行政区划 ${regionCode} 没有市律师行业党委，无法确定接收党组织`,
      );
    return { id: city.id, name: city.name };
  }
}
