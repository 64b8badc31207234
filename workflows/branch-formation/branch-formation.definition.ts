import { ActorRule, DeadlineSpec, StateMeta, WorkflowDefinition } from '../kernel/definition';
import {
  AssignInstructorPayload,
  AssignJointBranchPayload,
  BranchFormationCreateInput,
  CloseFirmPayload,
  FirmEstablishedPayload,
  RecordElectionPayload,
  ReturnPayload,
  SubmitApplicationPayload,
  SubmitSurveyPayload,
} from './branch-formation.events';
import {
  BRANCH_FORMATION_KEY,
  BRANCH_FORMATION_POLICY_DEFAULTS,
  applicationRule,
  branchFormationMachine,
  electionRule,
  jointBranchRule,
  secretaryApprovalRule,
  surveyRule,
} from './branch-formation.machine';

const clerk = (party: string): ActorRule => ({ role: 'clerk', party });
const CITY = clerk('city');
const COUNTY = clerk('county');
/** The firm-to-be acts through its own branch clerk once it has one; until then the county records for it. */
const FIRM = [clerk('firmOrg'), COUNTY, CITY];

const due = (state: string, title: string, amount: number): DeadlineSpec => ({
  key: `${state}.due`,
  title,
  amount,
  unit: 'wd',
  anchor: { kind: 'entry' },
});

/**
 * Whole procedure due 3 m after establishment; skipped by the engine while `establishedOn` is unknown. A region
 * changes the period like any other deadline, in its policy file: `workflows["branch-formation"].deadlines
 * ["formation.overall"]` (the engine applies it per the case's policy version). So the title names no period.
 */
export const OVERALL: DeadlineSpec = {
  key: 'formation.overall',
  title: '律师事务所党组织组建总期限（自律师事务所成立之日起）',
  amount: 3,
  unit: 'm',
  anchor: { kind: 'context', path: 'establishedOn' },
  party: 'city',
  // docs/procedures.md §2: overdue escalates to the city committee and the county justice bureau
  escalateTo: ['city', 'county'],
};

const states: Record<string, StateMeta> = {
  survey: {
    title: '党员情况摸底',
    actors: [COUNTY, CITY],
    deadlines: [due('survey', '党员情况摸底期限', 10), OVERALL],
  },
  application: {
    title: '成立党支部申请',
    actors: FIRM,
    deadlines: [due('application', '成立党支部申请期限', 20), OVERALL],
  },
  committee_review: {
    title: '市律师行业党委审批成立',
    actors: [CITY],
    deadlines: [due('committee_review', '成立党支部审批期限', 10), OVERALL],
  },
  election: {
    title: '选举支部委员会（书记）',
    actors: FIRM,
    deadlines: [due('election', '支部选举期限', 20), OVERALL],
  },
  secretary_approval: {
    title: '支部书记审批',
    actors: [CITY],
    deadlines: [due('secretary_approval', '支部书记审批期限', 10), OVERALL],
  },
  joint_assignment: {
    title: '纳入联合党支部',
    actors: [CITY],
    deadlines: [due('joint_assignment', '纳入联合党支部期限', 10), OVERALL],
  },
  instructor_assignment: {
    title: '选派党建工作指导员',
    actors: [CITY, COUNTY],
    deadlines: [due('instructor_assignment', '选派党建工作指导员期限', 10), OVERALL],
  },
  // The firm is covered by an instructor here: only the periodic re-count, no overall deadline (it would be
  // overdue at once and escalate a firm that is already covered).
  monitoring: {
    title: '指导员跟踪（定期摸底）',
    actors: [CITY],
    deadlines: [
      {
        key: 'monitoring.recount',
        title: '党员人数定期复核（每6个月）',
        amount: 0,
        unit: 'd',
        anchor: { kind: 'context', path: 'nextRecountDue' },
        // one notice on the re-count date (the due notice itself), then the clock moves to the next period
        remindAt: [],
        escalate: false,
        // re-enters monitoring, which sets the next re-count date: a reminder every 6 months, not just once
        fireEvent: 'RECOUNT_DUE',
      },
    ],
  },
  established: { title: '党支部已成立' },
  established_joint: { title: '已纳入联合党支部' },
  closed: { title: '已关闭（律师事务所注销）' },
};

export const branchFormationDefinition: WorkflowDefinition = {
  key: BRANCH_FORMATION_KEY,
  version: 1,
  title: '律师事务所党组织组建',
  subjectKind: 'firm',
  machine: branchFormationMachine,
  createInput: BranchFormationCreateInput,
  parties: (subject, input: BranchFormationCreateInput) => {
    const firm = subject.firm;
    if (!firm) return { error: '组建党组织的对象须为律师事务所' };
    if (firm.coverage === 'branch') return { error: '该律师事务所已单独建立党组织' };
    if (input?.headFirmOrgId && firm.kind !== 'branch_office')
      return { error: '只有分所才能登记总所党组织为指导党组织' };
    return { firmOrg: firm.partyOrgId ?? undefined, headFirmOrg: input?.headFirmOrgId };
  },
  openers: [CITY],
  states,
  events: {
    SUBMIT_SURVEY: {
      title: '提交党员情况摸底',
      payload: SubmitSurveyPayload,
      facts: ['memberIdsUnderProbation'],
      rule: surveyRule,
    },
    SUBMIT_APPLICATION: { title: '提交成立党支部申请', payload: SubmitApplicationPayload, rule: applicationRule },
    APPROVE_FORMATION: { title: '批准成立党支部' },
    RETURN: { title: '退回', payload: ReturnPayload },
    RECORD_ELECTION: {
      title: '登记选举结果',
      payload: RecordElectionPayload,
      facts: ['memberIdsOnPartyProbation'],
      rule: electionRule,
    },
    APPROVE_SECRETARY: { title: '批准支部书记', rule: secretaryApprovalRule },
    ASSIGN_JOINT_BRANCH: {
      title: '纳入联合党支部',
      payload: AssignJointBranchPayload,
      facts: ['jointBranchUnitCount'],
      rule: jointBranchRule,
    },
    ASSIGN_INSTRUCTOR: { title: '选派党建工作指导员', payload: AssignInstructorPayload },
    CLOSE_FIRM: { title: '律师事务所注销，关闭', payload: CloseFirmPayload, actors: [CITY] },
    FIRM_ESTABLISHED: { title: '律师事务所成立（执业管理系统）', payload: FirmEstablishedPayload, system: true },
    RECOUNT_DUE: { title: '到期定期复核（进入下一周期）', system: true },
  },
  policyDefaults: { ...BRANCH_FORMATION_POLICY_DEFAULTS },
};
