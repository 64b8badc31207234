/** 发展党员 — workflow definition (metadata around the pure machine). docs/procedures.md §3. */
import type { ActorRule, DeadlineSpec, SubjectFacts, WorkflowDefinition } from '../kernel/definition';
import { recruitmentPolicyDefaults } from './recruitment.context';
import {
  ArchivePayload,
  AssignIntroducersPayload,
  AssignSponsorsPayload,
  ConfirmActivistPayload,
  ConfirmCandidatePayload,
  FailPreReviewPayload,
  RecordAssessmentPayload,
  RecordBranchMeetingPayload,
  RecordConversionMeetingPayload,
  RecordOathPayload,
  RecordPoliticalReviewPayload,
  RecordTalkPayload,
  RecordTrainingPayload,
  RecordUpperTalkPayload,
  RecruitmentInput,
  RejectAdmissionPayload,
  WithdrawApplicationPayload,
} from './recruitment.events';
import { recruitmentMachine } from './recruitment.machine';
import {
  archiveRule,
  assessmentRule,
  branchMeetingRule,
  checkRecruitmentOpening,
  confirmActivistRule,
  confirmCandidateRule,
  conversionApplicationRule,
  conversionMeetingRule,
  extendApprovalRule,
  introducersRule,
  oathRule,
  sponsorsRule,
  talkRule,
  trainingRule,
  upperTalkRule,
} from './recruitment.rules';

/** The applicant's branch (branch committee, secretary and clerk all act as its clerk). */
const BRANCH: ActorRule = { role: 'clerk', party: 'branch' };
/** The party committee the branch reports to. */
const UPPER: ActorRule = { role: 'clerk', party: 'branchUpper' };
const ORGDEPT: ActorRule = { role: 'orgdept', party: 'orgdept' };

/**
 * A due date the machine computes into context (it moves: assessment, extension, extended probation):
 * the deadline is the anchor itself (amount 0), plus an advance reminder one month earlier, also a
 * context date, which only notifies. An absent anchor means no deadline.
 */
function dynamicDue(
  key: string,
  title: string,
  path: string,
  reminderPath: string,
  reminderTitle: string,
): DeadlineSpec[] {
  return [
    { key, title, amount: 0, unit: 'd', anchor: { kind: 'context', path }, remindAt: [1] },
    {
      key: `${key}_reminder`,
      title: reminderTitle,
      amount: 0,
      unit: 'd',
      anchor: { kind: 'context', path: reminderPath },
      remindAt: [1],
      escalate: false,
    },
  ];
}

/** rules2026: the branch meeting within one month of the pre-review (anchor absent otherwise). */
const branchMeetingDue = (key: string): DeadlineSpec => ({
  key,
  title: '支部大会讨论期限（预审通过后一个月内）',
  amount: 1,
  unit: 'm',
  anchor: { kind: 'context', path: 'branchMeetingDueFrom' },
  party: 'branch',
});

/** Registry statuses from which a recruitment case may open. */
const REAPPLYING_STATUSES = ['applicant', 'removed', 'withdrawn'];

