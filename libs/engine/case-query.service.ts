import { Injectable } from '@nestjs/common';
import { isAdmin, Principal, scopeOrgIds } from '../auth/principal';
import { WorkingCalendar } from '../calendar/working-calendar';
import { canonicalUuid, isUuid } from '../common/uuid';
import { checkOffset, COUNT_CAP, decodeCursor, encodeCursor } from '../common/keyset';
import { CaseLabelsRepository } from './case-labels.repository';
import { CaseViewExtras, CaseViewsRepository, subjectIdOf, viewNameIds } from './case-views.repository';
import { CaseFilter as CaseRowFilter, CasesRepository } from './cases.repository';
import { Clock } from './clock';
import { currentStepsTitle } from './state-paths';
import { CaseRecord, EngineService } from './engine.service';
import { TaskRule, taskRules } from './task-rules';
import { TASKS_COUNT_CAP, TasksRepository } from './tasks.repository';
import { WorkflowRegistry } from './workflow-registry';

/** `GET /tasks` without paging parameters: the first page of this size. */
export const TASKS_DEFAULT_PAGE_SIZE = 200;
export { TASKS_COUNT_CAP };

/** The case list's filter: the rows' (CasesRepository) and what the list adds — a text search and paging. */
export interface CaseFilter extends CaseRowFilter {
  /** Free text: the subject's name (member, firm or organization) contains it. */
  q?: string;
  page?: number;
  pageSize?: number;
  cursor?: string;
}

export interface DeadlineView {
  key: string;
  title: string;
  state: string;
  dueAt: string;
  kind: 'reminder' | 'deadline' | 'escalation';
  level: number;
  overdue: boolean;
  provisional: boolean;
  rule: string;
}

/** Read side of cases: the API's `Case` shape, lists, history and each user's task list. */
@Injectable()
export class CaseQueryService {
  constructor(
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
    private readonly labels: CaseLabelsRepository,
    private readonly calendar: WorkingCalendar,
    private readonly tasksRepo: TasksRepository,
    private readonly casesRepo: CasesRepository,
    private readonly caseViews: CaseViewsRepository,
  ) {}

  /** The case's view; `extras` when the caller already has them (a transition's statement read them). */
  async view(principal: Principal, record: CaseRecord, extras?: CaseViewExtras) {
    const [view] = await this.views(principal, [record], extras);
    return view;
  }

  async views(principal: Principal, records: CaseRecord[], extras?: CaseViewExtras) {
    const { timers, followUps, names } =
      extras ??
      (await this.caseViews.extras(
        records.map((r) => r.id),
        viewNameIds(records),
      ));
    const now = this.clock.now();
    // grouped by case once: a page of 200 cases must not scan every timer and follow-up of the page per case
    const timersOf = groupBy(timers, (t) => [t.case_id]);
    const followUpsOf = groupBy(followUps, (f) => (f.followUpCaseId ? [f.caseId, f.followUpCaseId] : [f.caseId]));
    return records.map((r) => {
      const def = this.registry.get(r.workflow, r.definitionVersion);
      // the deadlines of the current visits: every remaining stage (upcoming reminders, the deadline, escalations),
      // and the deadline itself once passed, so an overdue case stays overdue (and first in the task list)
      const deadlines: DeadlineView[] = (timersOf.get(r.id) ?? [])
        .filter((t) => r.status === 'open' && inCurrentVisit(r, t))
        .flatMap((t) =>
          (t.stages as { kind: DeadlineView['kind']; level: number; at: string }[])
            .filter((s, i) => i >= t.next_stage || s.kind === 'deadline')
            .map((s) => ({
              key: t.deadline_key,
              title: t.title,
              state: t.state_path,
              dueAt: new Date(s.at).toISOString(),
              kind: s.kind,
              level: s.level,
              overdue: new Date(t.due_at) < now,
              provisional: t.provisional,
              rule: t.rule,
            })),
        )
        .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
      return {
        id: r.id,
        workflow: r.workflow,
        workflowTitle: def.title,
        definitionVersion: r.definitionVersion,
        policyVersion: r.policyVersion,
        state: r.state,
        stateTitle: currentStepsTitle(def, r.statePaths),
        status: r.status,
        subject: r.subject,
        subjectName: names.get(subjectIdOf(r.subject) ?? '') ?? null,
        parties: r.parties,
        /** Names of the parties' organizations, by id. */
        orgNames: Object.fromEntries(
          Object.values(r.parties ?? {})
            .filter((id) => id && names.has(id))
            .map((id) => [id, names.get(id)!]),
        ),
        context: r.snapshot.context,
        version: r.version,
        openedAt: new Date(r.openedAt).toISOString(),
        updatedAt: new Date(r.updatedAt).toISOString(),
        closedAt: r.closedAt ? new Date(r.closedAt).toISOString() : null,
        deadlines,
        followUps: followUpsOf.get(r.id) ?? [],
        availableEvents: this.engine.availableEvents(principal, r),
      };
    });
  }

