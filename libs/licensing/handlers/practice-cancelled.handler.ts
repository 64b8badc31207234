import { HttpStatus, Injectable } from '@nestjs/common';
import { PARTY_MEMBER_STATUSES } from '../licensing.constants';
import { licensingError } from '../licensing-errors';
import { LicensingEventFamily, LicensingEventHandler } from '../licensing-event-handler';
import { LicensingRegistryRepository } from '../licensing-registry.repository';
import type { LicensingRun } from '../licensing-run';
import { LicensingSteps, statusTitle } from '../licensing-steps';

/** 注销执业: the member leaves the lawyer sector; the city committee receives the relationship and sends it on. */
@LicensingEventHandler(['practice.cancelled'])
@Injectable()
export class PracticeCancelledHandler implements LicensingEventFamily {
  constructor(
    private readonly steps: LicensingSteps,
    private readonly lawyers: LicensingRegistryRepository,
  ) {}

  async handle(run: LicensingRun): Promise<void> {
    const { em, ev } = run;
    const app = await this.steps.lockApplication(run, 'practice_cancellation');
    if (app.applied_at || app.case_id) {
      run.outcome = 'duplicate_cancellation';
      run.note(`注销 ${run.ref} 已登记，本事件只作记录`);
      return;
    }
    run.set({
      applied_at: run.occurredAt,
      license_no: ev.lawyer!.licenseNo,
      lawyer_name: ev.lawyer!.name,
      declared_party_member: ev.lawyer!.isPartyMember,
    });
    const member = await this.steps.memberFor(run, ev.lawyer!, {});
    if (!member) return this.steps.notRequired(run, app, '党员信息库中无此律师：无需办理组织关系转出');
    run.set({ member_id: member.id });
    // the lawyer no longer practises at a firm
    await this.lawyers.clearPractice(em, member.id, run.now);
    if (!PARTY_MEMBER_STATUSES.includes(member.status))
      return this.steps.notRequired(
        run,
        app,
        `该律师不是党员（状态“${statusTitle(member.status)}”）：无需办理组织关系转出`,
      );
    const city = await this.lawyers.cityCommitteeAbove(em, member.path);
    if (!city)
      throw licensingError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'NO_TARGET_ORG',
        '找不到该党员所属的市律师行业党委，无法办理转出',
      );
    if (city.id === member.org_id)
      return this.steps.notRequired(run, app, '该党员组织关系已由市律师行业党委直接管理，由其转往新单位');
    run.note('律师注销执业，组织关系转出律师行业：先转至市律师行业党委，由其开具介绍信转往新单位');
    await this.steps.openTransfer(run, member, city, 'practice_cancelled');
  }
}
