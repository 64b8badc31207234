import { Injectable } from '@nestjs/common';
import { isAdmin, Principal, scopeOrgIds } from '../auth/principal';
import { Clock } from '../engine/clock';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { AGE_BANDS, ageBandOf } from './age-bands';
import { DashboardRepository, PipelineAgeRow } from './dashboard.repository';

/**
 * The five stages of 发展党员 (《中国共产党发展党员工作细则》) and the machine's top-level states in each,
 * in order: the pipeline shows how many applicants stand at each stage and step.
 */
export const RECRUITMENT_STAGES: { key: string; title: string; states: string[] }[] = [
  { key: 'application', title: '申请入党', states: ['talk_pending', 'applicant'] },
  { key: 'activist', title: '入党积极分子的确定和培养教育', states: ['activist_filing', 'activist'] },
  { key: 'candidate', title: '发展对象的确定和考察', states: ['candidate_filing', 'candidate'] },
  {
    key: 'admission',
    title: '预备党员的接收',
    states: [
      'branch_committee_review',
      'pre_review',
      'volunteer_form',
      'branch_meeting',
      'upper_talk',
      'admission_approval',
      'admission_filing',
    ],
  },
  {
    key: 'probation',
    title: '预备党员的教育考察和转正',
    states: ['probationary', 'conversion_meeting', 'conversion_approval', 'archiving'],
  },
];

/** Outcomes of closed recruitment cases. */
const OUTCOMES: Record<string, string> = {
  completed: '已转为正式党员',
  rejected: '未被接收',
  probation_cancelled: '取消预备党员资格',
  withdrawn: '本人撤回',
  refused: '不予受理',
};

/** The supervisors' dashboards over cases: overdue work and the recruitment pipeline. */
@Injectable()
export class DashboardService {
  constructor(
    private readonly repo: DashboardRepository,
    private readonly registry: WorkflowRegistry,
    private readonly clock: Clock,
  ) {}

  private scope(p: Principal): string[] | null {
    return isAdmin(p) ? null : scopeOrgIds(p);
  }

  async overdue(p: Principal, q: { orgId?: string }) {
    const now = this.clock.now();
    const rows = await this.repo.overdue(now, this.scope(p), q.orgId);
    const title = (key: string) => this.registry.latest(key)?.title ?? key;
    const items = rows.map((r) => ({
      orgId: r.orgId,
      orgName: r.orgName ?? '（未确定组织）',
      county: r.county,
      workflow: r.workflow,
      workflowTitle: title(r.workflow),
      cases: r.cases,
      oldestDueAt: new Date(r.oldestDueAt).toISOString(),
      daysOverdue: Math.floor((now.getTime() - new Date(r.oldestDueAt).getTime()) / 86_400_000),
      caseIds: r.caseIds,
    }));
    const sum = <K extends string>(
      key: (i: (typeof items)[number]) => K,
      name: (i: (typeof items)[number]) => string,
    ) => {
      const m = new Map<K, { key: K; title: string; cases: number }>();
      for (const i of items) {
        const k = key(i);
        const e = m.get(k) ?? { key: k, title: name(i), cases: 0 };
        e.cases += i.cases;
        m.set(k, e);
      }
      return [...m.values()].sort((a, b) => b.cases - a.cases);
    };
    return {
      asOf: now.toISOString(),
      total: items.reduce((n, i) => n + i.cases, 0),
      items,
      byOrg: sum(
        (i) => i.orgId ?? '',
        (i) => i.orgName,
      ).map(({ key, ...rest }) => ({ orgId: key || null, ...rest })),
      byWorkflow: sum(
        (i) => i.workflow,
        (i) => i.workflowTitle,
      ).map(({ key, ...rest }) => ({ workflow: key, ...rest })),
    };
  }

  /**
   * Per age band at the application (Hunan: favour young core lawyers): open cases per stage, how many of them
   * practising lawyers, and the conversions completed.
   */
  private byAgeBand(rows: PipelineAgeRow[]) {
    const stageOf = new Map(RECRUITMENT_STAGES.flatMap((s) => s.states.map((st) => [st, s.key] as const)));
    return AGE_BANDS.map((band) => {
      const mine = rows.filter((r) => ageBandOf(r.age) === band.key);
      const open = mine.filter((r) => r.status === 'open');
      const count = (list: PipelineAgeRow[]) => list.reduce((n, r) => n + r.cases, 0);
      return {
        band: band.key,
        title: band.title,
        open: count(open),
        openLawyers: count(open.filter((r) => r.lawyer)),
        stages: RECRUITMENT_STAGES.map((s) => ({
          key: s.key,
          cases: count(open.filter((r) => stageOf.get(r.state) === s.key)),
        })),
        completed: count(mine.filter((r) => r.status === 'closed' && r.state === 'completed')),
        completedLawyers: count(mine.filter((r) => r.status === 'closed' && r.state === 'completed' && r.lawyer)),
      };
    });
  }

  async recruitmentPipeline(p: Principal, q: { orgId?: string }) {
    const [rows, ageRows] = await Promise.all([
      this.repo.recruitmentByState(this.scope(p), q.orgId),
      this.repo.recruitmentByAge(this.scope(p), q.orgId),
    ]);
    const def = this.registry.latest('recruitment');
    const open = new Map(rows.filter((r) => r.status === 'open').map((r) => [r.state, r.cases]));
    const stages = RECRUITMENT_STAGES.map((s) => {
      const steps = s.states.map((state) => ({
        state,
        title: def?.states[state]?.title ?? state,
        cases: open.get(state) ?? 0,
      }));
      return { key: s.key, title: s.title, cases: steps.reduce((n, x) => n + x.cases, 0), steps };
    });
    const closed = Object.entries(OUTCOMES).map(([state, title]) => ({
      state,
      title,
      cases: rows.filter((r) => r.status === 'closed' && r.state === state).reduce((n, r) => n + r.cases, 0),
    }));
    return { open: stages.reduce((n, s) => n + s.cases, 0), stages, closed, ageBands: this.byAgeBand(ageRows) };
  }
}
