import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import { isAdmin, Principal, RoleAssignment } from '../auth/principal';
import { WorkingCalendar } from '../calendar/working-calendar';
import { AppError } from '../common/app-error';
import { CaseLabelsRepository } from '../engine/case-labels.repository';
import { subjectIdOf } from '../engine/case-views.repository';
import { CaseQueryService, taskHeading } from '../engine/case-query.service';
import { CasesRepository } from '../engine/cases.repository';
import { Clock } from '../engine/clock';
import { CaseRecord, EngineService } from '../engine/engine.service';
import { taskRules } from '../engine/task-rules';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { formatChineseDate } from '../notifications/templates';
import { NotificationsService } from '../notifications/notifications.service';
import { deadlineRecipients } from '../timers/deadline-recipients';
import { OverdueTimerRow, SupervisionRepository, UrgeRow } from './supervision.repository';

/** An organization that must act on a case now, in the role it acts in. */
export interface Holder {
  orgId: string;
  orgName: string | null;
  role: 'clerk' | 'orgdept';
}

/** One 督办 item of the inbox: an open case whose overdue step has been raised to the caller's level. */
export interface SupervisionItem {
  kind: 'supervision';
  caseId: string;
  workflow: string;
  workflowTitle: string;
  state: unknown;
  stateTitle: string;
  title: string;
  subject: unknown;
  subjectName: string | null;
  dueAt: string;
  dueProvisional: boolean;
  overdue: true;
  workingDaysLeft: null;
  dueSoon: false;
  availableEvents: { type: string; title: string }[];
  holders: Holder[];
  overdueDays: number;
  overdueWorkingDays: number;
  escalationLevel: number;
  deadlineTitle: string;
  lastUrgedAt: string | null;
  urgedToday: boolean;
}

export interface UrgeView {
  id: string;
  caseId: string;
  workflow?: string;
  /** the case's subject and its name (in the audit list, where a row stands without its case) */
  subject?: { memberId?: string; firmId?: string; orgId?: string };
  subjectName?: string | null;
  day: string;
  at: string;
  urgedBy: { userId: string; displayName: string | null; role: string; orgId: string; orgName: string | null };
  state: unknown;
  stateTitle: string;
  targets: { orgId: string; orgName: string | null; role: string }[];
  notified: number;
  comment: string | null;
}

/** What the caller may supervise: everything (admin), the subtrees of its supervisor roles, its overseer roles. */
interface Powers {
  all: boolean;
  supervisorOrgs: string[];
  overseer: RoleAssignment[];
}

const SUBJECT_PREFIX: Record<string, string> = { member: '党员', firm: '律师事务所', org: '党组织' };

/**
 * 督办: the supervisors' side of the inbox and the urge (催办).
 *
 * A case is a supervision item of a caller when one of its overdue steps has had an escalation addressed to
 * the caller's level — to the supervisors above the acting party (the caller a supervisor of that subtree, or
 * an administrator), or to the procedure's overseers (the organization department for recruitment) — as the
 * timer drain addressed it (the same `deadlineRecipients`), in the current visit of the state.
 *
 * An urge notifies the organizations holding the case now through the ordinary notifications (kind `urge`, in
 * app, e-mail and webhooks) and is recorded in `case_urges`, once per case and day: a second urge that day
 * answers the first one and notifies nobody. It is not a history row: the history is the procedure's own
 * hash-chained steps (each one a new version of the case) and an urge changes nothing in the procedure, so the
 * supervisors stay outside it; the audit lists the urges beside it (GET /audit/urges).
 */
