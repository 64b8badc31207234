/**
 * 律师事务所党组织组建 (docs/procedures.md §2). Pure XState v5 machine: no timers, no side effects.
 * The 6-month re-count in `monitoring` and the 3-month overall deadline are deadlines in the metadata.
 */
import { assign, setup } from 'xstate';
import { CaseInput, Effect, FactName, WorkflowEvent, effect } from '../kernel/definition';
import type {
  AssignInstructorPayload,
  AssignJointBranchPayload,
  BranchFormationCreateInput,
  BranchFormationTrigger,
  CloseFirmPayload,
  FirmEstablishedPayload,
  RecordElectionPayload,
  ReturnPayload,
  SubmitApplicationPayload,
  SubmitSurveyPayload,
} from './branch-formation.events';
import { addMonths, localDate, localDateOrText } from '../kernel/dates';
import { notElectableProblem, onPartyProbation } from '../kernel/party-probation';

export const BRANCH_FORMATION_KEY = 'branch-formation';

export interface BranchFormationPolicy {
  /** 支部工作条例: ≥3 full members may form a branch of their own. */
  branchMinFullMembers: number;
  /** ≥7 full members → a branch committee is required. */
  committeeThreshold: number;
  committeeMin: number;
  committeeMax: number;
  /** A joint branch covers at most this many units. */
  jointBranchMaxUnits: number;
  recountMonths: number;
}

export const BRANCH_FORMATION_POLICY_DEFAULTS: BranchFormationPolicy = {
  branchMinFullMembers: 3,
  committeeThreshold: 7,
  committeeMin: 3,
  committeeMax: 7,
  jointBranchMaxUnits: 5,
  recountMonths: 6,
};

export type CoverageDecision = 'branch' | 'joint_branch' | 'instructor';

export interface SurveyRecord {
  fullMembers: number;
  probationaryMembers: number;
  directorIsMember: boolean;
  directorMemberId?: string;
  memberIds: string[];
  /** Date (Asia/Shanghai) the survey was recorded. */
  surveyedOn: string;
}

export interface BranchFormationContext {
  firmId: string;
  trigger: BranchFormationTrigger;
  openedAt: string;
  /** ISO date; anchors the `formation.overall` deadline. */
  establishedOn?: string;
  headFirmOrgId?: string;
  /** Guide organization of a branch office (律师事务所党组织工作规则 art. 5). */
  guideOrgId?: string;
  survey?: SurveyRecord;
  decision?: CoverageDecision;
  proposedSecretaryId?: string;
  /** the day the application confirmed the firm's charter contains party-building clauses (Ganzhou) */
  charterPartyClausesOn?: string;
  formationApprovedOn?: string;
  lastReturn?: { from: 'committee_review' | 'secretary_approval'; reason: string; on: string };
  election?: {
    electedOn: string;
    secretaryId: string;
    committeeIds: string[];
    justification?: string;
  };
  secretaryApprovedOn?: string;
  jointBranchId?: string;
  liaisonMemberId?: string;
  instructorId?: string;
  /** ISO date of the next re-count in `monitoring`; anchors the `monitoring.recount` deadline. */
  nextRecountDue?: string;
  closedOn?: string;
  closeReason?: string;
  policy: BranchFormationPolicy;
}

type Facts = Partial<Record<FactName, any>>;
type Ev<T extends string, D = undefined> = { type: T; at?: string; facts?: Facts } & (D extends undefined
  ? { data?: Record<string, never> }
  : { data: D });

export type BranchFormationEvent =
  | Ev<'SUBMIT_SURVEY', SubmitSurveyPayload>
  | Ev<'SUBMIT_APPLICATION', SubmitApplicationPayload>
  | Ev<'APPROVE_FORMATION'>
  | Ev<'RETURN', ReturnPayload>
  | Ev<'RECORD_ELECTION', RecordElectionPayload>
  | Ev<'APPROVE_SECRETARY'>
  | Ev<'ASSIGN_JOINT_BRANCH', AssignJointBranchPayload>
  | Ev<'ASSIGN_INSTRUCTOR', AssignInstructorPayload>
  | { type: 'CLOSE_FIRM'; at?: string; facts?: Facts; data?: CloseFirmPayload }
  | Ev<'FIRM_ESTABLISHED', FirmEstablishedPayload>
  | Ev<'RECOUNT_DUE'>;

