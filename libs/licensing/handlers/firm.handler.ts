import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SYSTEM_PRINCIPAL } from '../../auth/principal';
import { AppError } from '../../common/app-error';
import { EngineService, validatePayload } from '../../engine/engine.service';
import { WorkflowRegistry } from '../../engine/workflow-registry';
import { ApplicationKind, EVENT_TYPE_TITLES } from '../licensing.constants';
import { unknownReference } from '../licensing-errors';
import { LicensingEventFamily, LicensingEventHandler } from '../licensing-event-handler';
import { LicensingFirmRow, LicensingRegistryRepository } from '../licensing-registry.repository';
import type { ApplicationRow } from '../licensing-applications.repository';
import { LicensingRun, shanghaiDate } from '../licensing-run';
import { LicensingSteps } from '../licensing-steps';

/** 设立申请 / 成立 / 分所成立: the firm (created pending when unknown) gets a branch-formation case, once. */
@LicensingEventHandler(['firm-establishment.applied', 'firm.established', 'branch-office.established'])
@Injectable()
export class FirmEventsHandler implements LicensingEventFamily {
  constructor(
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly steps: LicensingSteps,
    private readonly lawyers: LicensingRegistryRepository,
  ) {}

  async handle(run: LicensingRun): Promise<void> {
    const { em, ev } = run;
    const establishing = ev.type === 'firm-establishment.applied';
    if (ev.type === 'branch-office.established' && ev.firm && ev.firm.kind !== 'branch_office')
      throw AppError.validation([{ field: 'firm.kind', errors: ['分所成立事件中 firm.kind 须为 branch_office'] }]);
    if (!ev.firmId && !ev.firm)
      throw AppError.validation([{ field: 'firmId', errors: ['须提供 firmId 或 firm（律师事务所信息）'] }]);

    let app: ApplicationRow | undefined;
    if (run.ref) {
      const kind: ApplicationKind =
        (ev.firm?.kind ?? 'firm') === 'branch_office' || ev.type === 'branch-office.established'
          ? 'branch_office'
          : 'firm_establishment';
      app = await this.steps.lockApplication(run, kind, ['firm_establishment', 'branch_office']);
    }
    let firm = await this.findFirm(run, ev.firmId ?? app?.firm_id ?? undefined, ev.firm?.name);
    if (!firm) {
      if (!ev.firm)
        throw unknownReference('firmId', '登记系统中没有该律师事务所，且事件未附律师事务所信息（firm）', ev.firmId);
      firm = await this.createFirm(run, establishing ? 'pending' : 'active');
      run.note(
        `已登记${establishing ? '设立中的' : '新成立的'}${firm.kind === 'branch_office' ? '分所' : '律师事务所'}“${firm.name}”（${firm.id}）`,
      );
    } else if (!establishing && firm.status === 'pending') {
      await this.lawyers.establishFirm(em, firm.id, shanghaiDate(run.occurredAt), run.occurredAt);
      firm = { ...firm, status: 'active', established_on: shanghaiDate(run.occurredAt) };
      run.note(`“${firm.name}”已成立（${firm.established_on}）`);
    } else if (establishing && firm.status === 'active') {
      run.outOfOrder = 'applied_after_established';
      run.note(`“${firm.name}”已成立（成立事件先于设立申请到达），设立申请只作记录`);
    } else if (!establishing && firm.established_on) {
      run.note(`“${firm.name}”已于 ${firm.established_on} 成立，本事件只作记录`);
    }
    run.firmId = firm.id;
    if (app)
      run.set({ firm_id: firm.id, applied_at: app.applied_at ?? run.occurredAt, party_transfer: 'not_required' });

    const def = this.registry.latest('branch-formation');
    const open = await this.lawyers.openCaseOfFirm(em, def.key, firm.id);
    if (open) {
      run.outcome = 'formation_already_open';
      run.note(`党组织组建案件 ${open} 已在办理，不重复立案`);
      if (app && !app.case_id) run.set({ case_id: open });
      // planned while the firm was under review: its establishment starts the 3-month deadline of the case
      if (!establishing && firm.established_on) {
        const establishedOn = firm.established_on;
        const sent = await run.guarded(() =>
          this.engine.sendEventIn(em, SYSTEM_PRINCIPAL, open, {
            type: 'FIRM_ESTABLISHED',
            data: { establishedOn },
            comment: `执业管理系统事件 ${ev.eventId}`,
          }),
        );
        if (sent.ok) {
          run.touched(open);
          run.note(`已将成立日期 ${establishedOn} 记入组建案件，党组织组建须于成立后 3 个月内完成`);
        }
      }
      return;
    }
    if (firm.coverage === 'branch') {
      run.outcome = 'formation_not_needed';
      run.note(`“${firm.name}”已单独建立党组织，无需组建`);
      return;
    }
    const trigger = establishing
      ? 'firm_establishment_applied'
      : ev.type === 'branch-office.established'
        ? 'branch_office_established'
        : 'firm_established';
    const input: Record<string, unknown> = { trigger };
    if (firm.established_on) input.establishedOn = firm.established_on;
    if (firm.kind === 'branch_office' && firm.head_firm_id) {
      const headOrgId = await this.lawyers.ownBranchOrgOf(em, firm.head_firm_id);
      if (headOrgId) {
        input.headFirmOrgId = headOrgId;
        run.note('总所已建立党组织，登记为分所党组织的指导组织');
      }
    }
    const firmId = firm.id;
    const opened = await run.guarded(async () => {
      const valid = await validatePayload(def.createInput, input, 'input');
      return this.engine.openCaseIn(em, SYSTEM_PRINCIPAL, def, { firmId }, valid, `licensing:${ev.eventId}`);
    });
    if (opened.ok) {
      run.touched(opened.value.id, true);
      run.outcome = 'formation_opened';
      run.note(`已启动党组织组建案件 ${opened.value.id}（${EVENT_TYPE_TITLES[ev.type]}）`);
      if (app) run.set({ case_id: opened.value.id });
    } else {
      run.outcome = 'formation_not_opened';
      run.note(`未能启动党组织组建：${opened.error.message}`);
    }
  }

  private async findFirm(
    run: LicensingRun,
    id: string | undefined,
    name: string | undefined,
  ): Promise<LicensingFirmRow | undefined> {
    if (id) {
      const byId = await this.lawyers.firmById(run.em, id);
      if (byId) return byId;
    }
    if (name) return this.lawyers.openFirmByName(run.em, name);
    return undefined;
  }

  private async createFirm(run: LicensingRun, status: 'pending' | 'active'): Promise<LicensingFirmRow> {
    const { em, ev } = run;
    const f = ev.firm!;
    const regionCode = await this.lawyers.countyRegionCode(em, f.county);
    if (!regionCode) throw unknownReference('firm.county', `未知的县（市、区）：${f.county}`, f.county);
    if (f.headFirmId && !(await this.lawyers.firmExists(em, f.headFirmId)))
      throw unknownReference('firm.headFirmId', '总所不在登记系统中', f.headFirmId);
    const kind = ev.type === 'branch-office.established' ? 'branch_office' : f.kind;
    return this.lawyers.insertFirm(em, {
      id: ev.firmId ?? randomUUID(),
      name: f.name,
      kind,
      headFirmId: f.headFirmId ?? null,
      county: f.county,
      regionCode,
      directorName: f.directorName,
      status,
      establishedOn: status === 'active' ? shanghaiDate(run.occurredAt) : null,
      uncoveredSince: status === 'active' ? run.occurredAt : null,
    });
  }
}
