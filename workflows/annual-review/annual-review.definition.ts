import { ActorRule, StateMeta, WorkflowDefinition } from '../kernel/definition';
import {
  AnnualReviewCreateInput,
  RecordLeaderCommentPayload,
  RecordMeetingPayload,
  RecordPeerReviewPayload,
  RecordSelfAssessmentsPayload,
  ScorePayload,
  SubmitRatingsPayload,
  SubmitReportPayload,
} from './annual-review.events';
import {
  ANNUAL_REVIEW_KEY,
  ANNUAL_REVIEW_POLICY_DEFAULTS,
  AnnualReviewStep,
  annualReviewMachine,
  annualReviewOnceKey,
  heldOnRule,
  ratingsRule,
  reportRule,
} from './annual-review.machine';

const clerk = (party: string): ActorRule => ({ role: 'clerk', party });
/** The branch, its committee and its secretary all act as the branch's clerk. */
const BRANCH = [clerk('branch')];
/** The committee the branch reports to (for firm organizations: the city 律师行业党委). */
const UPPER = [clerk('branchUpper')];

const step = (state: AnnualReviewStep, title: string, dueTitle: string, actors: ActorRule[]): StateMeta => ({
  title,
  actors,
  // Fixed calendar date computed into context at creation (end of that day, Asia/Shanghai).
  deadlines: [
    { key: `${state}.due`, title: dueTitle, amount: 0, unit: 'd', anchor: { kind: 'context', path: `due.${state}` } },
  ],
});

export const annualReviewDefinition: WorkflowDefinition = {
  key: ANNUAL_REVIEW_KEY,
  version: 1,
  title: '年度考核与述职评议',
  subjectKind: 'org',
  machine: annualReviewMachine,
  createInput: AnnualReviewCreateInput,
  parties: (subject) => {
    if (!subject.org) return { error: '年度考核的对象须为党组织' };
    return { branch: subject.org.id };
  },
  openers: [clerk('branchUpper'), clerk('city')],
  // 年度考核: one review per organization and year, however it is opened (by hand or by a campaign)
  onceKey: (subject, input: AnnualReviewCreateInput) => annualReviewOnceKey(subject.orgId!, input.year),
  states: {
    self_assessment: step('self_assessment', '个人自评', '个人自评截止日期', BRANCH),
    peer_review: step('peer_review', '党员互评', '党员互评截止日期', BRANCH),
    org_life_meeting: step('org_life_meeting', '组织生活会（支部讲评）', '组织生活会截止日期', BRANCH),
    leader_comment: step('leader_comment', '领导点评', '领导点评截止日期', UPPER),
    member_ratings: step('member_ratings', '民主评议党员', '民主评议党员截止日期', BRANCH),
    secretary_report: step('secretary_report', '书记述职', '书记述职截止日期', BRANCH),
    committee_assessment: step('committee_assessment', '上级党委考核定级', '考核定级截止日期', UPPER),
    completed: { title: '考核完成' },
  },
  events: {
    RECORD_SELF_ASSESSMENTS: { title: '登记个人自评', payload: RecordSelfAssessmentsPayload },
    RECORD_PEER_REVIEW: { title: '登记党员互评', payload: RecordPeerReviewPayload, rule: heldOnRule },
    RECORD_MEETING: { title: '登记组织生活会及支部讲评', payload: RecordMeetingPayload, rule: heldOnRule },
    RECORD_LEADER_COMMENT: { title: '登记领导点评', payload: RecordLeaderCommentPayload },
    SUBMIT_RATINGS: {
      title: '提交民主评议等次',
      payload: SubmitRatingsPayload,
      facts: ['fullMemberIdsOfOrg', 'orgMembersOnPartyProbation'],
      rule: ratingsRule,
    },
    SUBMIT_REPORT: {
      title: '提交书记述职报告',
      payload: SubmitReportPayload,
      facts: ['orgSecretary'],
      rule: reportRule,
    },
    SCORE: { title: '考核评分定级', payload: ScorePayload },
  },
  policyDefaults: {
    excellentMaxRatio: ANNUAL_REVIEW_POLICY_DEFAULTS.excellentMaxRatio,
    gradeThresholds: { ...ANNUAL_REVIEW_POLICY_DEFAULTS.gradeThresholds },
    dueDates: { ...ANNUAL_REVIEW_POLICY_DEFAULTS.dueDates },
  },
};
