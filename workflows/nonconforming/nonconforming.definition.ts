import { ActorRule, DeadlineSpec, StateMeta, WorkflowDefinition } from '../kernel/definition';
import {
  AppealPayload,
  ApprovePayload,
  NonconformingCreateInput,
  OptionalReasonPayload,
  ProposePayload,
  ReasonPayload,
  RecordInvestigationPayload,
  RecordMeetingPayload,
  RecordPartyProbationPayload,
  RecordTalkPayload,
  ReviewCorrectionPayload,
  SuspendMembershipPayload,
} from './nonconforming.events';
import {
  NONCONFORMING_KEY,
  NONCONFORMING_POLICY_DEFAULTS,
  appealRule,
  approveRule,
  lapseRule,
  meetingRule,
  nonconformingMachine,
  partyProbationRule,
  proposeRule,
  restoreRule,
  reviewCorrectionRule,
  singleOpenCaseRule,
  suspendRule,
  talkRule,
} from './nonconforming.machine';

const clerk = (party: string): ActorRule => ({ role: 'clerk', party });
/** Branch, branch committee and branch secretary all act as the branch's clerk. */
const BRANCH = clerk('branch');
const UPPER = clerk('branchUpper');

const due = (state: string, title: string, amount: number, unit: 'wd' | 'm'): DeadlineSpec => ({
  key: `${state}.due`,
  title,
  amount,
  unit,
  anchor: { kind: 'entry' },
});

/**
 * 申诉期: 1 m from the decision (first entry into `removed` / `withdrawn`, so a dismissed appeal does not
 * open a new window). Nobody has to act: no reminders, no escalation; the clock closes the case.
 */
const APPEAL_WINDOW: DeadlineSpec = {
  key: 'appeal_window',
  title: '申诉期（处置决定后1个月）',
  amount: 1,
  unit: 'm',
  anchor: { kind: 'context', path: 'decidedOn' },
  fireEvent: 'APPEAL_WINDOW_CLOSED',
  remindAt: [],
  escalate: false,
};

const states: Record<string, StateMeta> = {
  proposed: { title: '提出处置意见', actors: [BRANCH] },
  filing: { title: '上级党组织备案', actors: [UPPER], deadlines: [due('filing', '处置意见备案期限', 10, 'wd')] },
  investigation: { title: '调查核实', actors: [BRANCH], deadlines: [due('investigation', '调查核实期限', 1, 'm')] },
  talk: { title: '谈话（两名正式党员）', actors: [BRANCH] },
  pre_review: { title: '上级党组织预审', actors: [UPPER], deadlines: [due('pre_review', '预审期限', 1, 'm')] },
  branch_meeting: { title: '支部大会讨论（听取本人申辩）', actors: [BRANCH] },
  approval: { title: '上级党组织审批', actors: [UPPER], deadlines: [due('approval', '处置审批期限', 1, 'm')] },
  correction_period: {
    title: '限期改正',
    actors: [BRANCH],
    deadlines: [
      {
        // The period (policy `correctionMonths`, or the months approved) is computed into `correctionDueOn`.
        key: 'correction_period.due',
        title: '改正期满复核',
        amount: 0,
        unit: 'd',
        anchor: { kind: 'context', path: 'correctionDueOn' },
      },
    ],
  },
  persuasion: { title: '劝其退党', actors: [BRANCH], deadlines: [due('persuasion', '劝退期限', 1, 'm')] },
  removed: { title: '已除名（申诉期内）', actors: [UPPER, BRANCH], deadlines: [APPEAL_WINDOW] },
  withdrawn: { title: '已劝退（申诉期内）', actors: [UPPER, BRANCH], deadlines: [APPEAL_WINDOW] },
  appeal_review: { title: '申诉复查', actors: [UPPER], deadlines: [due('appeal_review', '申诉复查期限', 3, 'm')] },
  suspended: {
    title: '停止党籍',
    actors: [BRANCH],
    deadlines: [
      {
        key: 'suspended.lapse',
        title: '停止党籍满2年未恢复（按自行脱党处理）',
        amount: 0,
        unit: 'd',
        anchor: { kind: 'context', path: 'suspensionLapsesOn' },
        fireEvent: 'SUSPENSION_LAPSED',
        escalate: false,
      },
    ],
  },
  closed_dropped: { title: '不予处置，结案' },
  closed_restored: { title: '已改正（恢复），结案' },
  closed_removed: { title: '除名，结案' },
  closed_withdrawn: { title: '劝退，结案' },
  closed_disciplined: { title: '给予留党察看处分，结案' },
};

