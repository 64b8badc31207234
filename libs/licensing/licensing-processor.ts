import { HttpStatus, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { Clock } from '../engine/clock';
import { EngineService, validatePayload } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { LicensingEventDto, LicensingLawyerDto } from './dto';
import { ApplicationKind, EVENT_TYPE_TITLES, PARTY_MEMBER_STATUSES, PartyTransferStatus } from './licensing.constants';
import { licensingError, unknownReference } from './licensing-errors';
import { enqueueStatusChange, PARTY_TRANSFER_SQL } from './licensing-status';
import { OutboxRepository } from '../outbox/outbox.repository';
import { MEMBER_STATUS_TITLES, MemberStatus } from '../registry/registry.types';

/** What an accepted event did: the 202 body, stored and replayed for the same eventId. */
export interface LicensingEventResult {
  accepted: true;
  eventId: string;
  type: string;
  /** cases opened or moved by this event */
  caseIds: string[];
  /** the subset that this event opened */
  openedCaseIds: string[];
  /** short machine-readable outcome, e.g. `transfer_opened`, `not_required`, `approval_recorded` */
  outcome: string;
  /** set when the event arrived out of order (e.g. `approved_before_applied`) */
  outOfOrder?: string;
  applicationRef?: string;
  partyTransfer?: PartyTransferStatus;
  memberId?: string;
  firmId?: string;
  /** what happened, in Chinese, for the ledger and the sender's log */
  notes: string[];
}

interface MemberRow {
  id: string;
  name: string;
  org_id: string;
  status: string;
  license_no: string | null;
  id_number: string;
  firm_id: string | null;
  pending_verification: boolean;
  path: string;
}

interface FirmRow {
  id: string;
  name: string;
  kind: 'firm' | 'branch_office';
  head_firm_id: string | null;
  county: string;
  region_code: string;
  party_org_id: string | null;
  party_org_name?: string | null;
  coverage: string;
  status: string;
  established_on: string | null;
}

interface ApplicationRow {
  application_ref: string;
  kind: ApplicationKind;
  license_no: string | null;
  lawyer_name: string | null;
  declared_party_member: boolean | null;
  member_id: string | null;
  from_firm_id: string | null;
  to_firm_id: string | null;
  firm_id: string | null;
  case_id: string | null;
  party_transfer: PartyTransferStatus;
  applied_at: Date | null;
  approved_at: Date | null;
  withdrawn_at: Date | null;
}

class Run {
  readonly caseIds: string[] = [];
  readonly opened: string[] = [];
  readonly notes: string[] = [];
  outcome = 'recorded';
  outOfOrder?: string;
  memberId?: string;
  firmId?: string;
  partyTransfer?: PartyTransferStatus;
  /** the application row, locked for this transaction; changes collect in `patch` and are written once */
  app?: ApplicationRow;
  readonly patch: Partial<ApplicationRow> = {};
  private savepoints = 0;
  constructor(
    readonly em: EntityManager,
    readonly ev: LicensingEventDto,
    readonly now: Date,
  ) {}
  get ref() {
    return this.ev.applicationRef;
  }
  get occurredAt() {
    return new Date(this.ev.occurredAt);
  }
  note(s: string) {
    this.notes.push(s);
  }
  set(fields: Partial<ApplicationRow>) {
    Object.assign(this.patch, fields);
    if (this.app) Object.assign(this.app, fields);
  }
  touched(id: string, opened = false) {
    if (!this.caseIds.includes(id)) this.caseIds.push(id);
    if (opened && !this.opened.includes(id)) this.opened.push(id);
  }
  /** Runs case work under a savepoint: a refusal by the engine (AppError) is recorded, the event still accepted. */
  async guarded<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: AppError }> {
    const name = `licensing_sp_${++this.savepoints}`;
    await this.em.query(`SAVEPOINT ${name}`);
    try {
      // no RELEASE: the savepoint ends with the transaction (one round trip less on the hot path)
      return { ok: true, value: await fn() };
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      await this.em.query(`ROLLBACK TO SAVEPOINT ${name}`);
      return { ok: false, error: e };
    }
  }
}