export const recruitmentDefinition: WorkflowDefinition = {
  key: 'recruitment',
  version: 1,
  title: '发展党员',
  subjectKind: 'member',
  oneOpenPerSubject: true,
  machine: recruitmentMachine,
  createInput: RecruitmentInput,
  parties: (subject: SubjectFacts) => {
    const member = subject.member;
    if (!member) return { error: '未找到入党申请人，请先登记' };
    // a removed or withdrawn person applies again as the same registry entry (same ID number, history kept);
    // the five-year bar is the opening rule's
    if (!REAPPLYING_STATUSES.includes(member.status))
      return { error: '该人员不是入党申请人（或被除名、劝退的人员），不能发起发展党员流程' };
    if (!member.orgId) return { error: '入党申请人尚未隶属党支部' };
    return { branch: member.orgId };
  },
  openers: [BRANCH],
  // the organization department guides and checks recruitment in its city [U]: overdue steps raised to the
  // supervisors reach it too, and it may urge them
  overseers: [ORGDEPT],
  // age from the registry's birth date and the re-application bar: refused with 422 before any case exists
  openingFacts: ['memberRegistryBirthDate', 'memberReapplicationBar', 'memberRegistryStatus'],
  openingRule: (input, facts, at) => checkRecruitmentOpening(input, facts, at),
  states: {
    talk_pending: {
      title: '谈话',
      actors: [BRANCH],
      deadlines: [
        {
          key: 'talk_pending.due',
          title: '收到入党申请书后一个月内谈话',
          amount: 1,
          unit: 'm',
          anchor: { kind: 'context', path: 'appliedOn' },
        },
      ],
    },
    applicant: { title: '入党申请人', actors: [BRANCH] },
    activist_filing: {
      title: '入党积极分子备案',
      actors: [UPPER],
      deadlines: [
        {
          key: 'activist_filing.due',
          title: '入党积极分子备案期限',
          amount: 10,
          unit: 'wd',
          anchor: { kind: 'entry' },
        },
      ],
    },
    activist: {
      title: '入党积极分子培养考察',
      actors: [BRANCH],
      deadlines: dynamicDue(
        'activist.assessment',
        '入党积极分子半年考察',
        'nextAssessmentDue',
        'assessmentRemindOn',
        '入党积极分子半年考察提醒',
      ),
    },
    candidate_filing: {
      title: '发展对象备案',
      actors: [UPPER],
      deadlines: [
        { key: 'candidate_filing.due', title: '发展对象备案期限', amount: 10, unit: 'wd', anchor: { kind: 'entry' } },
      ],
    },
    candidate: { title: '发展对象培养', actors: [BRANCH, UPPER] },
    'candidate.introducers': { title: '确定入党介绍人', actors: [BRANCH] },
    'candidate.introducers.pending': { title: '待确定入党介绍人', actors: [BRANCH] },
    'candidate.introducers.done': { title: '已确定入党介绍人' },
    'candidate.political_review': { title: '政治审查', actors: [BRANCH, UPPER] },
    'candidate.political_review.pending': { title: '待政治审查', actors: [BRANCH, UPPER] },
    'candidate.political_review.done': { title: '政治审查合格' },
    'candidate.training': { title: '集中培训', actors: [UPPER, BRANCH] },
    'candidate.training.pending': { title: '待集中培训', actors: [UPPER, BRANCH] },
    'candidate.training.done': { title: '集中培训完成' },
    'candidate.public_notice': { title: '发展对象公示', actors: [BRANCH] },
    'candidate.public_notice.pending': { title: '待公示', actors: [BRANCH] },
    'candidate.public_notice.running': {
      title: '公示中',
      actors: [BRANCH],
      deadlines: [
        {
          key: 'candidate.public_notice.running.ends',
          title: '发展对象公示期（不少于5个工作日）',
          amount: 5,
          unit: 'wd',
          anchor: { kind: 'entry' },
          fireEvent: 'PUBLIC_NOTICE_ENDED',
          // Ends by itself: nobody has to act, so no reminder and no escalation.
          remindAt: [],
          escalate: false,
        },
      ],
    },
    'candidate.public_notice.done': { title: '公示结束' },
    branch_committee_review: { title: '支部委员会审查', actors: [BRANCH] },
    pre_review: {
      title: '上级党委预审',
      actors: [UPPER],
      deadlines: [{ key: 'pre_review.due', title: '预审期限', amount: 1, unit: 'm', anchor: { kind: 'entry' } }],
    },
    volunteer_form: {
      title: '填写入党志愿书',
      actors: [BRANCH],
      deadlines: [branchMeetingDue('volunteer_form.branch_meeting_due')],
    },
    branch_meeting: {
      title: '支部大会讨论接收预备党员',
      actors: [BRANCH],
      deadlines: [branchMeetingDue('branch_meeting.due')],
    },
    upper_talk: { title: '上级党委派人谈话', actors: [UPPER] },
    admission_approval: {
      title: '上级党委审批',
      actors: [UPPER],
      deadlines: dynamicDue(
        'admission_approval.due',
        '上级党委审批期限（支部大会后三个月，延长后六个月）',
        'admissionDueAt',
        'admissionRemindOn',
        '上级党委审批期限提醒',
      ),
    },
    admission_filing: {
      title: '组织部门备案',
      actors: [ORGDEPT],
      // 发展党员工作细则 asks for the filing and names no time limit: the same 10 working days as the two
      // committee filings above [U]. Reminders and the overdue mark reach the organization department; there
      // is no committee above it in this system to escalate to.
      deadlines: [
        {
          key: 'admission_filing.due',
          title: '组织部门备案期限',
          amount: 10,
          unit: 'wd',
          anchor: { kind: 'entry' },
          escalate: false,
        },
      ],
    },
    probationary: {
      title: '预备党员教育考察',
      actors: [BRANCH],
      deadlines: [
        ...dynamicDue(
          'probationary.ends',
          '预备期届满',
          'probationEndsOn',
          'probationRemindOn',
          '预备期届满前一个月提醒',
        ),
        {
          key: 'probationary.oath',
          title: '批准后一个月内入党宣誓',
          amount: 1,
          unit: 'm',
          anchor: { kind: 'context', path: 'oathDueFrom' },
        },
      ],
    },
    conversion_meeting: { title: '支部大会讨论转正', actors: [BRANCH] },
    conversion_approval: {
      title: '上级党委审批转正',
      actors: [UPPER],
      deadlines: [
        { key: 'conversion_approval.due', title: '转正审批期限', amount: 3, unit: 'm', anchor: { kind: 'entry' } },
      ],
    },
    archiving: { title: '材料归档', actors: [BRANCH, UPPER] },
    completed: { title: '已转为正式党员' },
    rejected: { title: '未被接收' },
    probation_cancelled: { title: '取消预备党员资格' },
    withdrawn: { title: '已撤回入党申请' },
    refused: { title: '不予受理' },
  },
  events: {
    RECORD_TALK: { title: '记录谈话', payload: RecordTalkPayload, facts: ['memberIdsUnderProbation'], rule: talkRule },
    CONFIRM_ACTIVIST: { title: '确定为入党积极分子', payload: ConfirmActivistPayload, rule: confirmActivistRule },
    FILE_ACTIVIST: { title: '入党积极分子备案' },
    ASSIGN_SPONSORS: {
      title: '指定培养联系人',
      payload: AssignSponsorsPayload,
      actors: [BRANCH],
      facts: ['memberIdsUnderProbation', 'memberIdsOnPartyProbation'],
      rule: sponsorsRule,
    },
    RECORD_ASSESSMENT: {
      title: '记录培养考察',
      payload: RecordAssessmentPayload,
      actors: [BRANCH],
      rule: assessmentRule,
    },
    CONFIRM_CANDIDATE: { title: '确定为发展对象', payload: ConfirmCandidatePayload, rule: confirmCandidateRule },
    FILE_CANDIDATE: { title: '发展对象备案' },
    ASSIGN_INTRODUCERS: {
      title: '确定入党介绍人',
      payload: AssignIntroducersPayload,
      actors: [BRANCH],
      facts: ['memberIdsUnderProbation', 'memberIdsOnPartyProbation'],
      rule: introducersRule,
    },
    RECORD_POLITICAL_REVIEW: {
      title: '记录政治审查结论',
      payload: RecordPoliticalReviewPayload,
      actors: [BRANCH, UPPER],
    },
    RECORD_TRAINING: {
      title: '记录集中培训',
      payload: RecordTrainingPayload,
      actors: [UPPER, BRANCH],
      rule: trainingRule,
    },
    START_PUBLIC_NOTICE: { title: '开始公示', actors: [BRANCH] },
    PUBLIC_NOTICE_ENDED: { title: '公示期满', system: true },
    PASS_COMMITTEE_REVIEW: { title: '支部委员会审查通过' },
    PASS_PRE_REVIEW: { title: '预审通过' },
    FAIL_PRE_REVIEW: { title: '预审未通过', payload: FailPreReviewPayload },
    SUBMIT_VOLUNTEER_FORM: { title: '提交入党志愿书' },
    RECORD_BRANCH_MEETING: {
      title: '记录支部大会决议',
      payload: RecordBranchMeetingPayload,
      facts: ['fullMembersAtMeeting'],
      rule: branchMeetingRule,
    },
    RECORD_UPPER_TALK: {
      title: '记录上级党委谈话',
      payload: RecordUpperTalkPayload,
      facts: ['memberIdsUnderProbation'],
      rule: upperTalkRule,
    },
    APPROVE_ADMISSION: { title: '批准为预备党员' },
    REJECT_ADMISSION: { title: '不予批准', payload: RejectAdmissionPayload },
    EXTEND_APPROVAL: { title: '延长审批期限', rule: extendApprovalRule },
    FILE_ADMISSION: { title: '组织部门备案' },
    RECORD_OATH: { title: '记录入党宣誓', payload: RecordOathPayload, rule: oathRule },
    SUBMIT_CONVERSION_APPLICATION: { title: '提交转正申请', rule: conversionApplicationRule },
    RECORD_CONVERSION_MEETING: {
      title: '记录支部大会转正决议',
      payload: RecordConversionMeetingPayload,
      rule: conversionMeetingRule,
    },
    APPROVE_CONVERSION: { title: '批准转为正式党员' },
    ARCHIVE: { title: '材料归档', payload: ArchivePayload, rule: archiveRule },
    WITHDRAW_APPLICATION: { title: '撤回入党申请', payload: WithdrawApplicationPayload, actors: [BRANCH] },
  },
  policyDefaults: { ...recruitmentPolicyDefaults },
};