export const nonconformingDefinition: WorkflowDefinition = {
  key: NONCONFORMING_KEY,
  version: 1,
  title: '处置不合格党员',
  subjectKind: 'member',
  oneOpenPerSubject: true,
  machine: nonconformingMachine,
  createInput: NonconformingCreateInput,
  parties: (subject) => {
    if (!subject.member) return { error: '处置不合格党员的对象须为党员' };
    return { branch: subject.member.orgId };
  },
  openers: [BRANCH, UPPER],
  // the registry status is kept in the context: an upheld appeal restores a probationary member as probationary
  openingFacts: ['memberHasOpenNonconforming', 'memberRegistryStatus'],
  openingRule: (_input, facts) => singleOpenCaseRule(facts),
  states,
  events: {
    PROPOSE: { title: '提出处置意见', payload: ProposePayload, rule: proposeRule },
    ACK_FILING: { title: '备案' },
    RECORD_INVESTIGATION: { title: '登记调查核实情况', payload: RecordInvestigationPayload },
    RECORD_TALK: {
      title: '登记谈话情况',
      payload: RecordTalkPayload,
      facts: ['memberIdsUnderProbation'],
      rule: talkRule,
    },
    PASS_PRE_REVIEW: { title: '预审通过' },
    DROP: { title: '不予处置', payload: ReasonPayload },
    RECORD_MEETING: {
      title: '登记支部大会决定',
      payload: RecordMeetingPayload,
      facts: ['fullMembersAtMeeting'],
      rule: meetingRule,
    },
    APPROVE: { title: '批准处置', payload: ApprovePayload, rule: approveRule },
    REJECT: { title: '不予批准', payload: OptionalReasonPayload },
    REVIEW_CORRECTION: { title: '改正期满复核', payload: ReviewCorrectionPayload, rule: reviewCorrectionRule },
    RECORD_WITHDRAWAL: { title: '登记本人退党' },
    RECORD_REFUSAL: { title: '登记本人拒不退党' },
    APPEAL: { title: '登记申诉', payload: AppealPayload, rule: appealRule },
    APPEAL_WINDOW_CLOSED: { title: '申诉期届满', system: true },
    UPHOLD_APPEAL: { title: '申诉成立，撤销处置', payload: OptionalReasonPayload },
    DISMISS_APPEAL: { title: '驳回申诉', payload: OptionalReasonPayload },
    // 党章 art. 9: the branch may find the member out of contact at any of its own steps before the decision, the
    // correction period and persuasion included. Not in the upper committee's steps (filing, pre-review, approval):
    // there the case is the committee's task, and the branch suspends once the case is back with it
    SUSPEND_MEMBERSHIP: {
      title: '停止党籍（失去联系）',
      payload: SuspendMembershipPayload,
      actors: [BRANCH],
      rule: suspendRule,
    },
    RESTORE: { title: '恢复党籍', payload: OptionalReasonPayload, rule: restoreRule },
    SUSPENSION_LAPSED: { title: '停止党籍满2年（自行脱党）', system: true, rule: lapseRule },
    RECORD_PARTY_PROBATION: {
      title: '登记留党察看处分（结案）',
      payload: RecordPartyProbationPayload,
      actors: [UPPER],
      rule: partyProbationRule,
    },
  },
  policyDefaults: { ...NONCONFORMING_POLICY_DEFAULTS },
};