const MEMBER_SQL = `SELECT m.id, m.name, m.org_id, m.status, m.license_no, m.id_number, m.firm_id, m.pending_verification, o.path
  FROM members m JOIN orgs o ON o.id = m.org_id`;
const FIRM_SQL = `SELECT id, name, kind, head_firm_id, county, region_code, party_org_id, (SELECT name FROM orgs WHERE orgs.id = firms.party_org_id) AS party_org_name,
  coverage, status, to_char(established_on, 'YYYY-MM-DD') AS established_on FROM firms`;

const KIND_BY_TYPE: Partial<Record<string, ApplicationKind>> = {
  'practice.applied': 'practice',
  'practice.approved': 'practice',
  'practice.withdrawn': 'practice',
  'practice.cancelled': 'practice_cancellation',
  'firm-transfer.applied': 'firm_transfer',
  'firm-transfer.approved': 'firm_transfer',
  'firm-transfer.withdrawn': 'firm_transfer',
};

const statusTitle = (s: string) => MEMBER_STATUS_TITLES[s as MemberStatus] ?? s;

const dateOnly = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10); // Asia/Shanghai date

/**
 * Maps one validated licensing event onto the registry and the procedures, inside the caller's transaction
 * (the event row is already inserted there). Every case operation is the engine's own (`openCaseIn`,
 * `sendEventIn` as the system principal), so history, timers and outbox rows commit together with the event.
 */
@Injectable()
export class LicensingProcessor {
  constructor(
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly outbox: OutboxRepository,
  ) {}

