/**
 * 处置不合格党员 (docs/procedures.md §4; 中国共产党不合格党员组织处置办法, 党章 art. 9). Pure XState v5 machine.
 * The appeal window and the 2-year suspension limit are deadlines the clock fires (system events).
 */
import { assign, enqueueActions, setup } from 'xstate';
import { eligibleVotersProblem } from '../kernel/meeting-figures';
import { CaseInput, Effect, FactName, WorkflowEvent, effect } from '../kernel/definition';
import type {
  AppealPayload,
  ApprovePayload,
  Measure,
  NonconformingCreateInput,
  NonconformingTrigger,
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
import { addMonths, toDate } from '../kernel/dates';

export const NONCONFORMING_KEY = 'nonconforming';

export interface NonconformingPolicy {
  /** 限期改正 default period, months. */
  correctionMonths: number;
  /** Longest correction period the upper committee may set, months. */
  correctionMaxMonths: number;
  /** 停止党籍 may be lifted within this many years; afterwards 自行脱党. */
  suspensionRestoreYears: number;
  /** Out of contact for at least this many months before membership may be suspended. */
  lostContactMonths: number;
}

export const NONCONFORMING_POLICY_DEFAULTS: NonconformingPolicy = {
  correctionMonths: 6,
  correctionMaxMonths: 12,
  suspensionRestoreYears: 2,
  lostContactMonths: 6,
};

export const MEASURE_TITLES: Record<Measure, string> = {
  correction: '限期改正',
  persuasion: '劝其退党',
  removal: '除名',
};
const SEVERITY: Record<Measure, number> = { correction: 1, persuasion: 2, removal: 3 };

export interface MeetingRecord {
  heldOn: string;
  memberNotifiedOn: string;
  defense?: string;
  defenseWaived: boolean;
  eligibleVoters: number;
  present: number;
  votesFor: number;
  passed: boolean;
}

export interface NonconformingContext {
  memberId: string;
  /** The member's registry status when the case opened (full or probationary): what an upheld appeal restores. */
  statusAtOpening?: string;
  trigger: NonconformingTrigger;
  openedAt: string;
  grounds?: string;
  /** Measure proposed (and, once approved, the approved one). */
  measure?: Measure;
  /** Mildest measure allowed after an escalation: failed correction → persuasion, refusal → removal. */
  minMeasure?: Measure;
  /** 1 for the first proposal, +1 after each escalation (at most 3). */
  round: number;
  proposedOn?: string;
  filedOn?: string;
  findings?: string;
  talk?: { on: string; by: string[] };
  preReviewPassedOn?: string;
  meeting?: MeetingRecord;
  approvedOn?: string;
  correctionMonths?: number;
  /** ISO date; anchors the `correction_period.due` reminder. */
  correctionDueOn?: string;
  correctionReview?: { corrected: boolean; on: string };
  persuasion?: { outcome: 'withdrew' | 'refused'; on: string };
  dropped?: { reason: string; on: string; at: 'proposed' | 'pre_review' | 'branch_meeting' | 'approval' };
  /** ISO date of the first entry into `removed` / `withdrawn`; anchors the appeal window (not reset by a dismissal). */
  decidedOn?: string;
  appeal?: {
    grounds: string;
    on: string;
    from: 'removed' | 'withdrawn';
    outcome?: 'upheld' | 'dismissed';
    decidedOn?: string;
    reason?: string;
  };
  lostContactSince?: string;
  /** Engine time of the suspension (停止党籍). */
  suspendedAt?: string;
  /** ISO date; anchors the `suspended.lapse` deadline that fires SUSPENSION_LAPSED. */
  suspensionLapsesOn?: string;
  restoredOn?: string;
  /** 留党察看 recorded instead of a measure (the case ends in `closed_disciplined`); `until` is the day it runs out. */
  partyProbation?: { decidedOn: string; years: number; until: string; decisionNo?: string; recordedOn: string };
  /** Removed as 自行脱党 after 2 years of suspension. */
  selfWithdrawal?: boolean;
  closedOn?: string;
  policy: NonconformingPolicy;
}

type Facts = Partial<Record<FactName, any>>;

/** The machine's input: the opening facts reach it too (memberRegistryStatus: what an upheld appeal restores). */
export type NonconformingCaseInput = CaseInput<NonconformingCreateInput> & { facts?: Facts };
type Ev<T extends string, D = undefined> = { type: T; at?: string; facts?: Facts } & (D extends undefined
  ? { data?: Record<string, never> }
  : { data: D });

export type NonconformingEvent =
  | Ev<'PROPOSE', ProposePayload>
  | Ev<'ACK_FILING'>
  | Ev<'RECORD_INVESTIGATION', RecordInvestigationPayload>
  | Ev<'RECORD_TALK', RecordTalkPayload>
  | Ev<'PASS_PRE_REVIEW'>
  | Ev<'DROP', ReasonPayload>
  | Ev<'RECORD_MEETING', RecordMeetingPayload>
  | Ev<'APPROVE', ApprovePayload>
  | Ev<'REJECT', OptionalReasonPayload>
  | Ev<'REVIEW_CORRECTION', ReviewCorrectionPayload>
  | Ev<'RECORD_WITHDRAWAL'>
  | Ev<'RECORD_REFUSAL'>
  | Ev<'APPEAL', AppealPayload>
  | Ev<'APPEAL_WINDOW_CLOSED'>
  | Ev<'UPHOLD_APPEAL', OptionalReasonPayload>
  | Ev<'DISMISS_APPEAL', OptionalReasonPayload>
  | Ev<'SUSPEND_MEMBERSHIP', SuspendMembershipPayload>
  | Ev<'RESTORE', OptionalReasonPayload>
  | Ev<'SUSPENSION_LAPSED'>
  | Ev<'RECORD_PARTY_PROBATION', RecordPartyProbationPayload>;

// ---------------------------------------------------------------- dates

const today = (context: NonconformingContext, event: { at?: string }) => toDate(event.at ?? context.openedAt);

// ---------------------------------------------------------------- rules (pure, shared with EventMeta.rule)

type Rule = (context: NonconformingContext, event: WorkflowEvent) => string | null;

/** PROPOSE: a measure and grounds are known; after an escalation the measure cannot be milder. */
export const proposeRule: Rule = (context, event) => {
  const d = (event.data ?? {}) as ProposePayload;
  const measure = d.measure ?? context.measure;
  if (!measure) return '请选择处置措施（限期改正、劝其退党或除名）';
  if (!(d.grounds ?? context.grounds)?.trim()) return '请填写不合格表现（处置理由）';
  const min = context.minMeasure;
  if (min && SEVERITY[measure] < SEVERITY[min]) {
    return min === 'removal'
      ? '劝其退党而本人拒不退党的，应当予以除名'
      : '限期改正期满仍无转变的，应当劝其退党或予以除名，不能再次限期改正';
  }
  return null;
};

/**
 * RECORD_TALK: two different full members other than the member concerned, on a past day. "Full" as the registry
 * holds them (fact `memberIdsUnderProbation` over `by`), not as the clerk says.
 */
export const talkRule: Rule = (context, event) => {
  const d = event.data as RecordTalkPayload | undefined;
  if (!d?.on) return '请填写谈话日期';
  const by = d.by ?? [];
  if (by.length !== 2 || new Set(by).size !== 2) return '谈话须由两名正式党员进行';
  if (by.includes(context.memberId)) return '谈话人不能是被处置党员本人';
  if (toDate(d.on) > today(context, event)) return '谈话日期不得晚于今天';
  const notFull: unknown = event.facts?.memberIdsUnderProbation;
  if (Array.isArray(notFull) && by.some((id) => notFull.includes(id)))
    return '谈话人必须是正式党员，尚在预备期或不在党员信息库中的人员不能担任';
  return null;
};

/** RECORD_MEETING: defense recorded, figures consistent, quorum reached (else the meeting is void). */
export const meetingRule: Rule = (context, event) => {
  const d = event.data as RecordMeetingPayload | undefined;
  if (!d) return '缺少支部大会记录';
  const hasDefense = !!d.defense?.trim();
  if (!hasDefense && d.defenseWaived !== true) return '须记录党员本人的申辩意见，或本人放弃申辩（保障党员申辩权利）';
  if (hasDefense && d.defenseWaived === true) return '已记录申辩意见的，不能同时记录为放弃申辩';
  const heldOn = toDate(d.heldOn);
  if (heldOn > today(context, event)) return '会议日期不得晚于今天';
  if (toDate(d.memberNotifiedOn) > heldOn) return '须在支部大会召开前通知党员本人';
  const registry = eligibleVotersProblem(event);
  if (registry) return registry;
  if (d.present > d.eligibleVoters) return '到会人数不能多于有表决权的党员人数';
  if (d.votesFor > d.present) return '赞成票数不能多于到会人数';
  if (d.present * 2 <= d.eligibleVoters) return '到会有表决权的党员未超过半数，会议无效，请重新召开支部大会';
  return null;
};

/** APPROVE: the upper committee may approve the proposed measure or a milder one (never milder than an escalation). */
export const approveRule: Rule = (context, event) => {
  const d = event.data as ApprovePayload | undefined;
  if (!d?.measure) return '请选择批准的处置措施';
  const proposed = context.measure;
  if (proposed && SEVERITY[d.measure] > SEVERITY[proposed])
    return `支部大会决定的处置措施为“${MEASURE_TITLES[proposed]}”，上级党组织不能批准更重的措施`;
  if (context.minMeasure && SEVERITY[d.measure] < SEVERITY[context.minMeasure])
    return `本案已不能适用“${MEASURE_TITLES[d.measure]}”，至少应为“${MEASURE_TITLES[context.minMeasure]}”`;
  if (d.correctionMonths !== undefined) {
    if (d.measure !== 'correction') return '只有限期改正才需要规定改正期限';
    const max = context.policy.correctionMaxMonths;
    if (d.correctionMonths < 1 || d.correctionMonths > max) return `改正期限为1至${max}个月`;
  }
  return null;
};

/** REVIEW_CORRECTION {corrected: false} only once the period has run out. */
export const reviewCorrectionRule: Rule = (context, event) => {
  const d = event.data as ReviewCorrectionPayload | undefined;
  if (typeof d?.corrected !== 'boolean') return '请填写是否已改正';
  if (!d.corrected && context.correctionDueOn && today(context, event) < context.correctionDueOn)
    return `改正期限至${context.correctionDueOn}，期满前不能认定为仍无转变`;
  return null;
};

/** One appeal per case: after a dismissal the member may appeal to a higher organization, outside this case. */
export const appealRule: Rule = (context) => {
  if (context.appeal) return '本案已受理过申诉，不能再次申诉（可向更高一级党组织申诉）';
  return null;
};

/** SUSPEND_MEMBERSHIP (停止党籍): out of contact for at least `lostContactMonths`. */
export const suspendRule: Rule = (context, event) => {
  const d = event.data as SuspendMembershipPayload | undefined;
  if (!d?.lostContactSince) return '请填写失去联系的起始日期';
  const months = context.policy.lostContactMonths;
  const latest = addMonths(today(context, event), -months);
  if (toDate(d.lostContactSince) > latest)
    return `与党组织失去联系满${months}个月方可停止党籍（失联起始日应不晚于${latest}）`;
  return null;
};

/** RESTORE: only within `suspensionRestoreYears` of the suspension. */
export const restoreRule: Rule = (context, event) => {
  if (!context.suspensionLapsesOn) return '尚未停止党籍';
  if (today(context, event) > context.suspensionLapsesOn)
    return `停止党籍已满${context.policy.suspensionRestoreYears}年（${context.suspensionLapsesOn}），不能恢复党籍，按自行脱党处理`;
  return null;
};

/** SUSPENSION_LAPSED (clock): not before the limit, so a stale timer can never remove anybody early. */
export const lapseRule: Rule = (context, event) => {
  if (!context.suspensionLapsesOn) return '尚未停止党籍';
  if (today(context, event) < context.suspensionLapsesOn)
    return `停止党籍期限至${context.suspensionLapsesOn}，尚未届满`;
  return null;
};

/** The day 留党察看 decided on `decidedOn` for `years` runs out (the member's rights come back that day). */
export const partyProbationUntil = (decidedOn: string, years: number) => addMonths(toDate(decidedOn), 12 * years);

/**
 * RECORD_PARTY_PROBATION: 留党察看 is one or two years, decided on a past day, and still running — a period that has
 * already run out changes nothing and is not recorded as in force.
 */
export const partyProbationRule: Rule = (context, event) => {
  const d = event.data as RecordPartyProbationPayload | undefined;
  if (!d?.decidedOn) return '请填写留党察看处分的决定日期';
  if (d.years !== 1 && d.years !== 2) return '留党察看分为一年和二年';
  // 纪律处分条例: a probationary member is not put under 留党察看 (the probation is extended or cancelled instead)
  if (context.statusAtOpening === 'probationary') return '预备党员不适用留党察看处分（可延长预备期或取消预备党员资格）';
  const on = today(context, event);
  if (toDate(d.decidedOn) > on) return '处分决定日期不得晚于今天';
  const until = partyProbationUntil(d.decidedOn, d.years);
  if (until <= on) return `该留党察看期已于${until}届满，无需登记为正在执行的处分`;
  return null;
};

/** Opening: one open case per member at a time. */
export function singleOpenCaseRule(facts: Facts): string | null {
  if (facts.memberHasOpenNonconforming === true) return '该党员已有未结的不合格党员处置案件，请在原案件中办理';
  return null;
}

// ---------------------------------------------------------------- machine

const ruleGuard =
  (rule: Rule) =>
  ({ context, event }: { context: NonconformingContext; event: NonconformingEvent }) =>
    rule(context, event as WorkflowEvent) === null;

/** Per-round records cleared when an escalation sends the case back to `proposed`. */
const freshRound = {
  proposedOn: undefined,
  filedOn: undefined,
  findings: undefined,
  talk: undefined,
  preReviewPassedOn: undefined,
  meeting: undefined,
  approvedOn: undefined,
};

const setStatus = (status: string) =>
  effect(({ context }) => ({ kind: 'member.setStatus', memberId: context.memberId, status }));

/**
 * 留党察看 decided instead (党章 art. 40: the branch meeting decides, the basic-level committee approves): the
 * upper committee records it at one of its own steps — filing, pre-review, approval — and the case ends. The
 * registry holds the discipline (effect `member.setPartyDiscipline`) from the decision until it runs out; while
 * it runs the member cannot introduce an applicant (发展党员工作细则).
 */
const partyProbation = {
  RECORD_PARTY_PROBATION: {
    guard: 'partyProbationOk',
    target: '#nonconforming.closed_disciplined',
    actions: [
      'recordPartyProbation',
      effect(({ context }) => ({
        kind: 'member.setPartyDiscipline',
        memberId: context.memberId,
        discipline: 'party_probation',
        from: context.partyProbation!.decidedOn,
        until: context.partyProbation!.until,
      })),
    ],
  },
} as const;

const suspend = {
  SUSPEND_MEMBERSHIP: { guard: 'suspendOk', target: '#nonconforming.suspended', actions: 'recordSuspension' },
} as const;

export const nonconformingMachine = setup({
  types: {} as {
    context: NonconformingContext;
    events: NonconformingEvent;
    input: NonconformingCaseInput;
  },
  actions: {
    effect: (_args, _params: Effect) => {},
    recordDrop: assign(({ context, event }, params: { at: NonNullable<NonconformingContext['dropped']>['at'] }) => ({
      dropped: {
        reason: (event.data as ReasonPayload | undefined)?.reason ?? '',
        on: today(context, event),
        at: params.at,
      },
    })),
    recordSuspension: assign(({ context, event }) => {
      const at = event.at ?? context.openedAt;
      return {
        lostContactSince: toDate((event.data as SuspendMembershipPayload).lostContactSince),
        suspendedAt: at,
        suspensionLapsesOn: addMonths(at, 12 * context.policy.suspensionRestoreYears),
      };
    }),
    recordMeeting: assign(({ context, event }) => {
      const d = event.data as RecordMeetingPayload;
      const on = today(context, event);
      const passed = d.votesFor * 2 > d.eligibleVoters;
      return {
        meeting: {
          heldOn: toDate(d.heldOn),
          memberNotifiedOn: toDate(d.memberNotifiedOn),
          defense: d.defense?.trim() || undefined,
          defenseWaived: d.defenseWaived === true,
          eligibleVoters: d.eligibleVoters,
          present: d.present,
          votesFor: d.votesFor,
          passed,
        },
        ...(passed
          ? {}
          : {
              dropped: {
                reason: `支部大会表决未通过（赞成${d.votesFor}票，有表决权${d.eligibleVoters}人）`,
                on,
                at: 'branch_meeting' as const,
              },
            }),
      };
    }),
    markDecided: assign(({ context, event }) => ({ decidedOn: context.decidedOn ?? today(context, event) })),
    recordAppealDecision: assign(({ context, event }, params: { outcome: 'upheld' | 'dismissed' }) => ({
      appeal: {
        ...context.appeal!,
        outcome: params.outcome,
        decidedOn: today(context, event),
        reason: (event.data as OptionalReasonPayload | undefined)?.reason,
      },
    })),
    recordClosed: assign(({ context, event }) => ({ closedOn: today(context, event) })),
    recordPartyProbation: assign(({ context, event }) => {
      const d = event.data as RecordPartyProbationPayload;
      return {
        partyProbation: {
          decidedOn: toDate(d.decidedOn),
          years: d.years,
          until: partyProbationUntil(d.decidedOn, d.years),
          ...(d.decisionNo ? { decisionNo: d.decisionNo.trim() } : {}),
          recordedOn: today(context, event),
        },
      };
    }),
  },
  guards: {
    proposeOk: ruleGuard(proposeRule),
    talkOk: ruleGuard(talkRule),
    meetingPassed: ({ context, event }) => {
      if (meetingRule(context, event as WorkflowEvent) !== null) return false;
      const d = event.data as RecordMeetingPayload;
      return d.votesFor * 2 > d.eligibleVoters;
    },
    meetingFailed: ({ context, event }) => {
      if (meetingRule(context, event as WorkflowEvent) !== null) return false;
      const d = event.data as RecordMeetingPayload;
      return d.votesFor * 2 <= d.eligibleVoters;
    },
    approveCorrection: ({ context, event }) =>
      approveRule(context, event as WorkflowEvent) === null && (event.data as ApprovePayload).measure === 'correction',
    approvePersuasion: ({ context, event }) =>
      approveRule(context, event as WorkflowEvent) === null && (event.data as ApprovePayload).measure === 'persuasion',
    approveRemoval: ({ context, event }) =>
      approveRule(context, event as WorkflowEvent) === null && (event.data as ApprovePayload).measure === 'removal',
    corrected: ({ context, event }) =>
      reviewCorrectionRule(context, event as WorkflowEvent) === null &&
      (event.data as ReviewCorrectionPayload).corrected,
    notCorrected: ({ context, event }) =>
      reviewCorrectionRule(context, event as WorkflowEvent) === null &&
      !(event.data as ReviewCorrectionPayload).corrected,
    appealOk: ruleGuard(appealRule),
    appealedFromRemoved: ({ context }) => context.appeal?.from === 'removed',
    appealedFromWithdrawn: ({ context }) => context.appeal?.from === 'withdrawn',
    wasSuspended: ({ context }) => !!context.suspendedAt,
    suspendOk: ruleGuard(suspendRule),
    restoreOk: ruleGuard(restoreRule),
    lapsed: ruleGuard(lapseRule),
    partyProbationOk: ruleGuard(partyProbationRule),
  },
}).createMachine({
  id: NONCONFORMING_KEY,
  initial: 'proposed',
  context: ({ input }) => {
    const i = (input.input ?? {}) as NonconformingCreateInput;
    return {
      memberId: input.subject.memberId!,
      ...(input.facts?.memberRegistryStatus === 'probationary' ? { statusAtOpening: 'probationary' } : {}),
      trigger: i.trigger ?? 'branch',
      openedAt: input.at,
      grounds: i.grounds,
      measure: i.measure,
      round: 1,
      policy: { ...NONCONFORMING_POLICY_DEFAULTS, ...(input.policy as Partial<NonconformingPolicy>) },
    };
  },
  states: {
    proposed: {
      on: {
        PROPOSE: {
          guard: 'proposeOk',
          target: 'filing',
          actions: assign(({ context, event }) => ({
            measure: event.data.measure ?? context.measure,
            grounds: (event.data.grounds ?? context.grounds)!.trim(),
            proposedOn: today(context, event),
          })),
        },
        // The branch may decide not to proceed (e.g. a disciplinary sanction already covered the same facts).
        DROP: { target: 'closed_dropped', actions: { type: 'recordDrop', params: { at: 'proposed' } } },
        ...suspend,
      },
    },
    filing: {
      on: {
        ACK_FILING: {
          target: 'investigation',
          actions: assign({ filedOn: ({ context, event }) => today(context, event) }),
        },
        ...partyProbation,
      },
    },
    investigation: {
      on: {
        RECORD_INVESTIGATION: {
          target: 'talk',
          actions: assign({ findings: ({ event }) => event.data.findings.trim() }),
        },
        ...suspend,
      },
    },
    talk: {
      on: {
        RECORD_TALK: {
          guard: 'talkOk',
          target: 'pre_review',
          actions: assign({ talk: ({ event }) => ({ on: toDate(event.data.on), by: [...event.data.by] }) }),
        },
        ...suspend,
      },
    },
    pre_review: {
      on: {
        PASS_PRE_REVIEW: {
          target: 'branch_meeting',
          actions: assign({ preReviewPassedOn: ({ context, event }) => today(context, event) }),
        },
        DROP: { target: 'closed_dropped', actions: { type: 'recordDrop', params: { at: 'pre_review' } } },
        ...partyProbation,
      },
    },
    branch_meeting: {
      on: {
        ...suspend,
        RECORD_MEETING: [
          { guard: 'meetingPassed', target: 'approval', actions: 'recordMeeting' },
          { guard: 'meetingFailed', target: 'closed_dropped', actions: 'recordMeeting' },
        ],
      },
    },
    approval: {
      on: {
        APPROVE: [
          {
            guard: 'approveCorrection',
            target: 'correction_period',
            actions: assign(({ context, event }) => {
              const months = event.data.correctionMonths ?? context.policy.correctionMonths;
              const on = today(context, event);
              return {
                measure: 'correction' as const,
                approvedOn: on,
                correctionMonths: months,
                correctionDueOn: addMonths(on, months),
              };
            }),
          },
          {
            guard: 'approvePersuasion',
            target: 'persuasion',
            actions: assign(({ context, event }) => ({
              measure: 'persuasion' as const,
              approvedOn: today(context, event),
            })),
          },
          {
            guard: 'approveRemoval',
            target: 'removed',
            actions: assign(({ context, event }) => ({
              measure: 'removal' as const,
              approvedOn: today(context, event),
            })),
          },
        ],
        REJECT: {
          target: 'closed_dropped',
          actions: assign(({ context, event }) => ({
            dropped: { reason: event.data?.reason ?? '', on: today(context, event), at: 'approval' as const },
          })),
        },
        ...partyProbation,
      },
    },
    correction_period: {
      on: {
        ...suspend,
        REVIEW_CORRECTION: [
          {
            guard: 'corrected',
            target: 'closed_restored',
            actions: assign({
              correctionReview: ({ context, event }) => ({ corrected: true, on: today(context, event) }),
            }),
          },
          {
            // 限期改正期满仍无转变的，劝其退党: a new round with persuasion at least.
            guard: 'notCorrected',
            target: 'proposed',
            actions: assign(({ context, event }) => ({
              ...freshRound,
              correctionReview: { corrected: false, on: today(context, event) },
              measure: 'persuasion' as const,
              minMeasure: 'persuasion' as const,
              round: context.round + 1,
            })),
          },
        ],
      },
    },
    persuasion: {
      on: {
        ...suspend,
        RECORD_WITHDRAWAL: {
          target: 'withdrawn',
          actions: assign({
            persuasion: ({ context, event }) => ({ outcome: 'withdrew' as const, on: today(context, event) }),
          }),
        },
        // 劝而不退的，除名: a new round with removal.
        RECORD_REFUSAL: {
          target: 'proposed',
          actions: assign(({ context, event }) => ({
            ...freshRound,
            persuasion: { outcome: 'refused' as const, on: today(context, event) },
            measure: 'removal' as const,
            minMeasure: 'removal' as const,
            round: context.round + 1,
          })),
        },
      },
    },
    // Not final: an appeal may follow within the window; the clock closes the case when it runs out.
    // 处置办法: an appeal does not suspend the decision (申诉期间不停止处置决定的执行): the member leaves the
    // registry's full members — voters, ratings, introducers — from the decision on, not when the appeal
    // window closes; an upheld appeal restores the membership the member had (full, or probationary). Re-entry after a dismissed appeal changes nothing.
    removed: {
      entry: [
        'markDecided',
        enqueueActions(({ context, enqueue }) => {
          if (context.appeal?.outcome !== 'dismissed')
            enqueue({
              type: 'effect',
              params: { kind: 'member.setStatus', memberId: context.memberId, status: 'removed' },
            });
        }),
      ],
      on: {
        APPEAL: {
          guard: 'appealOk',
          target: 'appeal_review',
          actions: assign({
            appeal: ({ context, event }) => ({
              grounds: event.data.grounds.trim(),
              on: today(context, event),
              from: 'removed' as const,
            }),
          }),
        },
        APPEAL_WINDOW_CLOSED: { target: 'closed_removed' },
      },
    },
    withdrawn: {
      entry: [
        'markDecided',
        enqueueActions(({ context, enqueue }) => {
          if (context.appeal?.outcome !== 'dismissed')
            enqueue({
              type: 'effect',
              params: { kind: 'member.setStatus', memberId: context.memberId, status: 'withdrawn' },
            });
        }),
      ],
      on: {
        APPEAL: {
          guard: 'appealOk',
          target: 'appeal_review',
          actions: assign({
            appeal: ({ context, event }) => ({
              grounds: event.data.grounds.trim(),
              on: today(context, event),
              from: 'withdrawn' as const,
            }),
          }),
        },
        APPEAL_WINDOW_CLOSED: { target: 'closed_withdrawn' },
      },
    },
    appeal_review: {
      on: {
        UPHOLD_APPEAL: [
          // a self-withdrawal (after suspension) that is overturned gives the member back full membership
          {
            guard: 'wasSuspended',
            target: 'closed_restored',
            actions: [{ type: 'recordAppealDecision', params: { outcome: 'upheld' } }, setStatus('full')],
          },
          // the removal or withdrawal is undone: the member gets back the membership they had, and a probationary
          // member is restored as probationary (the probation is not turned into full membership by the appeal)
          {
            target: 'closed_restored',
            actions: [
              { type: 'recordAppealDecision', params: { outcome: 'upheld' } },
              effect(({ context }) => ({
                kind: 'member.setStatus',
                memberId: context.memberId,
                status: context.statusAtOpening === 'probationary' ? 'probationary' : 'full',
              })),
            ],
          },
        ],
        DISMISS_APPEAL: [
          {
            guard: 'appealedFromRemoved',
            target: 'removed',
            actions: { type: 'recordAppealDecision', params: { outcome: 'dismissed' } },
          },
          {
            guard: 'appealedFromWithdrawn',
            target: 'withdrawn',
            actions: { type: 'recordAppealDecision', params: { outcome: 'dismissed' } },
          },
        ],
      },
    },
    suspended: {
      entry: setStatus('suspended'),
      on: {
        RESTORE: {
          guard: 'restoreOk',
          target: 'closed_restored',
          actions: [assign({ restoredOn: ({ context, event }) => today(context, event) }), setStatus('full')],
        },
        // 停止党籍满2年仍无法取得联系的，按自行脱党予以除名
        SUSPENSION_LAPSED: { guard: 'lapsed', target: 'removed', actions: assign({ selfWithdrawal: true }) },
      },
    },
    closed_dropped: { type: 'final', entry: 'recordClosed' },
    closed_restored: { type: 'final', entry: 'recordClosed' },
    // the registry status changed at the decision already
    closed_removed: { type: 'final', entry: 'recordClosed' },
    closed_withdrawn: { type: 'final', entry: 'recordClosed' },
    // 留党察看 recorded: no organizational measure; the registry holds the discipline until it runs out
    closed_disciplined: { type: 'final', entry: 'recordClosed' },
  },
});
