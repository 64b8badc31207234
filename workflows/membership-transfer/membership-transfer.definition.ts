import { ActorRule, DeadlineSpec, StateMeta, WorkflowDefinition } from '../kernel/definition';
import {
  IssueLetterPayload,
  LicensingApprovedPayload,
  ReasonPayload,
  RecordReportPayload,
  TransferCreateInput,
} from './membership-transfer.events';
import {
  MEMBERSHIP_TRANSFER_KEY,
  TRANSFER_POLICY_DEFAULTS,
  expiryRule,
  externalLetterOpeningRule,
  letterRule,
  membershipTransferMachine,
  releaseRule,
  reportRule,
} from './membership-transfer.machine';

const clerk = (party: string): ActorRule => ({ role: 'clerk', party });
const SENDING = clerk('sending');
/** Upper committee of the sending org: issues the letter. */
const SENDING_UPPER = clerk('sendingUpper');
/**
 * For an external sender there is no sending org in the registry: a returned letter is re-recorded by the
 * receiving org's upper committee (party `intake` = the receiving org, only set for external cases).
 */
const INTAKE_UPPER = clerk('intakeUpper');
const RECEIVING = clerk('receiving');
const RECEIVING_UPPER = clerk('receivingUpper');
const CITY = clerk('city');

const due = (state: string, title: string, amount: number): DeadlineSpec => ({
  key: `${state}.due`,
  title,
  amount,
  unit: 'wd',
  anchor: { kind: 'entry' },
});

/**
 * Guangzhou: the transfer must be done within half a year of the licensing approval [L]. The machine sets
 * `sixMonthDueAt` on LICENSING_APPROVED (policy `licensingSyncMonths`); without an approval the engine skips it.
 */
const SIX_MONTH_RULE: DeadlineSpec = {
  key: 'transfer.six_month_rule',
  title: '执业（转所）核准后完成组织关系接转期限',
  amount: 0,
  unit: 'd',
  anchor: { kind: 'context', path: 'sixMonthDueAt' },
};

const states: Record<string, StateMeta> = {
  routing: { title: '立案' },
  release_review: {
    title: '转出审核',
    actors: [SENDING],
    deadlines: [due('release_review', '组织关系转出审核期限', 5), SIX_MONTH_RULE],
  },
  letter_pending: {
    title: '开具组织关系介绍信',
    actors: [SENDING_UPPER, INTAKE_UPPER],
    deadlines: [due('letter_pending', '开具组织关系介绍信期限', 5), SIX_MONTH_RULE],
  },
  acceptance_review: {
    title: '接收审核',
    actors: [RECEIVING],
    deadlines: [due('acceptance_review', '组织关系接收审核期限', 5), SIX_MONTH_RULE],
  },
  awaiting_report: {
    title: '等待党员报到',
    actors: [RECEIVING],
    deadlines: [
      {
        key: 'awaiting_report.letter_validity',
        title: '组织关系介绍信有效期（到期未报到即逾期）',
        amount: 0,
        unit: 'd',
        anchor: { kind: 'context', path: 'validUntil' },
        fireEvent: 'LETTER_EXPIRED',
        // The clock moves the case on at expiry; the overdue handling is `letter_expired`'s own deadline.
        escalate: false,
      },
      SIX_MONTH_RULE,
    ],
  },
  letter_expired: {
    title: '介绍信逾期未报到处理',
    actors: [RECEIVING_UPPER],
    deadlines: [due('letter_expired', '逾期未报到处理期限', 10), SIX_MONTH_RULE],
  },
  exception_review: {
    title: '不能接转情况审批',
    actors: [CITY],
    deadlines: [due('exception_review', '不能接转情况审批期限', 10), SIX_MONTH_RULE],
  },
  completed: { title: '接转完成' },
  closed_exception: { title: '经市律师行业党委同意不予接转' },
  closed_referred: { title: '已转不合格党员处置（口袋党员）' },
  cancelled: { title: '执业（转所）申请撤回，接转取消' },
};

export const membershipTransferDefinition: WorkflowDefinition = {
  key: MEMBERSHIP_TRANSFER_KEY,
  version: 1,
  title: '组织关系接转',
  subjectKind: 'member',
  oneOpenPerSubject: true,
  // The letter (介绍信) is issued by the committee that holds the member's relationship: for a member held by a
  // branch that is the committee above it, for a member held directly by the city committee (a practice
  // cancelled, a lawyer reported from elsewhere) it is the city committee itself — not the provincial committee
  // above it, which has no part in the city's transfers. The same for the receiving side's expired letter.
  committeeIsItsOwnUpper: true,
  machine: membershipTransferMachine,
  createInput: TransferCreateInput,
  parties: (subject, input: TransferCreateInput) => {
    const member = subject.member;
    if (!member) return { error: '组织关系接转的对象须为党员' };
    if (input.external && input.fromOrgId) return { error: '外省（外系统）转入的，不应同时填写本系统内的转出党组织' };
    if (input.fromOrgId && input.fromOrgId !== member.orgId)
      return { error: '转出党组织须为该党员在登记中的所在党组织' };
    const sending = input.external ? undefined : (input.fromOrgId ?? member.orgId);
    if (sending && sending === input.toOrgId) return { error: '接收党组织与转出党组织相同，无需办理组织关系接转' };
    return {
      sending,
      receiving: input.toOrgId,
      intake: input.external ? input.toOrgId : undefined,
      // The org the member is registered with today (opens and follows the case, also for external letters).
      holder: member.orgId,
    };
  },
  openingRule: (input, _facts, at) => externalLetterOpeningRule(input, at),
  openers: [clerk('holder'), SENDING, RECEIVING, CITY],
  states,
  events: {
    APPROVE_RELEASE: { title: '同意转出', facts: ['memberHasOpenNonconforming'], rule: releaseRule },
    REJECT_RELEASE: { title: '不同意转出（报市律师行业党委）', payload: ReasonPayload },
    ISSUE_LETTER: { title: '开具组织关系介绍信', payload: IssueLetterPayload, rule: letterRule },
    ACCEPT: { title: '同意接收' },
    RETURN: { title: '退回介绍信', payload: ReasonPayload },
    RECORD_REPORT: { title: '登记党员报到', payload: RecordReportPayload, rule: reportRule },
    LETTER_EXPIRED: { title: '介绍信逾期未报到', system: true, rule: expiryRule },
    REISSUE_LETTER: { title: '重新开具介绍信', payload: IssueLetterPayload, rule: letterRule },
    REFER_NONCONFORMING: { title: '转不合格党员处置（口袋党员）' },
    APPROVE_EXCEPTION: { title: '同意不予接转', payload: ReasonPayload },
    DENY_EXCEPTION: { title: '不同意，退回转出审核' },
    LICENSING_WITHDRAWN: { title: '执业（转所）申请撤回', system: true },
    LICENSING_APPROVED: { title: '执业（转所）已核准', payload: LicensingApprovedPayload, system: true },
  },
  policyDefaults: { ...TRANSFER_POLICY_DEFAULTS },
};
