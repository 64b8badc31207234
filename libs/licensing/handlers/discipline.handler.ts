import { Injectable } from '@nestjs/common';
import { WorkflowRegistry } from '../../engine/workflow-registry';
import { PARTY_MEMBER_STATUSES } from '../licensing.constants';
import { LicensingEventFamily, LicensingEventHandler } from '../licensing-event-handler';
import { LicensingRegistryRepository } from '../licensing-registry.repository';
import { LicensingRun, shanghaiDate } from '../licensing-run';
import { LicensingSteps, statusTitle } from '../licensing-steps';

/** 行业处分: recorded on the member; a party member gets a non-conforming review (§4, opened by a licensing discipline event). */
@LicensingEventHandler(['discipline.imposed'])
@Injectable()
export class DisciplineHandler implements LicensingEventFamily {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly steps: LicensingSteps,
    private readonly lawyers: LicensingRegistryRepository,
  ) {}

  async handle(run: LicensingRun): Promise<void> {
    const { em, ev } = run;
    const member = await this.steps.memberFor(run, ev.lawyer!, {});
    const d = ev.discipline;
    const sanction = d?.sanction ?? '行业处分（未注明处分种类）';
    const disciplineId = await this.lawyers.insertDiscipline(em, {
      memberId: member?.id ?? null,
      licenseNo: ev.lawyer!.licenseNo,
      lawyerName: ev.lawyer!.name,
      eventId: ev.eventId,
      sanction,
      reason: d?.reason ?? null,
      decidedOn: d?.decidedOn ?? shanghaiDate(run.occurredAt),
      authority: d?.authority ?? null,
      recordedAt: run.now,
    });
    if (!member || !PARTY_MEMBER_STATUSES.includes(member.status)) {
      run.outcome = 'discipline_recorded';
      run.note(
        member
          ? `已记录行业处分；该律师不是党员（状态“${statusTitle(member.status)}”），不启动不合格党员处置`
          : '已记录行业处分；党员信息库中无此律师',
      );
      return;
    }
    const grounds =
      `律师行业处分：${sanction}${d?.reason ? `（${d.reason}）` : ''}${d?.authority ? `，${d.authority}` : ''}`.slice(
        0,
        2000,
      );
    const def = this.registry.latest('nonconforming');
    const open = await this.lawyers.openCaseOfMember(em, def.key, member.id);
    if (open) {
      await this.lawyers.linkDisciplineToCase(em, disciplineId, open);
      run.outcome = 'discipline_recorded';
      run.note(`已记录行业处分；该党员已有未结的不合格党员处置案件 ${open}，处分记入该案`);
      return;
    }
    const opened = await this.steps.openMemberCase(run, def.key, member.id, { trigger: 'discipline', grounds });
    if (opened.ok) {
      await this.lawyers.linkDisciplineToCase(em, disciplineId, opened.value.id);
      run.touched(opened.value.id, true);
      run.outcome = 'nonconforming_opened';
      run.note(`已记录行业处分，并启动不合格党员处置案件 ${opened.value.id}`);
    } else {
      run.outcome = 'discipline_recorded';
      run.note(`已记录行业处分；未能启动不合格党员处置：${opened.error.message}`);
    }
  }
}