  async process(em: EntityManager, ev: LicensingEventDto): Promise<LicensingEventResult> {
    const run = new Run(em, ev, this.clock.now());
    switch (ev.type) {
      case 'practice.applied':
      case 'firm-transfer.applied':
        await this.applied(run);
        break;
      case 'practice.approved':
      case 'firm-transfer.approved':
        await this.approved(run);
        break;
      case 'practice.withdrawn':
      case 'firm-transfer.withdrawn':
        await this.withdrawn(run);
        break;
      case 'practice.cancelled':
        await this.cancelled(run);
        break;
      case 'discipline.imposed':
        await this.discipline(run);
        break;
      case 'firm-establishment.applied':
      case 'firm.established':
      case 'branch-office.established':
        await this.firmEvent(run);
        break;
      default:
        throw licensingError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'UNKNOWN_EVENT_TYPE',
          `未知的执业管理事件类型：${String(ev.type)}`,
        );
    }
    if (run.app) run.partyTransfer = await this.flushApplication(run);
    const result: LicensingEventResult = {
      accepted: true,
      eventId: ev.eventId,
      type: ev.type,
      caseIds: run.caseIds,
      openedCaseIds: run.opened,
      outcome: run.outcome,
      notes: run.notes,
    };
    if (run.outOfOrder) result.outOfOrder = run.outOfOrder;
    if (run.ref) result.applicationRef = run.ref;
    if (run.partyTransfer) result.partyTransfer = run.partyTransfer;
    if (run.memberId) result.memberId = run.memberId;
    if (run.firmId) result.firmId = run.firmId;
    return result;
  }

  // ------------------------------------------------------------------ practice / firm transfer

  /** 申请执业 / 申请转所: a party member's relationship follows the practice into the target firm's organization. */
  private async applied(run: Run, opts: { fromApproval?: boolean } = {}) {
    const { em, ev } = run;
    const kind = KIND_BY_TYPE[ev.type]!;
    const targetFirmId = ev.type.startsWith('practice') ? (ev.toFirmId ?? ev.firmId) : ev.toFirmId;
    if (!targetFirmId)
      throw AppError.validation([{ field: 'toFirmId', errors: ['toFirmId（或 firmId）为必填项：拟执业的律师事务所'] }]);
    const [firm] = await this.firms(em, [
      { id: targetFirmId, field: ev.toFirmId ? 'toFirmId' : 'firmId' },
      ...(ev.fromFirmId ? [{ id: ev.fromFirmId, field: 'fromFirmId' }] : []),
    ]);
    const app = await this.lockApplication(run, kind);

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

    const member = await this.memberFor(run, ev.lawyer!, { createFor: firm });
    if (!member) return this.notRequired(run, app, '申报非党员，且党员信息库中无此人：无需办理组织关系接转');
    run.set({ member_id: member.id });
    if (!PARTY_MEMBER_STATUSES.includes(member.status))
      return this.notRequired(
        run,
        app,
        `党员信息库中该律师的状态为“${statusTitle(member.status)}”，不是党员：无需办理组织关系接转`,
      );

    const target = await this.targetOrg(em, firm);
    if (member.path.includes(`/${target.id}/`))
      return this.notRequired(run, app, `该党员的组织关系已在${firm.name}的党组织（${target.name}），无需接转`);

    const opened = await this.openTransfer(run, member, target, kind === 'practice' ? 'practice' : 'firm_transfer');
    if (opened && app.approved_at) {
      // the approval came first (recorded on a placeholder): it starts the 6-month rule now
      await this.sendApproval(run, opened);
    }
  }

  /** 执业/转所核准: recorded; while the transfer is open, the case records it and the 6-month rule starts. */
  private async approved(run: Run) {
    const { ev } = run;
    const kind = KIND_BY_TYPE[ev.type]!;
    const app = await this.lockApplication(run, kind);
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
    await this.syncFirmOnApproval(run);
  }

  /** The registry follows the licensing decision: the lawyer now practises at the target firm. */
  private async syncFirmOnApproval(run: Run) {
    const app = run.app;
    if (!app?.member_id || !app.to_firm_id) return;
    await run.em.query(
      `UPDATE members SET firm_id = $2, license_no = coalesce(license_no, $3), updated_at = $4 WHERE id = $1`,
      [app.member_id, app.to_firm_id, run.ev.lawyer?.licenseNo ?? null, run.now],
    );
  }

  private async sendApproval(run: Run, caseId: string) {
    const [c] = await run.em.query(`SELECT status, state FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    if (c.status !== 'open') {
      run.outcome = 'approval_recorded';
      run.note(`接转案件 ${caseId} 已办结（${this.stateTitle(c.state)}），核准只作记录`);
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
  private async withdrawn(run: Run) {
    const { em, ev } = run;
    const app = await this.lockApplication(run, KIND_BY_TYPE[ev.type]!);
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
      await this.notRequired(run, app, '申请已撤回：无需办理组织关系接转');
      run.outcome = 'withdrawal_recorded';
      return;
    }
    if (!app.case_id) {
      run.outcome = 'withdrawal_recorded';
      run.note('该申请无需办理组织关系接转，撤回只作记录');
      return;
    }
    const [c] = await em.query(`SELECT status, state FROM cases WHERE id = $1 FOR UPDATE`, [app.case_id]);
    if (c.status !== 'open') {
      run.outcome = 'late_withdrawal';
      run.note(`接转案件 ${app.case_id} 已办结（${this.stateTitle(c.state)}），撤回不改变接转结果`);
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

  /** 注销执业: the member leaves the lawyer sector; the city committee receives the relationship and sends it on. */
  private async cancelled(run: Run) {
    const { em, ev } = run;
    const app = await this.lockApplication(run, 'practice_cancellation');
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
    const member = await this.memberFor(run, ev.lawyer!, {});
    if (!member) return this.notRequired(run, app, '党员信息库中无此律师：无需办理组织关系转出');
    run.set({ member_id: member.id });
    // the lawyer no longer practises at a firm
    await em.query(`UPDATE members SET firm_id = NULL, updated_at = $2 WHERE id = $1`, [member.id, run.now]);
    if (!PARTY_MEMBER_STATUSES.includes(member.status))
      return this.notRequired(run, app, `该律师不是党员（状态“${statusTitle(member.status)}”）：无需办理组织关系转出`);
    const [city] = await em.query(
      `SELECT id, name FROM orgs WHERE type = 'city_committee' AND id = ANY(string_to_array(trim(both '/' from $1), '/')::uuid[]) ORDER BY length(path) DESC LIMIT 1`,
      [member.path],
    );
    if (!city)
      throw licensingError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'NO_TARGET_ORG',
        '找不到该党员所属的市律师行业党委，无法办理转出',
      );
    if (city.id === member.org_id)
      return this.notRequired(run, app, '该党员组织关系已由市律师行业党委直接管理，由其转往新单位');
    run.note('律师注销执业，组织关系转出律师行业：先转至市律师行业党委，由其开具介绍信转往新单位');
    await this.openTransfer(run, member, city, 'practice_cancelled');
  }

  // ------------------------------------------------------------------ discipline

  /** 行业处分: recorded on the member; a party member gets a non-conforming review (§4, opened by a licensing discipline event). */
  private async discipline(run: Run) {
    const { em, ev } = run;
    const member = await this.memberFor(run, ev.lawyer!, {});
    const d = ev.discipline;
    const sanction = d?.sanction ?? '行业处分（未注明处分种类）';
    const [row] = await em.query(
      `INSERT INTO member_disciplines (member_id, license_no, lawyer_name, event_id, sanction, reason, decided_on, authority, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        member?.id ?? null,
        ev.lawyer!.licenseNo,
        ev.lawyer!.name,
        ev.eventId,
        sanction,
        d?.reason ?? null,
        d?.decidedOn ?? dateOnly(run.occurredAt),
        d?.authority ?? null,
        run.now,
      ],
    );
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
    const [open] = await em.query(
      `SELECT id FROM cases WHERE workflow = 'nonconforming' AND status = 'open' AND subject_member_id = $1 LIMIT 1`,
      [member.id],
    );
    if (open) {
      await em.query(`UPDATE member_disciplines SET case_id = $2 WHERE id = $1`, [row.id, open.id]);
      run.outcome = 'discipline_recorded';
      run.note(`已记录行业处分；该党员已有未结的不合格党员处置案件 ${open.id}，处分记入该案`);
      return;
    }
    const def = this.registry.latest('nonconforming');
    const opened = await run.guarded(async () => {
      const input = await validatePayload(def.createInput, { trigger: 'discipline', grounds }, 'input');
      return this.engine.openCaseIn(
        em,
        SYSTEM_PRINCIPAL,
        def,
        { memberId: member.id },
        input,
        `licensing:${ev.eventId}`,
      );
    });
    if (opened.ok) {
      await em.query(`UPDATE member_disciplines SET case_id = $2 WHERE id = $1`, [row.id, opened.value.id]);
      run.touched(opened.value.id, true);
      run.outcome = 'nonconforming_opened';
      run.note(`已记录行业处分，并启动不合格党员处置案件 ${opened.value.id}`);
    } else {
      run.outcome = 'discipline_recorded';
      run.note(`已记录行业处分；未能启动不合格党员处置：${opened.error.message}`);
    }
  }

  // ------------------------------------------------------------------ firms

  /** 设立申请 / 成立 / 分所成立: the firm (created pending when unknown) gets a branch-formation case, once. */
  private async firmEvent(run: Run) {
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
      app = await this.lockApplication(run, kind, ['firm_establishment', 'branch_office']);
    }
    let firm = await this.findFirm(em, ev.firmId ?? app?.firm_id ?? undefined, ev.firm?.name);
    if (!firm) {
      if (!ev.firm)
        throw unknownReference('firmId', '登记系统中没有该律师事务所，且事件未附律师事务所信息（firm）', ev.firmId);
      firm = await this.createFirm(run, establishing ? 'pending' : 'active');
      run.note(
        `已登记${establishing ? '设立中的' : '新成立的'}${firm.kind === 'branch_office' ? '分所' : '律师事务所'}“${firm.name}”（${firm.id}）`,
      );
    } else if (!establishing && firm.status === 'pending') {
      await em.query(
        `UPDATE firms SET status = 'active', established_on = $2, uncovered_since = CASE WHEN coverage = 'none' THEN coalesce(uncovered_since, $3) END WHERE id = $1`,
        [firm.id, dateOnly(run.occurredAt), run.occurredAt],
      );
      firm = { ...firm, status: 'active', established_on: dateOnly(run.occurredAt) };
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

    const [open] = await em.query(
      `SELECT id FROM cases WHERE workflow = 'branch-formation' AND status = 'open' AND subject_firm_id = $1 LIMIT 1`,
      [firm.id],
    );
    if (open) {
      run.outcome = 'formation_already_open';
      run.note(`党组织组建案件 ${open.id} 已在办理，不重复立案`);
      if (app && !app.case_id) run.set({ case_id: open.id });
      // planned while the firm was under review: its establishment starts the 3-month deadline of the case
      if (!establishing && firm.established_on) {
        const sent = await run.guarded(() =>
          this.engine.sendEventIn(em, SYSTEM_PRINCIPAL, open.id, {
            type: 'FIRM_ESTABLISHED',
            data: { establishedOn: firm.established_on },
            comment: `执业管理系统事件 ${ev.eventId}`,
          }),
        );
        if (sent.ok) {
          run.touched(open.id);
          run.note(`已将成立日期 ${firm.established_on} 记入组建案件，党组织组建须于成立后 3 个月内完成`);
        }
      }
      return;
    }
    if (firm.coverage === 'branch') {
      run.outcome = 'formation_not_needed';
      run.note(`“${firm.name}”已单独建立党组织，无需组建`);
      return;
    }
    const def = this.registry.latest('branch-formation');
    const trigger = establishing
      ? 'firm_establishment_applied'
      : ev.type === 'branch-office.established'
        ? 'branch_office_established'
        : 'firm_established';
    const input: Record<string, unknown> = { trigger };
    if (firm.established_on) input.establishedOn = firm.established_on;
    if (firm.kind === 'branch_office' && firm.head_firm_id) {
      const [head] = await em.query(`SELECT party_org_id FROM firms WHERE id = $1 AND coverage = 'branch'`, [
        firm.head_firm_id,
      ]);
      if (head?.party_org_id) {
        input.headFirmOrgId = head.party_org_id;
        run.note('总所已建立党组织，登记为分所党组织的指导组织');
      }
    }
    const opened = await run.guarded(async () => {
      const valid = await validatePayload(def.createInput, input, 'input');
      return this.engine.openCaseIn(em, SYSTEM_PRINCIPAL, def, { firmId: firm.id }, valid, `licensing:${ev.eventId}`);
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
    em: EntityManager,
    id: string | undefined,
    name: string | undefined,
  ): Promise<FirmRow | undefined> {
    if (id) {
      const [byId] = await em.query(`${FIRM_SQL} WHERE id = $1`, [id]);
      if (byId) return byId;
    }
    if (name) {
      const [byName] = await em.query(
        `${FIRM_SQL} WHERE name = $1 AND status <> 'closed' ORDER BY created_at LIMIT 1`,
        [name],
      );
      return byName;
    }
    return undefined;
  }

  private async createFirm(run: Run, status: 'pending' | 'active'): Promise<FirmRow> {
    const { em, ev } = run;
    const f = ev.firm!;
    const [county] = await em.query(
      `SELECT region_code FROM orgs WHERE type = 'county_committee' AND county = $1 ORDER BY created_at LIMIT 1`,
      [f.county],
    );
    if (!county) throw unknownReference('firm.county', `未知的县（市、区）：${f.county}`, f.county);
    if (f.headFirmId) {
      const [head] = await em.query(`SELECT id FROM firms WHERE id = $1`, [f.headFirmId]);
      if (!head) throw unknownReference('firm.headFirmId', '总所不在登记系统中', f.headFirmId);
    }
    const kind = ev.type === 'branch-office.established' ? 'branch_office' : f.kind;
    const established = status === 'active' ? dateOnly(run.occurredAt) : null;
    const [row] = await em.query(
      `INSERT INTO firms (id, name, kind, head_firm_id, county, region_code, director_name, coverage, status, established_on, uncovered_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'none', $8, $9, $10) RETURNING id`,
      [
        ev.firmId ?? randomUUID(),
        f.name,
        kind,
        f.headFirmId ?? null,
        f.county,
        county.region_code,
        f.directorName,
        status,
        established,
        status === 'active' ? run.occurredAt : null,
      ],
    );
    const [firm] = await em.query(`${FIRM_SQL} WHERE id = $1`, [row.id]);
    return firm;
  }

  // ------------------------------------------------------------------ shared

  /**
   * The application row for the event's `applicationRef`, locked for this transaction (created when new), so
   * events about one application are applied one at a time.
   */
  private async lockApplication(
    run: Run,
    kind: ApplicationKind,
    compatible: ApplicationKind[] = [kind],
  ): Promise<ApplicationRow> {
    const { em } = run;
    // already locked by this run (an approval handling its late application): keep the pending changes
    if (run.app && run.app.application_ref === run.ref) return run.app;
    // one statement: creates the row when new, else takes its row lock (DO UPDATE locks), and returns it
    const [app]: ApplicationRow[] = await em.query(
      `INSERT INTO licensing_applications (application_ref, kind, party_transfer, created_at, updated_at) VALUES ($1, $2, 'pending', $3, $3)
       ON CONFLICT (application_ref) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING *`,
      [run.ref, kind, run.now],
    );
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

  /** Writes the collected application changes in one statement and returns the resulting party-transfer status. */
  private async flushApplication(run: Run): Promise<PartyTransferStatus> {
    const cols = Object.keys(run.patch) as (keyof ApplicationRow)[];
    const values: unknown[] = [run.ref, run.ev.eventId, run.now];
    const sets = cols.map((c) => `${c} = $${values.push(run.patch[c])}`);
    const [row] = await run.em.query(
      `WITH u AS (
         UPDATE licensing_applications SET ${[...sets, 'last_event_id = $2', 'updated_at = $3'].join(', ')} WHERE application_ref = $1 RETURNING case_id, party_transfer)
       SELECT ${PARTY_TRANSFER_SQL.replace(/\ba\.party_transfer\b/g, 'u.party_transfer')} AS s FROM u LEFT JOIN cases c ON c.id = u.case_id`,
      values,
    );
    return row.s;
  }

  private async notRequired(run: Run, app: ApplicationRow, why: string) {
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

  /** Opens the membership-transfer case of the application; returns its id (or undefined when the engine refused). */
  private async openTransfer(
    run: Run,
    member: MemberRow,
    to: { id: string; name: string },
    trigger: 'practice' | 'firm_transfer' | 'practice_cancelled',
  ): Promise<string | undefined> {
    const { em, ev } = run;
    const def = this.registry.latest('membership-transfer');
    const opened = await run.guarded(async () => {
      const input = await validatePayload(def.createInput, { toOrgId: to.id, licensingRef: run.ref, trigger }, 'input');
      return this.engine.openCaseIn(
        em,
        SYSTEM_PRINCIPAL,
        def,
        { memberId: member.id },
        input,
        `licensing:${ev.eventId}`,
      );
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
  private async memberFor(
    run: Run,
    lawyer: LicensingLawyerDto,
    opts: { createFor?: FirmRow },
  ): Promise<MemberRow | null> {
    const { em } = run;
    let member: MemberRow | undefined;
    if (lawyer.memberId) {
      [member] = await em.query(`${MEMBER_SQL} WHERE m.id = $1`, [lawyer.memberId]);
      if (!member) throw unknownReference('lawyer.memberId', '党员信息库中没有该 memberId', lawyer.memberId);
    } else {
      [member] = await em.query(`${MEMBER_SQL} WHERE m.license_no = $1 AND m.duplicate_of IS NULL`, [lawyer.licenseNo]);
      if (!member)
        [member] = await em.query(`${MEMBER_SQL} WHERE upper(m.id_number) = upper($1) AND m.duplicate_of IS NULL`, [
          lawyer.idNumber,
        ]);
    }
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
      if (!member.license_no)
        await em.query(
          `UPDATE members SET license_no = $2, updated_at = $3 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM members WHERE license_no = $2)`,
          [member.id, lawyer.licenseNo, run.now],
        );
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

  private async createPendingMember(run: Run, lawyer: LicensingLawyerDto, firm: FirmRow): Promise<MemberRow> {
    const { em } = run;
    const id = lawyer.idNumber.toUpperCase();
    const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
    const parsed = new Date(`${birth}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== birth)
      throw AppError.validation([{ field: 'lawyer.idNumber', errors: ['身份证号中的出生日期无效'] }]);
    const { id: cityId } = await this.cityCommittee(em, firm.region_code);
    const [row] = await em.query(
      `INSERT INTO members (name, gender, id_number, birth_date, license_no, org_id, status, pending_verification, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'full', true, $7, $7) ON CONFLICT DO NOTHING RETURNING id`,
      [lawyer.name, Number(id[16]) % 2 === 1 ? 'male' : 'female', id, birth, lawyer.licenseNo, cityId, run.now],
    );
    // a concurrent event created the same person first: use that row
    const [member] = row
      ? await em.query(`${MEMBER_SQL} WHERE m.id = $1`, [row.id])
      : await em.query(
          `${MEMBER_SQL} WHERE (upper(m.id_number) = $1 OR m.license_no = $2) AND m.duplicate_of IS NULL`,
          [id, lawyer.licenseNo],
        );
    run.memberId = member.id;
    run.note(`党员信息库中无此律师而其申报为党员：已登记为待核实党员（${member.id}），暂由市律师行业党委管理并核实`);
    return member;
  }

  /** The Chinese title of a membership-transfer case's state (a clerk reads the notes). */
  private stateTitle(state: unknown): string {
    const def = this.registry.latest('membership-transfer');
    return typeof state === 'string' ? (def.states[state]?.title ?? state) : JSON.stringify(state);
  }

  /** The referenced firms in one read, in the order asked; an unknown or closed one is refused by its field. */
  private async firms(em: EntityManager, refs: { id: string; field: string }[]): Promise<FirmRow[]> {
    const rows: FirmRow[] = await em.query(`${FIRM_SQL} WHERE id = ANY($1::uuid[])`, [refs.map((r) => r.id)]);
    return refs.map(({ id, field }) => {
      const firm = rows.find((r) => r.id === id);
      if (!firm) throw unknownReference(field, '登记系统中没有该律师事务所', id);
      if (firm.status === 'closed') throw unknownReference(field, `律师事务所“${firm.name}”已注销`, id);
      return firm;
    });
  }

  /** The firm's own branch, else its joint branch, else the city committee over its region (docs/procedures.md §1). */
  private async targetOrg(em: EntityManager, firm: FirmRow): Promise<{ id: string; name: string }> {
    if ((firm.coverage === 'branch' || firm.coverage === 'joint_branch') && firm.party_org_id)
      return { id: firm.party_org_id, name: firm.party_org_name ?? firm.party_org_id };
    return this.cityCommittee(em, firm.region_code);
  }

  private async cityCommittee(em: EntityManager, regionCode: string): Promise<{ id: string; name: string }> {
    const [city] = await em.query(
      `SELECT id, name FROM orgs WHERE type = 'city_committee' AND region_code = left($1, 4) || '00' ORDER BY created_at LIMIT 1`,
      [regionCode],
    );
    if (!city)
      throw licensingError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'NO_TARGET_ORG',
        `行政区划 ${regionCode} 没有市律师行业党委，无法确定接收党组织`,
      );
    return city;
  }
}
