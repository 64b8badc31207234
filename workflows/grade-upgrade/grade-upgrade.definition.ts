import { ActorRule, WorkflowDefinition } from '../kernel/definition';
import {
  AcceptRectificationPayload,
  GradeUpgradeCreateInput,
  RecordProgressPayload,
  ReturnPlanPayload,
  SubmitPlanPayload,
} from './grade-upgrade.events';
import {
  acceptRule,
  GRADE_UPGRADE_KEY,
  gradeUpgradeMachine,
  gradeUpgradeOnceKey,
  openingProblem,
  planRule,
  progressRule,
} from './grade-upgrade.machine';

const clerk = (party: string): ActorRule => ({ role: 'clerk', party });
const BRANCH = [clerk('branch')];
const UPPER = [clerk('branchUpper')];

/** Opened by the annual review's completion for a grade II or III (or by hand by the committee above). */
export const gradeUpgradeDefinition: WorkflowDefinition = {
  key: GRADE_UPGRADE_KEY,
  version: 1,
  title: '晋位升级',
  subjectKind: 'org',
  machine: gradeUpgradeMachine,
  createInput: GradeUpgradeCreateInput,
  parties: (subject) => {
    if (!subject.org) return { error: '晋位升级的对象须为党组织' };
    return { branch: subject.org.id };
  },
  openers: [clerk('branchUpper'), clerk('city')],
  openingRule: (input: GradeUpgradeCreateInput) => openingProblem(input),
  onceKey: (subject, input: GradeUpgradeCreateInput) => gradeUpgradeOnceKey(subject.orgId!, input.year),
  states: {
    plan: {
      title: '制定晋位升级措施',
      actors: BRANCH,
      deadlines: [{ key: 'plan.due', title: '晋位升级措施报送期限', amount: 1, unit: 'm', anchor: { kind: 'entry' } }],
    },
    plan_review: {
      title: '上级党组织审核晋位升级措施',
      actors: UPPER,
      deadlines: [{ key: 'plan_review.due', title: '审核期限', amount: 10, unit: 'wd', anchor: { kind: 'entry' } }],
    },
    rectifying: {
      title: '整改提升',
      actors: BRANCH,
      deadlines: [
        {
          key: 'rectifying.due',
          title: '整改验收期限（次年年底前）',
          amount: 0,
          unit: 'd',
          anchor: { kind: 'context', path: 'rectifyBy' },
        },
      ],
    },
    completed: { title: '整改已验收' },
  },
  events: {
    SUBMIT_PLAN: { title: '报送晋位升级措施', payload: SubmitPlanPayload, rule: planRule },
    APPROVE_PLAN: { title: '同意晋位升级措施' },
    RETURN_PLAN: { title: '退回晋位升级措施', payload: ReturnPlanPayload },
    RECORD_PROGRESS: { title: '登记整改进展', payload: RecordProgressPayload, actors: BRANCH, rule: progressRule },
    ACCEPT_RECTIFICATION: {
      title: '整改验收',
      payload: AcceptRectificationPayload,
      actors: UPPER,
      rule: acceptRule,
    },
  },
};
