import { Injectable } from '@nestjs/common';
import { SYSTEM_PRINCIPAL } from '../../auth/principal';
import { AppError } from '../../common/app-error';
import { EngineService } from '../../engine/engine.service';
import type { LicensingEventDto } from '../dto';
import { ApplicationKind, PARTY_MEMBER_STATUSES } from '../licensing.constants';
import { LicensingEventFamily, LicensingEventHandler } from '../licensing-event-handler';
import { FirmsAndLawyerRequest, LicensingRegistryRepository } from '../licensing-registry.repository';
import type { LicensingRun } from '../licensing-run';
import { LicensingSteps, statusTitle } from '../licensing-steps';
import { alreadyReceived } from '../../../workflows/membership-transfer/receiving-org';

const KIND_BY_TYPE: Partial<Record<string, ApplicationKind>> = {
  'practice.applied': 'practice',
  'practice.approved': 'practice',
  'practice.withdrawn': 'practice',
  'firm-transfer.applied': 'firm_transfer',
  'firm-transfer.approved': 'firm_transfer',
  'firm-transfer.withdrawn': 'firm_transfer',
};

/** The firms an application names: the target (practice: toFirmId, else firmId), then the one it leaves. */
function firmRefs(ev: LicensingEventDto): { id: string; field: string }[] | undefined {
  const targetFirmId = ev.type.startsWith('practice') ? (ev.toFirmId ?? ev.firmId) : ev.toFirmId;
  if (!targetFirmId) return undefined;
  return [
    { id: targetFirmId, field: ev.toFirmId ? 'toFirmId' : 'firmId' },
    ...(ev.fromFirmId ? [{ id: ev.fromFirmId, field: 'fromFirmId' }] : []),
  ];
}

/**
 * 申请执业 / 申请转所, their approval and withdrawal: a party member's relationship follows the practice into
 * the target firm's organization (a membership-transfer case), approval starts the 6-month rule, a withdrawal
 * cancels the transfer. Events about one application may arrive in any order.
 */
@LicensingEventHandler([
  'practice.applied',
  'firm-transfer.applied',
  'practice.approved',
  'firm-transfer.approved',
  'practice.withdrawn',
  'firm-transfer.withdrawn',
])
@Injectable()
export class PracticeEventsHandler implements LicensingEventFamily {
  constructor(
    private readonly engine: EngineService,
    private readonly steps: LicensingSteps,
    private readonly lawyers: LicensingRegistryRepository,
  ) {}

  /** Every event of the family locks its application first (with the kind its type names). */
  applicationKind(ev: LicensingEventDto): ApplicationKind | undefined {
    return KIND_BY_TYPE[ev.type];
  }

  /** An application reads its firms and its lawyer first (`applied`): the event's insert may read them. */
  registryRead(ev: LicensingEventDto): FirmsAndLawyerRequest | undefined {
    const refs = ev.type.endsWith('.applied') ? firmRefs(ev) : undefined;
    if (!refs || !ev.lawyer || ev.lawyer.memberId) return undefined;
    return { firmIds: refs.map((r) => r.id), lawyer: ev.lawyer };
  }

  async handle(run: LicensingRun): Promise<void> {
    if (run.ev.type.endsWith('.applied')) return this.applied(run);
    if (run.ev.type.endsWith('.approved')) return this.approved(run);
    return this.withdrawn(run);
  }

  /** 申请执业 / 申请转所: a party member's relationship follows the practice into the target firm's organization. */
  private async applied(run: LicensingRun, opts: { fromApproval?: boolean } = {}) {
    const { ev } = run;
    const kind = KIND_BY_TYPE[ev.type]!;
    const refs = firmRefs(ev);
    if (!refs)
      throw AppError.validation([{ field: 'toFirmId', errors: ['toFirmId（或 firmId）为必填项：拟执业的律师事务所'] }]);
    const [firm] = await this.steps.firms(run, refs, ev.lawyer);
    const app = await this.steps.lockApplication(run, kind);

    if (!opts.fromApproval) {
      if (app.applied_at || app.case_id) {
        run.outcome = 'duplicate_application';
        if (app.approved_at && !app.withdrawn_at) run.outOfOrder = 'applied_after_approval';
        run.note(
          `申请 ${run.ref} 已登记${app.case_id ? `（接转案件 ${app.case_id}）` : ''}，本事件只作记录，不重复立案`,
        );
        return;
      }
      if (app.withdrawn_at) {
        run.outOfOrder = 'applied_after_withdrawal';
        run.outcome = 'withdrawn_before_applied';
        run.set({ applied_at: run.occurredAt, to_firm_id: firm.id, from_firm_id: ev.fromFirmId ?? null });
        run.note(`申请 ${run.ref} 此前已收到撤回事件（撤回先于申请到达），不再办理组织关系接转`);
        return;
      }
    }
    run.set({
      applied_at: app.applied_at ?? run.occurredAt,
      to_firm_id: firm.id,
      from_firm_id: ev.fromFirmId ?? null,
      license_no: ev.lawyer!.licenseNo,
      lawyer_name: ev.lawyer!.name,
      declared_party_member: ev.lawyer!.isPartyMember,
    });

    const member = await this.steps.memberFor(run, ev.lawyer!, { createFor: firm });
    if (!member) return this.steps.notRequired(run, app, '申报非党员，且党员信息库中无此人：无需办理组织关系接转');
    run.set({ member_id: member.id });
    if (!PARTY_MEMBER_STATUSES.includes(member.status))
      return this.steps.notRequired(
        run,
        app,
        `党员信息库中该律师的状态为“${statusTitle(member.status)}”，不是党员：无需办理组织关系接转`,
      );

    const target = await this.steps.targetOrg(run, firm);
    if (alreadyReceived(target, { orgId: member.org_id, path: member.path }))
      return this.steps.notRequired(run, app, `该党员的组织关系已在${firm.name}的党组织（${target.name}），无需接转`);

    const opened = await this.steps.openTransfer(
      run,
      member,
      target,
      kind === 'practice' ? 'practice' : 'firm_transfer',
    );
    if (opened && app.approved_at) {
      // the approval came first (recorded on a placeholder): it starts the 6-month rule now
      await this.sendApproval(run, opened);
    }
  }