// ---------------------------------------------------------------- rules (pure, shared with EventMeta.rule)

type Rule = (context: BranchFormationContext, event: WorkflowEvent) => string | null;

export const surveyRule: Rule = (_context, event) => {
  const d = event.data as SubmitSurveyPayload | undefined;
  if (!d) return '缺少调查数据';
  if (d.memberIds.length !== d.fullMembers + d.probationaryMembers) {
    return `党员名单人数（${d.memberIds.length}）与正式党员、预备党员人数之和（${d.fullMembers + d.probationaryMembers}）不一致`;
  }
  // the decision rests on the number of full members: it must match the registry, not only the form
  const notFull: unknown = event.facts?.memberIdsUnderProbation;
  if (Array.isArray(notFull)) {
    const full = d.memberIds.filter((id) => !notFull.includes(id)).length;
    if (full !== d.fullMembers)
      return `名单中在党员信息库登记为正式党员的有 ${full} 名，与填报的正式党员人数（${d.fullMembers}）不符`;
  }
  if (d.directorIsMember) {
    if (!d.directorMemberId) return '律师事务所主任是党员时，须填写主任的党员身份';
    if (!d.memberIds.includes(d.directorMemberId)) return '律师事务所主任须列入本所党员名单';
  } else if (d.directorMemberId) {
    return '律师事务所主任不是党员，不应填写主任的党员身份';
  }
  return null;
};

/** Decision rule after SUBMIT_SURVEY (支部工作条例: 正式党员不足3人的单位成立联合党支部). */
export function decideCoverage(d: SubmitSurveyPayload, policy: BranchFormationPolicy): CoverageDecision {
  if (d.fullMembers >= policy.branchMinFullMembers) return 'branch';
  // Probationary members also need an organization: only a firm without any member gets an instructor.
  if (d.fullMembers + d.probationaryMembers > 0) return 'joint_branch';
  return 'instructor';
}

export const applicationRule: Rule = (context, event) => {
  const d = event.data as SubmitApplicationPayload | undefined;
  if (!d) return '缺少申请数据';
  if (!context.survey?.memberIds.includes(d.proposedSecretaryId)) return '拟任支部书记须为本所党员（调查名单内）';
  if (d.charterPartyClauses !== true)
    return '律所章程须增加党建内容、明确党组织在律所中发挥政治核心作用，章程修订后方可提交成立党支部申请';
  return null;
};

export const electionRule: Rule = (context, event) => {
  const d = event.data as RecordElectionPayload | undefined;
  if (!d) return '缺少选举数据';
  const members = context.survey?.memberIds ?? [];
  const p = context.policy;
  if (localDateOrText(d.electedOn) > localDate(event.at, context.openedAt)) return '选举日期不得晚于今天';
  if (!members.includes(d.secretaryId)) return '支部书记须为本所党员（调查名单内）';
  if (d.committeeIds.some((id) => !members.includes(id))) return '支部委员须为本所党员（调查名单内）';
  if ((context.survey?.fullMembers ?? 0) >= p.committeeThreshold) {
    const n = d.committeeIds.length;
    if (n < p.committeeMin || n > p.committeeMax) {
      return `正式党员${p.committeeThreshold}人以上的党支部须设立支部委员会，委员${p.committeeMin}至${p.committeeMax}人（一般3至5人），当前${n}人`;
    }
  }
  if (d.committeeIds.length > 0 && !d.committeeIds.includes(d.secretaryId)) return '支部书记须为支部委员会委员';
  // the registry's 留党察看 on the engine's day (fact `memberIdsOnPartyProbation`): no right to be elected
  return notElectableProblem(onPartyProbation(event.facts, 'memberIdsOnPartyProbation'), d.secretaryId, d.committeeIds);
};

/** 一肩挑: a director who is a member should be the secretary, otherwise a written justification. */
export const secretaryApprovalRule: Rule = (context) => {
  const s = context.survey;
  const e = context.election;
  if (!s || !e) return '尚无选举结果';
  if (s.directorIsMember && e.secretaryId !== s.directorMemberId && !e.justification?.trim()) {
    return '律师事务所主任是党员但未担任支部书记，须在选举记录中说明理由（书面报告市律师行业党委）后方可审批';
  }
  return null;
};