  /** A page of cases in the caller's scope, newest change first: after `cursor` (keyset), else at `page` within COUNT_CAP. */
  async list(principal: Principal, f: CaseFilter) {
    const pageSize = Math.min(f.pageSize ?? 50, 200);
    const page = f.page ?? 1;
    const after = f.cursor ? decodeCursor(f.cursor, ['time', 'uuid']) : undefined;
    const { rows, count } = await this.casesRepo.list({
      ...f,
      scopeOrgIds: isAdmin(principal) ? null : scopeOrgIds(principal),
      now: this.clock.now(),
      subjectIds: f.q?.trim() ? await this.labels.subjectsMatching(f.q.trim()) : undefined,
      after,
      offset: after ? 0 : checkOffset(page, pageSize),
      limit: pageSize + 1,
      countCap: COUNT_CAP,
    });
    const items = rows.slice(0, pageSize);
    const last = items[items.length - 1];
    return {
      items: await this.views(
        principal,
        items.map(({ cursorAt: _c, ...r }) => r as CaseRecord),
      ),
      total: Math.min(count, COUNT_CAP),
      totalCapped: count > COUNT_CAP,
      page: after ? null : page,
      pageSize,
      nextCursor: rows.length > pageSize ? encodeCursor([last.cursorAt, last.id]) : null,
    };
  }

  async history(principal: Principal, caseId: string) {
    // the case (for the scope check) and its history with the actors' names, read side by side: one wait for the
    // database instead of three in a row. Rows of a case the caller may not see are dropped with the 404
    const [, rows] = await Promise.all([
      this.engine.findCase(principal, caseId),
      isUuid(caseId) ? this.casesRepo.history(canonicalUuid(caseId)) : [],
    ]);
    return rows.map(({ actorDisplayName, actorOrgName, ...r }) => ({
      ...r,
      at: new Date(r.at).toISOString(),
      actor: {
        ...r.actor,
        displayName: r.actor?.username === 'system' ? '系统' : (actorDisplayName ?? null),
        orgName: actorOrgName ?? null,
      },
    }));
  }

  /**
   * The caller's tasks, one page at a time: selected and ordered in SQL from the parties and states the
   * definitions declare (TasksRepository), then checked by the engine itself (guards, rules) for the page.
   * Ordered by the next deadline, the earliest (and overdue) first.
   */
  async tasks(principal: Principal, paging: { page?: number; pageSize?: number } = {}) {
    const pageSize = paging.pageSize ?? TASKS_DEFAULT_PAGE_SIZE;
    const page = paging.page ?? 1;
    this.rules ??= this.registry.allVersions().flatMap(taskRules);
    const { ids, total } = await this.tasksRepo.page({
      rules: this.rules,
      roles: principal.roles,
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    const rows = await this.casesRepo.findByIds(ids);
    // in the page's order (SQL: the earliest deadline of the current visit first, overdue ones before the rest)
    const order = new Map(ids.map((id, i) => [id, i]));
    rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    const actionable = rows.filter((r) => this.engine.availableEvents(principal, r).length > 0);
    const views = await this.views(principal, actionable);
    const now = this.clock.now();
    const items = views.map((v) => {
      const next = v.deadlines.find((d) => d.kind === 'deadline');
      const daysLeft = next && !next.overdue ? this.calendar.workingDaysBetween(now, next.dueAt, 60) : null;
      return {
        ...taskHeading(v),
        dueAt: next?.dueAt ?? null,
        dueProvisional: next?.provisional ?? false,
        overdue: next?.overdue ?? false,
        /** Working days from today until the due day (0: due today), null when overdue or without a deadline. */
        workingDaysLeft: daysLeft,
        /** Due within 3 working days (the console's amber). */
        dueSoon: daysLeft !== null && daysLeft <= 3,
        availableEvents: v.availableEvents,
      };
    });
    return { items, total, page, pageSize };
  }
  private rules?: TaskRule[];
}

/** What every inbox item shows of its case (a task, or a 督办 item): which case, procedure, state and subject. */
export function taskHeading<State, Subject>(v: {
  id: string;
  workflow: string;
  workflowTitle: string;
  state: State;
  stateTitle: string;
  subject: Subject;
  subjectName: string | null;
}) {
  return {
    caseId: v.id,
    workflow: v.workflow,
    workflowTitle: v.workflowTitle,
    state: v.state,
    stateTitle: v.stateTitle,
    title: `${v.workflowTitle}：${v.stateTitle}`,
    subject: v.subject,
    subjectName: v.subjectName,
  };
}

/** A timer row belongs to the visit of its state that is current (a fired one from an earlier visit does not). */
function inCurrentVisit(r: CaseRecord, t: { state_path: string; epoch: number; status: string }): boolean {
  if (!r.statePaths.includes(t.state_path)) return false;
  return t.status === 'pending' || t.epoch >= (r.entered[t.state_path]?.version ?? 0);
}

/** Items by each of the keys `keysOf` gives them, in their order (an item with two keys is in both lists, once each). */
function groupBy<T>(items: T[], keysOf: (item: T) => string[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items)
    for (const key of new Set(keysOf(item))) {
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
  return groups;
}
