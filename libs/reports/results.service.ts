import { HttpStatus, Injectable } from '@nestjs/common';
import { annualReviewOnceKey } from '../../workflows/annual-review/annual-review.machine';
import { gradeUpgradeOnceKey, upgradeOutcome } from '../../workflows/grade-upgrade/grade-upgrade.machine';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { FollowUpsRepository } from '../engine/follow-ups.repository';
import { MemberChangesRepository } from '../registry/member-changes.repository';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { OrganizationsRepository } from '../registry/organizations.repository';
import { scopePrefixes } from '../registry/scope';
import { ResultsRepository } from './results.repository';

const inScope = (path: string | null | undefined, prefixes: string[]) =>
  !!path && prefixes.some((p) => p === '%' || path.startsWith(p.slice(0, -1)));

export interface TimelineEntry {
  at: string;
  kind: 'joined' | 'registered' | 'case_event' | 'registry_change' | 'follow_up' | 'discipline' | 'rating';
  title: string;
  caseId?: string | null;
  workflow?: string;
  detail?: Record<string, unknown>;
}

/** What the procedures produce, readable: grades, the 七一 list, the firm assessment, a member's timeline. */
@Injectable()
export class ResultsService {
  constructor(
    private readonly orgs: OrganizationsRepository,
    private readonly repo: ResultsRepository,
    private readonly followUps: FollowUpsRepository,
    private readonly memberChanges: MemberChangesRepository,
    private readonly workflows: WorkflowRegistry,
  ) {}

  /**
   * What a history row did, in the words of the case's own definition version ("党员组织关系转接：同意转出"):
   * the member's page must never show an event key. A definition no longer registered falls back to the latest.
   */
  private eventTitle(workflow: string, version: number, type: string): string {
    const def = !this.workflows.has(workflow)
      ? undefined
      : (() => {
          try {
            return this.workflows.get(workflow, version);
          } catch {
            return this.workflows.latest(workflow);
          }
        })();
    if (!def) return type === 'OPEN' ? '发起流程' : '流程事项';
    const what = type === 'OPEN' ? '发起' : (def.events[type]?.title ?? '流程事项');
    return `${def.title}：${what}`;
  }

  async grades(principal: Principal, q: { year?: number; orgId?: string }) {
    const prefixes = await scopePrefixes(this.orgs, principal);
    if (!prefixes.length) return [];
    let underPath: string | undefined;
    if (q.orgId) {
      const path = isUuid(q.orgId) ? await this.repo.orgPath(q.orgId) : undefined;
      if (!path || !inScope(path, prefixes)) throw AppError.notFound('党组织');
      underPath = path;
    }
    return this.repo.grades({ year: q.year, underPath }, prefixes);
  }

  /**
   * 分类定级 → 晋位升级: every organization graded II or III in `year`, its 晋位升级 case (state, target grade) and
   * what the next year's grade made of it (`upgraded`, `unchanged`, `downgraded`, or `pending` until graded).
   */
  async gradeUpgrades(principal: Principal, q: { year: number; orgId?: string }) {
    const prefixes = await scopePrefixes(this.orgs, principal);
    if (!prefixes.length) return { year: q.year, items: [] };
    let underPath: string | undefined;
    if (q.orgId) {
      const path = isUuid(q.orgId) ? await this.repo.orgPath(q.orgId) : undefined;
      if (!path || !inScope(path, prefixes)) throw AppError.notFound('党组织');
      underPath = path;
    }
    const graded: any[] = await this.repo.gradesToUpgrade(q.year, prefixes, underPath);
    const cases = new Map(
      (await this.repo.casesByOnceKey(graded.map((g) => gradeUpgradeOnceKey(g.orgId, g.year)))).map((c) => [
        c.onceKey,
        c,
      ]),
    );
    const items = graded.map((g) => {
      const c = cases.get(gradeUpgradeOnceKey(g.orgId, g.year));
      return {
        orgId: g.orgId,
        name: g.name,
        type: g.type,
        year: g.year,
        grade: g.grade,
        score: g.score,
        nextGrade: g.nextGrade ?? null,
        nextScore: g.nextScore ?? null,
        outcome: upgradeOutcome(g.grade, g.nextGrade),
        case: c ? { id: c.caseId, state: c.state, status: c.status, targetGrade: c.targetGrade } : null,
      };
    });
    return { year: q.year, items };
  }

  async commendations(principal: Principal, year: number) {
    const prefixes = await scopePrefixes(this.orgs, principal);
    if (!prefixes.length) return { year, members: [], organizations: [] };
    const [members, organizations] = await Promise.all([
      this.repo.commendedMembers(year, prefixes),
      this.repo.commendedOrgs(year, prefixes),
    ]);
    return { year, members, organizations };
  }

