/**
 * Business rules of 发展党员 as pure functions `(context, event) => message | null`. The definition
 * references them from `EventMeta.rule` (→ 422 with the message) and the machine uses the same functions
 * in its guards, so the machine is self-contained.
 */
import type { WorkflowEvent } from '../kernel/definition';
import { eligibleVotersProblem } from '../kernel/meeting-figures';
import { describeOnPartyProbation, onPartyProbation, type OnPartyProbation } from '../kernel/party-probation';
import type { RecruitmentContext } from './recruitment.context';
import { EXTEND_MONTHS_MAX, EXTEND_MONTHS_MIN } from './recruitment.events';
import { addMonths, ageOn, compareDates, daysInclusive } from '../kernel/dates';

type Rule = (context: RecruitmentContext, event: WorkflowEvent) => string | null;

const data = (event: WorkflowEvent): Record<string, any> => event.data ?? {};

/** Recorded dates may not lie after the engine's today (they drive other rules and deadlines). */
function notAfterToday(date: string | undefined, event: WorkflowEvent, label: string): string | null {
  if (!date) return `缺少${label}`;
  if (event.at && compareDates(date, event.at) > 0) return `${label}不能晚于今天`;
  return null;
}

/** Of `ids`, those the registry does not hold as full members (probationary, other statuses, unknown). */
function idsNotFullMembers(event: WorkflowEvent, ids: string[]): string[] {
  const loaded: unknown = event.facts?.memberIdsUnderProbation;
  const list = Array.isArray(loaded) ? (loaded as string[]) : [];
  return ids.filter((id) => list.includes(id));
}

/** Of `ids`, those under 留党察看 today (registry: `memberIdsOnPartyProbation`), with the day their rights come back. */
function idsOnPartyProbation(event: WorkflowEvent, ids: string[]): OnPartyProbation[] {
  return onPartyProbation(event.facts, 'memberIdsOnPartyProbation').filter((p) => ids.includes(p.id));
}

/**
 * Common checks of a list of full members named for the applicant (sponsors, introducers in `memberIds`;
 * talkers in `talkerIds`): how many, no repeats, not the applicant, full members as the registry holds them.
 */
function fullMembersRule(
  context: RecruitmentContext,
  event: WorkflowEvent,
  label: string,
  min: number,
  max: number,
  field: 'memberIds' | 'talkerIds' = 'memberIds',
): string | null {
  const ids: string[] = Array.isArray(data(event)[field]) ? data(event)[field] : [];
  if (ids.length < min || ids.length > max) {
    return min === max ? `${label}必须为${min}名正式党员` : `${label}应为${min}至${max}名正式党员`;
  }
  if (new Set(ids).size !== ids.length) return `${label}不能重复`;
  if (ids.includes(context.memberId)) return `申请人本人不能担任${label}`;
  if (idsNotFullMembers(event, ids).length > 0) {
    return `${label}必须是正式党员，尚在预备期或不在党员信息库中的人员不能担任`;
  }
  return null;
}

/** Years after a removal or persuaded withdrawal before the person may apply again (不合格党员组织处置办法). */
export const REAPPLICATION_BAR_YEARS = 5;

export interface RecruitmentOpeningFacts {
  /** the registry's birth date (authoritative; the form's birthDate, when given, must agree) */
  memberRegistryBirthDate?: string | null;
  /** the latest standing removal / persuaded withdrawal */
  memberReapplicationBar?: { decidedOn: string } | null;
  /** the registry status at opening (removed / withdrawn: applying again) */
  memberRegistryStatus?: string | null;
  /** legacy boolean form of the bar (pure tests of older callers) */
  memberRemovedWithin5Years?: boolean;
}

/** The first day a removed or persuaded-to-withdraw person may apply again. */
export const reapplicationPossibleFrom = (decidedOn: string) => addMonths(decidedOn, REAPPLICATION_BAR_YEARS * 12);

/**
 * Checked by the engine before the case opens (→ 422, no case) and by the machine (→ `refused`):
 * 年满十八岁 on the application date, from the registry's birth date (党章, 发展党员工作细则), and not removed /
 * persuaded to withdraw less than five years before it (不合格党员组织处置办法), naming the date it becomes
 * possible. `at`, when given, refuses an application date in the future.
 */