export const jointBranchRule: Rule = (context, event) => {
  const count = event.facts?.jointBranchUnitCount;
  if (count === null) return '所选组织不是联合党支部，不能将律师事务所纳入';
  if (typeof count !== 'number') return '无法获取该联合党支部已覆盖的单位数';
  const max = context.policy.jointBranchMaxUnits;
  if (count >= max) return `该联合党支部已覆盖${count}个单位，联合党支部覆盖单位不得超过${max}个`;
  return null;
};

// ---------------------------------------------------------------- actions

const coverageEffect = (
  build: (context: BranchFormationContext) => Omit<Extract<Effect, { kind: 'firm.setCoverage' }>, 'kind' | 'firmId'>,
) => effect(({ context }) => ({ kind: 'firm.setCoverage', firmId: context.firmId, ...build(context) }));

// ---------------------------------------------------------------- machine

const hasDecision =
  (decision: CoverageDecision) =>
  ({ context, event }: { context: BranchFormationContext; event: BranchFormationEvent }) =>
    surveyRule(context, event as WorkflowEvent) === null &&
    decideCoverage(event.data as SubmitSurveyPayload, context.policy) === decision;

const closeFirm = { CLOSE_FIRM: { target: '#branch-formation.closed', actions: 'recordClose' } } as const;

