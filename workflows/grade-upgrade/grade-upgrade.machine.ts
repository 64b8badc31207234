/**
 * 晋位升级: 分类定级 leads on to moving up a grade (Hunan work points: "做好…党支部分类定级工作，促进晋位升级").
 * A branch graded II 一般 or III 后进 in year Y draws up its measures and a target grade, the upper committee
 * approves them, the branch records its progress during Y+1 and the upper committee accepts (验收) the
 * rectification. Whether it worked is read from the next year's grade (`upgradeOutcome`, the report
 * GET /api/v1/reports/grade-upgrades). Pure XState v5 machine.
 */
import { assign, setup } from 'xstate';
import { CaseInput, Effect, FactName, WorkflowEvent } from '../kernel/definition';
import { compareDates, localDate, toDate } from '../kernel/dates';
import type {
  AcceptRectificationPayload,
  GradeUpgradeCreateInput,
  RecordProgressPayload,
  ReturnPlanPayload,
  SubmitPlanPayload,
  UpgradableGrade,
} from './grade-upgrade.events';

export const GRADE_UPGRADE_KEY = 'grade-upgrade';

/** One upgrade case per organization and graded year. */
export const gradeUpgradeOnceKey = (orgId: string, year: number) => `${GRADE_UPGRADE_KEY}:${orgId}:${year}`;

export const GRADE_TITLES: Record<'I' | 'II' | 'III', string> = { I: '先进', II: '一般', III: '后进' };
const RANK: Record<string, number> = { I: 1, II: 2, III: 3 };

/** The grade of the next year against the one that opened the case; `pending` until the next year is graded. */
export type UpgradeOutcome = 'upgraded' | 'unchanged' | 'downgraded' | 'pending';
export function upgradeOutcome(grade: string, nextGrade: string | null | undefined): UpgradeOutcome {
  if (!nextGrade || !RANK[nextGrade] || !RANK[grade]) return 'pending';
  if (RANK[nextGrade] < RANK[grade]) return 'upgraded';
  return RANK[nextGrade] === RANK[grade] ? 'unchanged' : 'downgraded';
}

export interface GradeUpgradeContext {
  orgId: string;
  year: number;
  grade: UpgradableGrade;
  score?: number;
  openedAt: string;
  /** ISO date: the rectification is due by the end of the next year, before that year's review [U] */
  rectifyBy: string;
  plan?: { measures: string; targetGrade: 'I' | 'II'; submittedOn: string; approvedOn?: string };
  returns: { on: string; reason: string }[];
  progress: { on: string; summary: string }[];
  acceptance?: { on: string; summary: string };
}

type Facts = Partial<Record<FactName, any>>;
type Ev<T extends string, D> = { type: T; at?: string; facts?: Facts; data: D };
export type GradeUpgradeEvent =
  | Ev<'SUBMIT_PLAN', SubmitPlanPayload>
  | { type: 'APPROVE_PLAN'; at?: string; facts?: Facts; data?: undefined }
  | Ev<'RETURN_PLAN', ReturnPlanPayload>
  | Ev<'RECORD_PROGRESS', RecordProgressPayload>
  | Ev<'ACCEPT_RECTIFICATION', AcceptRectificationPayload>;

type Rule = (context: GradeUpgradeContext, event: WorkflowEvent) => string | null;

/** An organization may be opened only for grade II or III: grade I has nowhere to move up to. */
export function openingProblem(input: Partial<GradeUpgradeCreateInput> | undefined): string | null {
  if (input?.grade !== 'II' && input?.grade !== 'III') return '只有定级为一般（II）或后进（III）的党组织需要晋位升级';
  return null;
}

/** The target is a better grade than the one given. */
export const planRule: Rule = (context, event) => {
  const target = (event.data as SubmitPlanPayload | undefined)?.targetGrade;
  if (!target || !RANK[target]) return '请填写晋位升级的目标等次';
  if (RANK[target] >= RANK[context.grade])
    return `晋位升级的目标等次须高于${context.year}年度的定级（${GRADE_TITLES[context.grade]}）`;
  return null;
};

/** Progress is recorded on a past day, not before the grade's year ended. */
export const progressRule: Rule = (context, event) => {
  const on = (event.data as RecordProgressPayload | undefined)?.on;
  if (!on) return '请填写整改进展的日期';
  if (compareDates(on, localDate(event.at, context.openedAt)) > 0) return '整改进展的日期不得晚于今天';
  if (compareDates(on, `${context.year}-12-31`) <= 0) return `整改进展的日期应在${context.year}年度之后`;
  return null;
};

/** 验收 needs something to accept: at least one progress record. */
export const acceptRule: Rule = (context) => (context.progress.length ? null : '尚未登记任何整改进展，不能验收');

export const gradeUpgradeMachine = setup({
  types: {} as {
    context: GradeUpgradeContext;
    events: GradeUpgradeEvent;
    input: CaseInput<GradeUpgradeCreateInput>;
  },
  actions: { effect: (_args, _params: Effect) => {} },
  guards: {
    planOk: ({ context, event }) => planRule(context, event as WorkflowEvent) === null,
    progressOk: ({ context, event }) => progressRule(context, event as WorkflowEvent) === null,
    acceptOk: ({ context, event }) => acceptRule(context, event as WorkflowEvent) === null,
  },
}).createMachine({
  id: GRADE_UPGRADE_KEY,
  initial: 'plan',
  context: ({ input }) => ({
    orgId: input.subject.orgId!,
    year: input.input.year,
    grade: input.input.grade,
    ...(input.input.score !== undefined ? { score: input.input.score } : {}),
    openedAt: input.at,
    rectifyBy: `${input.input.year + 1}-12-31`,
    returns: [],
    progress: [],
  }),
  states: {
    plan: {
      on: {
        SUBMIT_PLAN: {
          guard: 'planOk',
          target: 'plan_review',
          actions: assign({
            plan: ({ context, event }) => ({
              measures: event.data.measures,
              targetGrade: event.data.targetGrade,
              submittedOn: localDate(event.at, context.openedAt),
            }),
          }),
        },
      },
    },
    plan_review: {
      on: {
        APPROVE_PLAN: {
          target: 'rectifying',
          actions: assign({
            plan: ({ context, event }) => ({ ...context.plan!, approvedOn: localDate(event.at, context.openedAt) }),
          }),
        },
        RETURN_PLAN: {
          target: 'plan',
          actions: assign({
            returns: ({ context, event }) => [
              ...context.returns,
              { on: localDate(event.at, context.openedAt), reason: event.data.reason },
            ],
          }),
        },
      },
    },
    rectifying: {
      on: {
        RECORD_PROGRESS: {
          guard: 'progressOk',
          actions: assign({
            progress: ({ context, event }) => [
              ...context.progress,
              { on: toDate(event.data.on), summary: event.data.summary },
            ],
          }),
        },
        ACCEPT_RECTIFICATION: {
          guard: 'acceptOk',
          target: 'completed',
          actions: assign({
            acceptance: ({ context, event }) => ({
              on: localDate(event.at, context.openedAt),
              summary: event.data.summary,
            }),
          }),
        },
      },
    },
    completed: { type: 'final' },
  },
});