  /** For the licensing side's annual assessment of a firm (signed GET, or a user with the firm in scope). */
  async firmAssessment(firmId: string, year: number, principal?: Principal) {
    const firm = isUuid(firmId) ? await this.repo.firm(firmId) : undefined;
    if (!firm) throw AppError.notFound('律师事务所');
    if (principal && !inScope(firm.path, await scopePrefixes(this.orgs, principal)))
      throw AppError.notFound('律师事务所');
    const { grade, ratings, nonconformingOpen } = await this.repo.firmAssessment(
      firm.id,
      firm.partyOrgId,
      year,
      firm.partyOrgId ? annualReviewOnceKey(firm.partyOrgId, year) : null,
    );
    const count = (r: string) => ratings.find((x) => x.rating === r)?.n ?? 0;
    return {
      firmId: firm.id,
      year,
      ...(firm.partyOrgId ? { partyOrgId: firm.partyOrgId } : {}),
      ...(grade ? { grade: grade.grade, score: grade.score, caseId: grade.caseId } : {}),
      ratings: {
        excellent: count('excellent'),
        qualified: count('qualified'),
        basic: count('basically_qualified'),
        unqualified: count('unqualified'),
      },
      nonconformingOpen,
    };
  }

  /** Every case event and registry change of one member, oldest first. */
  async timeline(principal: Principal, memberId: string): Promise<{ memberId: string; entries: TimelineEntry[] }> {
    const member = isUuid(memberId) ? await this.repo.memberPath(memberId) : undefined;
    if (!member || !inScope(member.path, await scopePrefixes(this.orgs, principal))) throw AppError.notFound('党员');
    const [history, changes, followUps, disciplines, ratings] = await Promise.all([
      this.repo.memberCaseHistory(memberId),
      this.memberChanges.forMember(memberId),
      this.followUps.forMember(memberId),
      this.repo.memberDisciplines(memberId),
      this.repo.memberRatings(memberId),
    ]);
    const iso = (d: Date | string) => new Date(d).toISOString();
    const entries: TimelineEntry[] = [
      // the 入党日期 on record, the day the branch admitted them as a probationary member (midnight in Beijing):
      // usually long before the registry knew them
      ...(member.joinedOn
        ? [{ at: iso(`${member.joinedOn}T00:00:00+08:00`), kind: 'joined' as const, title: '接收为预备党员' }]
        : []),
      { at: iso(member.createdAt), kind: 'registered', title: '登记入党员信息库' },
      ...history.map((h: any) => ({
        at: iso(h.at),
        kind: 'case_event' as const,
        title: this.eventTitle(h.workflow, h.definitionVersion, h.type),
        caseId: h.caseId,
        workflow: h.workflow,
        detail: { type: h.type, from: h.from, to: h.to, actor: h.actor?.username, comment: h.comment ?? undefined },
      })),
      ...changes.map((c) => ({
        at: iso(c.at),
        kind: 'registry_change' as const,
        title: c.field === 'status' ? '党员状态变更' : '组织关系变更',
        caseId: c.caseId,
        detail: { field: c.field, from: c.oldValue, to: c.newValue },
      })),
      ...followUps.map((f) => ({
        at: iso(f.at),
        kind: 'follow_up' as const,
        title:
          f.outcome === 'opened'
            ? '自动启动后续流程'
            : f.outcome === 'attached'
              ? '后续事项并入已有案件'
              : '后续流程未能启动',
        caseId: f.followUpCaseId,
        workflow: f.workflow,
        detail: { triggeredBy: f.caseId, outcome: f.outcome, trigger: f.trigger, message: f.message },
      })),
      ...disciplines.map((d: any) => ({
        at: iso(d.recordedAt),
        kind: 'discipline' as const,
        title: `处分：${d.sanction}`,
        caseId: d.caseId,
        detail: { reason: d.reason, decidedOn: d.decidedOn, authority: d.authority },
      })),
      ...ratings.map((r: any) => ({
        at: iso(r.at),
        kind: 'rating' as const,
        title: `${r.year}年度民主评议`,
        caseId: r.caseId,
        workflow: 'annual-review',
        detail: { year: r.year, rating: r.rating },
      })),
    ];
    entries.sort((a, b) => a.at.localeCompare(b.at));
    return { memberId, entries };
  }
}

export const requireYear = (year: number | undefined): number => {
  if (year === undefined)
    throw new AppError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', '输入数据校验失败', [
      { field: 'year', errors: ['year 为必填项'] },
    ]);
  return year;
};