export const branchFormationMachine = setup({
  types: {} as {
    context: BranchFormationContext;
    events: BranchFormationEvent;
    input: CaseInput<BranchFormationCreateInput>;
  },
  actions: {
    effect: (_args, _params: Effect) => {},
    recordSurvey: assign(({ context, event }) => {
      const d = event.data as SubmitSurveyPayload;
      return {
        survey: {
          fullMembers: d.fullMembers,
          probationaryMembers: d.probationaryMembers,
          directorIsMember: d.directorIsMember,
          directorMemberId: d.directorMemberId,
          memberIds: [...d.memberIds],
          surveyedOn: localDate(event.at, context.openedAt),
        },
        decision: decideCoverage(d, context.policy),
        // A date already known (from creation) is not overwritten by the surveyor.
        establishedOn: context.establishedOn ?? (d.establishedOn ? localDateOrText(d.establishedOn) : undefined),
      };
    }),
    setNextRecount: assign(({ context, event }) => ({
      nextRecountDue: addMonths(localDate(event.at, context.openedAt), context.policy.recountMonths),
    })),
    recordReturn: assign(({ context, event }, params: { from: 'committee_review' | 'secretary_approval' }) => ({
      lastReturn: {
        from: params.from,
        reason: (event.data as ReturnPayload).reason,
        on: localDate(event.at, context.openedAt),
      },
    })),
    recordEstablishment: assign(({ event }) => ({
      establishedOn: localDateOrText(
        (event as Extract<BranchFormationEvent, { type: 'FIRM_ESTABLISHED' }>).data.establishedOn,
      ),
    })),
    recordClose: assign(({ context, event }) => ({
      closedOn: localDate(event.at, context.openedAt),
      closeReason: (event.data as CloseFirmPayload | undefined)?.reason,
    })),
  },
  guards: {
    establishmentUnknown: ({ context }) => !context.establishedOn,
    surveyBranch: hasDecision('branch'),
    surveyJoint: hasDecision('joint_branch'),
    surveyInstructor: hasDecision('instructor'),
    applicationOk: ({ context, event }) => applicationRule(context, event as WorkflowEvent) === null,
    electionOk: ({ context, event }) => electionRule(context, event as WorkflowEvent) === null,
    secretaryOk: ({ context, event }) => secretaryApprovalRule(context, event as WorkflowEvent) === null,
    jointBranchOk: ({ context, event }) => jointBranchRule(context, event as WorkflowEvent) === null,
  },
}).createMachine({
  id: BRANCH_FORMATION_KEY,
  initial: 'survey',
  context: ({ input }) => {
    const i = input.input ?? {};
    return {
      firmId: input.subject.firmId!,
      trigger: i.trigger ?? 'manual',
      openedAt: input.at,
      establishedOn: i.establishedOn ? localDateOrText(i.establishedOn) : undefined,
      headFirmOrgId: i.headFirmOrgId,
      guideOrgId: i.headFirmOrgId,
      policy: { ...BRANCH_FORMATION_POLICY_DEFAULTS, ...(input.policy as Partial<BranchFormationPolicy>) },
    };
  },
  // the establishment date, once known, starts the whole procedure's 3-month deadline (in whatever state)
  on: {
    FIRM_ESTABLISHED: { guard: 'establishmentUnknown', actions: 'recordEstablishment' },
  },
  states: {
    survey: {
      on: {
        SUBMIT_SURVEY: [
          { guard: 'surveyBranch', target: 'application', actions: 'recordSurvey' },
          { guard: 'surveyJoint', target: 'joint_assignment', actions: 'recordSurvey' },
          { guard: 'surveyInstructor', target: 'instructor_assignment', actions: 'recordSurvey' },
        ],
        ...closeFirm,
      },
    },
    application: {
      on: {
        SUBMIT_APPLICATION: {
          guard: 'applicationOk',
          target: 'committee_review',
          actions: assign({
            proposedSecretaryId: ({ event }) => (event.data as SubmitApplicationPayload).proposedSecretaryId,
            charterPartyClausesOn: ({ context, event }) => localDate(event.at, context.openedAt),
          }),
        },
        ...closeFirm,
      },
    },
    committee_review: {
      on: {
        APPROVE_FORMATION: {
          target: 'election',
          actions: assign({ formationApprovedOn: ({ context, event }) => localDate(event.at, context.openedAt) }),
        },
        RETURN: { target: 'application', actions: { type: 'recordReturn', params: { from: 'committee_review' } } },
        ...closeFirm,
      },
    },
    election: {
      on: {
        RECORD_ELECTION: {
          guard: 'electionOk',
          target: 'secretary_approval',
          actions: assign({
            election: ({ event }) => {
              const d = event.data as RecordElectionPayload;
              return {
                electedOn: localDateOrText(d.electedOn),
                secretaryId: d.secretaryId,
                committeeIds: [...d.committeeIds],
                justification: d.justification,
              };
            },
          }),
        },
        ...closeFirm,
      },
    },
    secretary_approval: {
      on: {
        APPROVE_SECRETARY: {
          guard: 'secretaryOk',
          target: 'established',
          actions: assign({ secretaryApprovedOn: ({ context, event }) => localDate(event.at, context.openedAt) }),
        },
        RETURN: { target: 'election', actions: { type: 'recordReturn', params: { from: 'secretary_approval' } } },
        ...closeFirm,
      },
    },
    joint_assignment: {
      on: {
        ASSIGN_JOINT_BRANCH: {
          guard: 'jointBranchOk',
          target: 'established_joint',
          actions: assign(({ event }) => {
            const d = event.data as AssignJointBranchPayload;
            return { jointBranchId: d.jointBranchId, liaisonMemberId: d.liaisonMemberId };
          }),
        },
        ...closeFirm,
      },
    },
    instructor_assignment: {
      on: {
        ASSIGN_INSTRUCTOR: {
          target: 'monitoring',
          actions: [
            assign({ instructorId: ({ event }) => (event.data as AssignInstructorPayload).instructorId }),
            coverageEffect((c) => ({ coverage: 'instructor', instructorId: c.instructorId })),
          ],
        },
        ...closeFirm,
      },
    },
    monitoring: {
      // The re-count date is set on every entry, including the re-entry after a survey that still finds 0.
      entry: 'setNextRecount',
      on: {
        SUBMIT_SURVEY: [
          { guard: 'surveyBranch', target: 'application', actions: 'recordSurvey' },
          { guard: 'surveyJoint', target: 'joint_assignment', actions: 'recordSurvey' },
          { guard: 'surveyInstructor', target: 'monitoring', reenter: true, actions: 'recordSurvey' },
        ],
        // the clock at the re-count date: the reminder went out; the next period starts (a 6-monthly cycle)
        RECOUNT_DUE: { target: 'monitoring', reenter: true },
        ...closeFirm,
      },
    },
    established: {
      type: 'final',
      entry: [
        effect(({ context }) => ({
          kind: 'org.createForFirm',
          firmId: context.firmId,
          orgType: 'branch',
          secretaryId: context.election?.secretaryId,
          memberIds: [...(context.survey?.memberIds ?? [])],
        })),
        coverageEffect(() => ({ coverage: 'branch' })),
      ],
    },
    established_joint: {
      type: 'final',
      entry: coverageEffect((c) => ({ coverage: 'joint_branch', orgId: c.jointBranchId })),
    },
    closed: {
      type: 'final',
      entry: [
        coverageEffect(() => ({ coverage: 'none' })),
        effect(({ context }) => ({ kind: 'firm.close', firmId: context.firmId })),
      ],
    },
  },
});