export function checkRecruitmentOpening(
  input: { appliedOn: string; birthDate?: string },
  facts: RecruitmentOpeningFacts,
  at?: string,
): string | null {
  const registered = facts?.memberRegistryBirthDate ?? undefined;
  const birthDate = registered ?? input?.birthDate;
  if (!input?.appliedOn || !birthDate) return '缺少申请日期或出生日期';
  if (registered && input.birthDate && compareDates(input.birthDate, registered) !== 0)
    return `填写的出生日期 ${input.birthDate} 与党员信息库登记的 ${registered} 不一致`;
  if (at && compareDates(input.appliedOn, at) > 0) return '入党申请日期不能晚于今天';
  if (ageOn(birthDate, input.appliedOn) < 18)
    return `提交入党申请时未满十八周岁（出生日期 ${birthDate}，申请日期 ${input.appliedOn}），不能申请入党`;
  const bar = facts?.memberReapplicationBar;
  if (bar) {
    const from = reapplicationPossibleFrom(bar.decidedOn);
    if (compareDates(input.appliedOn, from) < 0)
      return `被除名或劝其退党未满五年的，不能申请入党（处置决定于 ${bar.decidedOn}，${from} 起方可重新申请）`;
  }
  if (facts?.memberRemovedWithin5Years) return '被除名或劝其退党未满五年的，不能申请入党';
  return null;
}

/** 谈话人: one or two full members as the registry holds them (fact `memberIdsUnderProbation`), never the applicant. */
const talkersRule: Rule = (context, event) => fullMembersRule(context, event, '谈话人', 1, 2, 'talkerIds');

/** 细则: the branch sends someone to talk with the applicant within a month of the application. */
export const talkRule: Rule = (context, event) => {
  const { talkedOn } = data(event);
  const future = notAfterToday(talkedOn, event, '谈话日期');
  if (future) return future;
  if (compareDates(talkedOn, context.appliedOn) < 0) return '谈话日期不能早于入党申请日期';
  return talkersRule(context, event);
};

/** 细则: before approval the upper committee sends a committee member or 组织员 to talk with the candidate. */
export const upperTalkRule: Rule = (context, event) => {
  const future = notAfterToday(data(event).on, event, '谈话日期');
  if (future) return future;
  if (context.branchMeeting && compareDates(data(event).on, context.branchMeeting.heldOn) < 0)
    return '上级党委谈话日期不能早于支部大会召开日期';
  return talkersRule(context, event);
};

export const confirmActivistRule: Rule = (context, event) => {
  const { confirmedOn } = data(event);
  const future = notAfterToday(confirmedOn, event, '确定入党积极分子日期');
  if (future) return future;
  if (context.talk && compareDates(confirmedOn, context.talk.talkedOn) < 0) {
    return '确定入党积极分子日期不能早于谈话日期';
  }
  return null;
};

/**
 * 细则: one or two full members as 培养联系人. Not one under 留党察看 (fact `memberIdsOnPartyProbation`): 细则 has the
 * introducers "一般由培养联系人担任" and bars a member under 留党察看 from introducing, so a sponsor who could not
 * become the introducer is refused when assigned, not two years later.
 */
export const sponsorsRule: Rule = (context, event) => {
  const problem = fullMembersRule(context, event, '培养联系人', 1, 2);
  if (problem) return problem;
  const onProbation = idsOnPartyProbation(event, data(event).memberIds as string[]);
  if (onProbation.length > 0)
    return `受留党察看处分、尚未恢复党员权利的党员不能担任培养联系人（入党介绍人一般由培养联系人担任）：${describeOnPartyProbation(onProbation)}`;
  return null;
};

/** Dated assessments move the next-assessment deadline, so they may not be dated in the future. */
export const assessmentRule: Rule = (_context, event) => notAfterToday(data(event).on, event, '考察日期');

/**
 * 细则: 经过一年以上培养教育和考察 before becoming a 发展对象 (policy `activistMinMonths`), with
 * 培养联系人 already assigned (their opinion is heard when the candidate is chosen).
 */
export const confirmCandidateRule: Rule = (context, event) => {
  const { confirmedOn } = data(event);
  const future = notAfterToday(confirmedOn, event, '确定发展对象日期');
  if (future) return future;
  if (!context.activistConfirmedOn) return '尚未确定为入党积极分子';
  const earliest = addMonths(context.activistConfirmedOn, context.policy.activistMinMonths);
  if (compareDates(confirmedOn, earliest) < 0) {
    return `入党积极分子须经过${context.policy.activistMinMonths}个月以上培养考察，最早可于${earliest}确定为发展对象`;
  }
  if (context.sponsorIds.length === 0) return '尚未指定培养联系人';
  return null;
};