  /** 执业/转所核准: recorded; while the transfer is open, the case records it and the 6-month rule starts. */
  private async approved(run: LicensingRun) {
    const { ev } = run;
    const kind = KIND_BY_TYPE[ev.type]!;
    const app = await this.steps.lockApplication(run, kind);
    if (app.approved_at) {
      run.outcome = 'duplicate_approval';
      run.note(`申请 ${run.ref} 的核准已于 ${app.approved_at.toISOString()} 登记，本事件只作记录`);
      return;
    }
    run.set({ approved_at: run.occurredAt });

    if (app.withdrawn_at) {
      run.outcome = 'approval_after_withdrawal';
      run.note(`申请 ${run.ref} 已撤回，核准事件只作记录`);
      return;
    }
    if (!app.applied_at && !app.case_id) {
      // approved before applied: handle the application now, from the approval's own lawyer data
      run.outOfOrder = 'approved_before_applied';
      run.note(`核准先于申请到达：按核准事件中的律师信息先行办理申请`);
      // applied() sends LICENSING_APPROVED to the case it opens (the approval is already on the row)
      await this.applied(run, { fromApproval: true });
    } else if (app.case_id) {
      await this.sendApproval(run, app.case_id);
    } else {
      run.outcome = 'approval_recorded';
      run.note('无需办理组织关系接转，核准只作记录');
    }
    // the registry follows the licensing decision: the lawyer now practises at the target firm
    if (run.app?.member_id && run.app.to_firm_id)
      await this.lawyers.setPractice(
        run.em,
        run.app.member_id,
        run.app.to_firm_id,
        run.ev.lawyer?.licenseNo ?? null,
        run.now,
      );
  }

  private async sendApproval(run: LicensingRun, caseId: string) {
    const c = await this.lawyers.lockCase(run.em, caseId);
    if (c.status !== 'open') {
      run.outcome = 'approval_recorded';
      run.note(`接转案件 ${caseId} 已办结（${this.steps.stateTitle(c.state)}），核准只作记录`);
      return;
    }
    // the 6-month rule runs from the approval as the licensing system dated it, however late its notice came
    const approvedAt = new Date(run.app?.approved_at ?? run.occurredAt).toISOString();
    const sent = await run.guarded(() =>
      this.engine.sendEventIn(run.em, SYSTEM_PRINCIPAL, caseId, {
        type: 'LICENSING_APPROVED',
        data: { approvedAt },
        comment: `执业管理系统事件 ${run.ev.eventId}`,
      }),
    );
    if (sent.ok) {
      run.touched(caseId);
      if (run.outcome !== 'transfer_opened') run.outcome = 'approval_recorded';
      const due = sent.value.snapshot.context.sixMonthDueAt;
      run.note(`接转案件 ${caseId} 已记录核准${due ? `，组织关系接转须于 ${due} 前完成（6 个月规则）` : ''}`);
    } else run.note(`接转案件 ${caseId} 未能记录核准：${sent.error.message}`);
  }

  /** 撤回: an open transfer is cancelled; before the application arrived, it is remembered so it never opens. */
  private async withdrawn(run: LicensingRun) {
    const { em, ev } = run;
    const app = await this.steps.lockApplication(run, KIND_BY_TYPE[ev.type]!);
    if (app.withdrawn_at) {
      run.outcome = 'duplicate_withdrawal';
      run.note(`申请 ${run.ref} 的撤回已登记，本事件只作记录`);
      return;
    }
    run.set({
      withdrawn_at: run.occurredAt,
      license_no: app.license_no ?? ev.lawyer?.licenseNo ?? null,
      lawyer_name: app.lawyer_name ?? ev.lawyer?.name ?? null,
    });
    if (!app.applied_at && !app.case_id) {
      run.outOfOrder = 'withdrawn_before_applied';
      run.note(`撤回先于申请到达：已登记，之后到达的申请事件不再立案`);
      await this.steps.notRequired(run, app, '申请已撤回：无需办理组织关系接转');
      run.outcome = 'withdrawal_recorded';
      return;
    }
    if (!app.case_id) {
      run.outcome = 'withdrawal_recorded';
      run.note('该申请无需办理组织关系接转，撤回只作记录');
      return;
    }
    const c = await this.lawyers.lockCase(em, app.case_id);
    if (c.status !== 'open') {
      run.outcome = 'late_withdrawal';
      run.note(`接转案件 ${app.case_id} 已办结（${this.steps.stateTitle(c.state)}），撤回不改变接转结果`);
      return;
    }
    const sent = await run.guarded(() =>
      this.engine.sendEventIn(em, SYSTEM_PRINCIPAL, app.case_id!, {
        type: 'LICENSING_WITHDRAWN',
        comment: `执业管理系统事件 ${ev.eventId}`,
      }),
    );
    if (sent.ok) {
      run.touched(app.case_id);
      run.outcome = 'transfer_cancelled';
      run.note(`接转案件 ${app.case_id} 已因申请撤回而取消`);
    } else run.note(`接转案件 ${app.case_id} 未能取消：${sent.error.message}`);
  }
}