@Injectable()
export class SupervisionService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: SupervisionRepository,
    private readonly engine: EngineService,
    private readonly cases: CaseQueryService,
    private readonly casesRepo: CasesRepository,
    private readonly registry: WorkflowRegistry,
    private readonly labels: CaseLabelsRepository,
    private readonly clock: Clock,
    private readonly calendar: WorkingCalendar,
    private readonly notifications: NotificationsService,
  ) {}

  private powers(p: Principal): Powers {
    const overseerRoles = new Set(
      this.registry.allVersions().flatMap((d) => (d.overseers ?? []).map((o) => o.role as string)),
    );
    return {
      all: isAdmin(p),
      supervisorOrgs: p.roles.filter((r) => r.role === 'supervisor').map((r) => r.orgId),
      overseer: p.roles.filter((r) => overseerRoles.has(r.role)),
    };
  }

  private static any(w: Powers) {
    return w.all || w.supervisorOrgs.length > 0 || w.overseer.length > 0;
  }

  /**
   * The caller's inbox: its tasks (CaseQueryService.tasks, most urgent first), then its supervision items
   * (the most overdue first), paged together; total = both.
   */
  async inbox(principal: Principal, paging: { page?: number; pageSize?: number } = {}) {
    const tasks = await this.cases.tasks(principal, paging);
    const { page, pageSize } = tasks;
    const taskItems = tasks.items.map((t) => ({
      kind: 'task' as const,
      ...t,
      holders: [] as Holder[],
      overdueDays: null,
      overdueWorkingDays: null,
      escalationLevel: null,
      deadlineTitle: null,
      lastUrgedAt: null,
      urgedToday: false,
    }));
    const supervision = await this.items(principal);
    const offset = (page - 1) * pageSize;
    const from = Math.max(0, offset - tasks.total);
    const room = pageSize - taskItems.length;
    const more = room > 0 && offset + taskItems.length >= tasks.total ? supervision.slice(from, from + room) : [];
    return { items: [...taskItems, ...more], total: tasks.total + supervision.length, page, pageSize };
  }

  /** The caller's supervision items, the most overdue first (none for a caller who supervises nothing). */
  async items(principal: Principal): Promise<SupervisionItem[]> {
    const w = this.powers(principal);
    if (!SupervisionService.any(w)) return [];
    const now = this.clock.now();
    const overseenWorkflows = [
      ...new Set(
        this.registry
          .allVersions()
          .filter((d) => (d.overseers ?? []).some((o) => w.overseer.some((r) => r.role === o.role)))
          .map((d) => d.key),
      ),
    ];
    const rows = await this.repo.overdueEscalated({
      scope: w.all ? null : [...w.supervisorOrgs, ...w.overseer.map((r) => r.orgId)],
      workflows: w.all || w.supervisorOrgs.length ? null : overseenWorkflows,
      now,
    });
    // per case: the most overdue of its qualifying deadlines, and the highest escalation level reached
    const byCase = new Map<string, { row: OverdueTimerRow; level: number }>();
    const records = new Map(
      (await this.casesRepo.findByIds([...new Set(rows.map((r) => r.case_id))])).map((r) => [r.id, r]),
    );
    for (const row of rows) {
      const record = records.get(row.case_id);
      if (!record) continue;
      const def = this.registry.get(row.workflow, row.definition_version);
      const reached = row.stages.filter(
        (s) =>
          s.kind === 'escalation' &&
          new Date(s.at) <= now &&
          deadlineRecipients(row, def, s).some((r) => this.reaches(w, record, def, r)),
      );
      if (!reached.length) continue;
      const level = Math.max(...reached.map((s) => s.level));
      const seen = byCase.get(row.case_id);
      if (!seen) byCase.set(row.case_id, { row, level });
      else seen.level = Math.max(seen.level, level);
    }
    const picked = [...byCase.values()];
    if (!picked.length) return [];
    const views = await this.cases.views(
      principal,
      picked.map((p) => records.get(p.row.case_id)!),
    );
    const urges = await this.repo.latestUrges(picked.map((p) => p.row.case_id));
    const today = this.calendar.toDate(now);
    const holders = await this.holdersOf(picked.map((p) => records.get(p.row.case_id)!));
    return picked.map(({ row, level }, i) => {
      const v = views[i];
      const urge = urges.get(row.case_id);
      return {
        kind: 'supervision' as const,
        ...taskHeading(v),
        dueAt: new Date(row.due_at).toISOString(),
        dueProvisional: row.provisional,
        overdue: true as const,
        workingDaysLeft: null,
        dueSoon: false as const,
        availableEvents: v.availableEvents,
        holders: holders.get(v.id) ?? [],
        overdueDays: Math.max(0, Math.floor((now.getTime() - new Date(row.due_at).getTime()) / 86_400_000)),
        overdueWorkingDays: this.calendar.workingDaysBetween(row.due_at, now, 999),
        escalationLevel: level,
        deadlineTitle: row.title,
        lastUrgedAt: urge ? new Date(urge.at).toISOString() : null,
        urgedToday: urge?.on_day === today,
      };
    });
  }

  /** Whether a recipient of an escalation is the caller at its supervising level. */
  private reaches(w: Powers, record: CaseRecord, def: WorkflowDefinition, r: { orgId: string; role: string }): boolean {
    const overseerRecipient =
      r.role !== 'supervisor' &&
      (def.overseers ?? []).some((o) => o.role === r.role && record.parties[o.party] === r.orgId);
    if (w.all) return r.role === 'supervisor' || overseerRecipient;
    if (r.role === 'supervisor') return w.supervisorOrgs.some((id) => record.scopeOrgIds.includes(id));
    return overseerRecipient && w.overseer.some((o) => o.role === r.role && o.orgId === r.orgId);
  }

  /**
   * The organizations whose step each case waits for, with names: the actors of its active states (not those
   * who could merely withdraw or close it from any state); a state without actors of its own falls back to
   * everyone who may act in it (the task rules).
   */
  private async holdersOf(records: CaseRecord[]): Promise<Map<string, Holder[]>> {
    const pairs = new Map<string, { orgId: string; role: 'clerk' | 'orgdept' }[]>();
    for (const r of records) {
      const def = this.registry.get(r.workflow, r.definitionVersion);
      const seen = new Set<string>();
      const list: { orgId: string; role: 'clerk' | 'orgdept' }[] = [];
      const own = r.statePaths.flatMap((path) => def.states[path]?.actors ?? []);
      const actors = own.length ? own : taskRules(def).filter((rule) => r.statePaths.includes(rule.statePath));
      for (const rule of actors) {
        const orgId = r.parties[rule.party];
        if (!orgId || (rule.role !== 'clerk' && rule.role !== 'orgdept')) continue;
        const key = `${rule.role}:${orgId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        list.push({ orgId, role: rule.role });
      }
      pairs.set(r.id, list);
    }
    const names = await this.labels.names([...pairs.values()].flat().map((h) => h.orgId));
    return new Map(
      [...pairs].map(([id, list]) => [id, list.map((h) => ({ ...h, orgName: names.get(h.orgId) ?? null }))]),
    );
  }

  /**
   * 催办: notifies the organizations holding an overdue case and records who urged whom, once per case and
   * day. Checks, in order: the caller supervises something (403), the case exists and is in scope (404), the
   * caller supervises this case (403), it is open (422 EVENT_NOT_ALLOWED) and overdue (422 RULE_VIOLATION).
   */
  async urge(
    principal: Principal,
    caseId: string,
    body: { comment?: string },
  ): Promise<{ urge: UrgeView; repeated: boolean }> {
    const w = this.powers(principal);
    if (!SupervisionService.any(w))
      throw AppError.forbidden('只有督查员、系统管理员或负责监督该流程的组织部门可以催办');
    const record = await this.engine.findCase(principal, caseId);
    const def = this.registry.get(record.workflow, record.definitionVersion);
    const as: RoleAssignment | undefined = w.all
      ? principal.roles.find((r) => r.role === 'admin')
      : (principal.roles.find((r) => r.role === 'supervisor' && record.scopeOrgIds.includes(r.orgId)) ??
        w.overseer.find((r) =>
          (def.overseers ?? []).some((o) => o.role === r.role && record.parties[o.party] === r.orgId),
        ));
    if (!as) throw AppError.forbidden('您不负责监督此流程，不能催办此案件');
    if (record.status !== 'open')
      throw new AppError(HttpStatus.UNPROCESSABLE_ENTITY, 'EVENT_NOT_ALLOWED', '案件已办结，无需催办');
    const [view] = await this.cases.views(principal, [record]);
    const late = view.deadlines.filter((d) => d.kind === 'deadline' && d.overdue);
    if (!late.length) throw AppError.rule('案件尚无逾期的期限，无需催办');
    const holders = (await this.holdersOf([record])).get(record.id) ?? [];
    if (!holders.length) throw AppError.rule('案件当前环节没有承办组织可催办');

    const now = this.clock.now();
    const day = this.calendar.toDate(now);
    const due = new Date(late[0].dueAt);
    const subjectLabel = view.subjectName
      ? `${SUBJECT_PREFIX[def.subjectKind] ?? '对象'}：${view.subjectName}`
      : undefined;
    const urgerOrg = (await this.labels.names([as.orgId])).get(as.orgId) ?? '';
    const comment = body.comment?.trim() || null;
    const rendered = {
      title: `【督办催办】${def.title}：${view.stateTitle}`,
      body:
        `${urgerOrg}${principal.displayName ? `（${principal.displayName}）` : ''}催办：您的“${view.stateTitle}”待办` +
        `${subjectLabel ? `（${subjectLabel}）` : ''}已于 ${formatChineseDate(due)} 逾期，请尽快办理。` +
        (comment ? `督办意见：${comment}` : ''),
    };
    const result = await this.ds.transaction(async (em) => {
      const existing = await this.repo.urgeOn(record.id, day, em);
      if (existing) return { row: existing, repeated: true };
      const sent = await this.notifications.notifyDeadlines(
        em,
        holders.map((h) => ({
          dedupeBase: `urge:${record.id}:${day}`,
          kind: 'urge' as const,
          level: 0,
          caseId: record.id,
          rendered,
          workflowTitle: def.title,
          stateTitle: view.stateTitle,
          deadlineTitle: late[0].title,
          dueAt: due,
          ...(subjectLabel ? { subjectLabel } : {}),
          recipients: { orgId: h.orgId, role: h.role },
          now,
        })),
      );
      const row = await this.repo.insertUrge(em, {
        case_id: record.id,
        on_day: day,
        at: now,
        urged_by: principal.userId,
        urger_role: as.role,
        urger_org_id: as.orgId,
        state: record.state,
        state_title: view.stateTitle,
        targets: holders.map((h) => ({ orgId: h.orgId, role: h.role })),
        notified: sent.inApp,
        comment,
      });
      // another urge of the same case and day committed first: its notices stand, ours were deduplicated
      return row ? { row, repeated: false } : { row: (await this.repo.urgeOn(record.id, day, em))!, repeated: true };
    });
    const [urge] = await this.urgeViews([result.row]);
    return { urge, repeated: result.repeated };
  }

  /** Urges of the cases in the caller's scope, newest first (the supervisors' audit of who urged whom, when). */
  async listUrges(principal: Principal, q: { caseId?: string; page?: number; pageSize?: number }) {
    const pageSize = Math.min(200, q.pageSize ?? 50);
    const page = q.page ?? 1;
    if (q.caseId) await this.engine.findCase(principal, q.caseId);
    const { rows, total } = await this.repo.listUrges({
      scope: isAdmin(principal) ? null : [...new Set(principal.roles.map((r) => r.orgId))],
      caseId: q.caseId,
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { items: await this.urgeViews(rows), total, page, pageSize };
  }

  private async urgeViews(
    rows: (UrgeRow & { workflow?: string; subject?: UrgeView['subject'] })[],
  ): Promise<UrgeView[]> {
    // one read of names: the urger's and the targets' organizations, and the subjects (members, firms or orgs)
    const ids = rows.flatMap((r) => [
      r.urger_org_id,
      ...r.targets.map((t) => t.orgId),
      ...(subjectIdOf(r.subject) ? [subjectIdOf(r.subject)!] : []),
    ]);
    const [names, users] = await Promise.all([
      this.labels.names(ids),
      this.labels.userNames(rows.map((r) => r.urged_by)),
    ]);
    return rows.map((r) => ({
      id: r.id,
      caseId: r.case_id,
      ...(r.workflow ? { workflow: r.workflow } : {}),
      ...(r.subject ? { subject: r.subject, subjectName: names.get(subjectIdOf(r.subject) ?? '') ?? null } : {}),
      day: r.on_day,
      at: new Date(r.at).toISOString(),
      urgedBy: {
        userId: r.urged_by,
        displayName: users.get(r.urged_by) ?? null,
        role: r.urger_role,
        orgId: r.urger_org_id,
        orgName: names.get(r.urger_org_id) ?? null,
      },
      state: r.state,
      stateTitle: r.state_title,
      targets: r.targets.map((t) => ({ ...t, orgName: names.get(t.orgId) ?? null })),
      notified: r.notified,
      comment: r.comment,
    }));
  }
}