/**
 * 细则: two full members as 入党介绍人; 受留党察看处分、尚未恢复党员权利的党员，不能作入党介绍人. Both read from the
 * registry (facts `memberIdsUnderProbation`, `memberIdsOnPartyProbation`), never from what the clerk typed.
 */
export const introducersRule: Rule = (context, event) => {
  const problem = fullMembersRule(context, event, '入党介绍人', 2, 2);
  if (problem) return problem;
  const onProbation = idsOnPartyProbation(event, data(event).memberIds as string[]);
  if (onProbation.length > 0)
    return `受留党察看处分、尚未恢复党员权利的党员不能担任入党介绍人：${describeOnPartyProbation(onProbation)}`;
  return null;
};

/** 细则: 集中培训时间一般不少于三天（或不少于二十四个学时）. */
export const trainingRule: Rule = (context, event) => {
  const { from, to, days, hours } = data(event);
  if (!from || !to) return '缺少培训起止日期';
  if (compareDates(to, from) < 0) return '培训结束日期不能早于开始日期';
  if (typeof days === 'number' && days > daysInclusive(from, to)) return '培训天数不能超过起止日期之间的天数';
  const { trainingMinDays, trainingMinHours } = context.policy;
  if (!((days ?? 0) >= trainingMinDays || (hours ?? 0) >= trainingMinHours)) {
    return `集中培训时间不少于${trainingMinDays}天或${trainingMinHours}学时`;
  }
  return null;
};

/**
 * 细则: the meeting is valid only when more than half of the full members due to attend are
 * present; the counts must be consistent. The vote outcome itself is a branch, not a rule.
 */
export const branchMeetingRule: Rule = (_context, event) => {
  const { heldOn, eligibleVoters, present, votesFor } = data(event);
  const future = notAfterToday(heldOn, event, '支部大会召开日期');
  if (future) return future;
  if (!(eligibleVoters >= 1)) return '应到会有表决权的正式党员人数至少为1人';
  const registry = eligibleVotersProblem(event);
  if (registry) return registry;
  if (present > eligibleVoters) return '实到人数不能超过应到会有表决权的正式党员人数';
  if (votesFor > present) return '赞成票数不能超过实到人数';
  if (!(present * 2 > eligibleVoters)) return '到会有表决权的正式党员未超过应到会人数的半数，会议无效，请另行召开';
  return null;
};

/** 细则: approval within three months, extendable once to six months. */
export const extendApprovalRule: Rule = (context) => (context.approvalExtended ? '审批期限只能延长一次' : null);

export const oathRule: Rule = (context, event) => {
  if (context.oathOn) return '已记录入党宣誓';
  return notAfterToday(data(event).on, event, '宣誓日期');
};

/** 细则: every probationary member takes the oath; conversion comes after it. */
export const conversionApplicationRule: Rule = (context) =>
  context.oathOn ? null : '尚未记录入党宣誓，不能提出转正申请';

/**
 * 细则: the branch discusses conversion when probation has ended; probation can be
 * extended once, by six to twelve months; cancellation can be decided at any time.
 */
export const conversionMeetingRule: Rule = (context, event) => {
  const { heldOn, outcome, extendMonths } = data(event);
  const future = notAfterToday(heldOn, event, '支部大会召开日期');
  if (future) return future;
  if (outcome === 'extend') {
    if (context.probationExtended) return '预备期只能延长一次';
    if (!Number.isInteger(extendMonths) || extendMonths < EXTEND_MONTHS_MIN || extendMonths > EXTEND_MONTHS_MAX) {
      return `延长预备期应为${EXTEND_MONTHS_MIN}至${EXTEND_MONTHS_MAX}个月`;
    }
  } else if (extendMonths !== undefined) {
    return '只有延长预备期时才填写延长月数';
  }
  if (outcome !== 'cancel' && context.probationEndsOn && compareDates(heldOn, context.probationEndsOn) < 0) {
    return `预备期于${context.probationEndsOn}届满，届满后方可讨论转正或延长预备期`;
  }
  return null;
};

export const archiveRule: Rule = (_context, event) => {
  const { documents } = data(event);
  if (!Array.isArray(documents) || documents.length === 0) return '归档材料不能为空';
  if (documents.some((d: unknown) => typeof d !== 'string' || d.trim() === '')) return '归档材料名称不能为空';
  return null;
};
