/**
 * 年度考核与述职评议 (docs/procedures.md §5): 一会四评, member ratings, secretary's report, committee grade.
 * Pure XState v5 machine. Deadlines are fixed calendar dates of year Y+1, computed into context at creation.
 */
import { isUUID } from 'class-validator';
import { assign, enqueueActions, setup } from 'xstate';
import { CaseInput, Effect, FactName, WorkflowEvent } from '../kernel/definition';
import {
  RATINGS,
  type AnnualReviewCreateInput,
  type Rating,
  type RecordLeaderCommentPayload,
  type RecordMeetingPayload,
  type RecordPeerReviewPayload,
  type RecordSelfAssessmentsPayload,
  type ScorePayload,
  type SubmitRatingsPayload,
  type SubmitReportPayload,
} from './annual-review.events';
import { localDate, localDateOrText } from '../kernel/dates';
import { describeOnPartyProbation, onPartyProbation } from '../kernel/party-probation';

export const ANNUAL_REVIEW_KEY = 'annual-review';

/** States that carry a fixed calendar due date, in order. */
export const ANNUAL_REVIEW_STEPS = [
  'self_assessment',
  'peer_review',
  'org_life_meeting',
  'leader_comment',
  'member_ratings',
  'secretary_report',
  'committee_assessment',
] as const;
export type AnnualReviewStep = (typeof ANNUAL_REVIEW_STEPS)[number];

export type Grade = 'I' | 'II' | 'III';

/** The key that makes an organization's review of a year unique (cases.once_key). */
export const annualReviewOnceKey = (orgId: string, year: number) => `${ANNUAL_REVIEW_KEY}:${orgId}:${year}`;

export interface AnnualReviewPolicy {
  /** 优秀 may not exceed this share of the rated members. */
  excellentMaxRatio: number;
  /** Minimum score for grade I (先进) and II (一般); below II is III (后进). */
  gradeThresholds: { I: number; II: number };
  /** Month-day (MM-DD) in year Y+1 by which each step is due. */
  dueDates: Record<AnnualReviewStep, string>;
}

export const ANNUAL_REVIEW_POLICY_DEFAULTS: AnnualReviewPolicy = {
  excellentMaxRatio: 1 / 3,
  gradeThresholds: { I: 85, II: 70 },
  dueDates: {
    self_assessment: '01-15',
    peer_review: '01-31',
    org_life_meeting: '01-31',
    leader_comment: '02-15',
    member_ratings: '02-28',
    secretary_report: '03-15',
    committee_assessment: '03-31',
  },
};

export interface AnnualReviewContext {
  orgId: string;
  year: number;
  campaignId?: string;
  openedAt: string;
  /** ISO date per step (anchors `<step>.due`), e.g. `due.self_assessment = '2027-01-15'`. */
  due: Record<AnnualReviewStep, string>;
  selfAssessedMemberIds?: string[];
  peerReviewedOn?: string;
  meeting?: { heldOn: string; branchComment: string };
  leaderComment?: string;
  ratings?: Record<string, Rating>;
  ratingCounts?: Record<Rating, number>;
  report?: { summary: string; submittedOn: string; reporterId?: string; reporterName?: string };
  score?: number;
  grade?: Grade;
  completedOn?: string;
  policy: AnnualReviewPolicy;
}

type Facts = Partial<Record<FactName, any>>;
type Ev<T extends string, D> = { type: T; at?: string; facts?: Facts; data: D };

export type AnnualReviewEvent =
  | Ev<'RECORD_SELF_ASSESSMENTS', RecordSelfAssessmentsPayload>
  | { type: 'RECORD_PEER_REVIEW'; at?: string; facts?: Facts; data?: RecordPeerReviewPayload }
  | Ev<'RECORD_MEETING', RecordMeetingPayload>
  | Ev<'RECORD_LEADER_COMMENT', RecordLeaderCommentPayload>
  | Ev<'SUBMIT_RATINGS', SubmitRatingsPayload>
  | Ev<'SUBMIT_REPORT', SubmitReportPayload>
  | Ev<'SCORE', ScorePayload>;

// ---------------------------------------------------------------- dates

/** Due dates of a review of `year`: all fall in year + 1. */
export function dueDatesFor(
  year: number,
  dueDates: Record<AnnualReviewStep, string>,
): Record<AnnualReviewStep, string> {
  return Object.fromEntries(ANNUAL_REVIEW_STEPS.map((s) => [s, `${year + 1}-${dueDates[s]}`])) as Record<
    AnnualReviewStep,
    string
  >;
}

// ---------------------------------------------------------------- rules (pure, shared with EventMeta.rule)

type Rule = (context: AnnualReviewContext, event: WorkflowEvent) => string | null;

/** A meeting or review cannot be recorded as held on a future day. */
export const heldOnRule: Rule = (context, event) => {
  const heldOn = event.data?.heldOn as string | undefined;
  if (heldOn && localDateOrText(heldOn) > localDate(event.at, context.openedAt)) return '召开日期不得晚于今天';
  return null;
};

const ratioLabel = (r: number) => (Math.abs(r - 1 / 3) < 1e-9 ? '三分之一' : `${Math.round(r * 1000) / 10}%`);

/**
 * 民主评议: every full member rated once, nobody else, 优秀 ≤ ratio. Probationary members take part but are not rated;
 * neither are members under 留党察看 (fact `orgMembersOnPartyProbation`): 党章 takes their vote and their right to
 * elect and be elected for the period, and whether they have corrected is judged when it runs out, not by a rating
 * of the branch.
 */
export const ratingsRule: Rule = (context, event) => {
  const ratings = event.data?.ratings as Record<string, unknown> | undefined;
  if (!ratings || typeof ratings !== 'object' || Array.isArray(ratings))
    return '评议结果格式不正确，应为“党员 → 等次”的对照表';
  const full = event.facts?.fullMemberIdsOfOrg;
  if (!Array.isArray(full)) return '无法获取本支部正式党员名单';
  const ids = Object.keys(ratings);
  for (const id of ids) {
    if (!isUUID(id)) return `党员标识“${id}”格式不正确`;
    if (!RATINGS.includes(ratings[id] as Rating)) return `党员${id}的评议等次“${String(ratings[id])}”无效`;
  }
  const onProbation = onPartyProbation(event.facts, 'orgMembersOnPartyProbation');
  const ratedOnProbation = onProbation.filter((p) => p.id in ratings);
  if (ratedOnProbation.length)
    return `受留党察看处分、尚未恢复党员权利的党员参加评议但不评定等次：${describeOnPartyProbation(ratedOnProbation)}`;
  const fullSet = new Set<string>(full);
  const notFull = ids.filter((id) => !fullSet.has(id));
  if (notFull.length)
    return `以下人员不是本支部正式党员，不评定等次（预备党员参加评议但不评定等次）：${notFull.join('、')}`;
  const excluded = new Set(onProbation.map((p) => p.id));
  const missing = full.filter((id: string) => !(id in ratings) && !excluded.has(id));
  if (missing.length) return `以下正式党员尚未评定等次：${missing.join('、')}`;
  const excellent = ids.filter((id) => ratings[id] === 'excellent').length;
  const ratio = context.policy.excellentMaxRatio;
  if (excellent > ratio * ids.length + 1e-9) {
    return `评为优秀的党员（${excellent}人）超过参评党员（${ids.length}人）的${ratioLabel(ratio)}，最多${Math.floor(ratio * ids.length + 1e-9)}人`;
  }
  return null;
};

interface SecretaryFact {
  memberId: string;
  name?: string | null;
}

/**
 * 述职 is the secretary's (Ganzhou: every firm organization reports to the city committee each year; Hunan:
 * 书记述职 in 三级联述联评联考): the organization's secretary on record (fact `orgSecretary`, written by its
 * branch-term case) gives it. With no secretary on record the report is refused until one is registered; a report
 * naming someone else as 述职人 is refused. Without the fact loaded (the machine tested alone) nothing is checked.
 */
export const reportRule: Rule = (_context, event) => {
  if (!event.facts || !('orgSecretary' in event.facts)) return null;
  const secretary = event.facts.orgSecretary as SecretaryFact | null;
  if (!secretary) return '本组织尚未登记书记，述职须由书记作出：请先登记书记及任期（换届）后再提交述职报告';
  const reporterId = event.data?.reporterId as string | undefined;
  if (reporterId && reporterId !== secretary.memberId)
    return `述职须由本组织书记${secretary.name ?? secretary.memberId}本人作出，所填述职人不是登记的书记`;
  return null;
};

export function gradeFor(score: number, thresholds: { I: number; II: number }): Grade {
  if (score >= thresholds.I) return 'I';
  if (score >= thresholds.II) return 'II';
  return 'III';
}

function countRatings(ratings: Record<string, Rating>): Record<Rating, number> {
  const counts = Object.fromEntries(RATINGS.map((r) => [r, 0])) as Record<Rating, number>;
  for (const r of Object.values(ratings)) counts[r] += 1;
  return counts;
}

/** Member ids with a given rating, sorted (jsonb does not keep key order). */
export function membersRated(ratings: Record<string, Rating> | undefined, rating: Rating): string[] {
  return Object.keys(ratings ?? {})
    .filter((id) => ratings![id] === rating)
    .sort();
}

/** Registry changes and follow-ups when the review is complete. */
export function completionEffects(context: AnnualReviewContext): Effect[] {
  const effects: Effect[] = [
    { kind: 'org.recordGrade', orgId: context.orgId, year: context.year, score: context.score!, grade: context.grade! },
  ];
  for (const memberId of membersRated(context.ratings, 'unqualified')) {
    effects.push({
      kind: 'case.open',
      workflow: 'nonconforming',
      subject: { memberId },
      input: { trigger: 'annual_rating', grounds: '年度民主评议被评为不合格' },
    });
  }
  // 分类定级 → 晋位升级: a branch graded 一般 or 后进 gets its upgrade task, followed to the next year's grade
  if (context.grade === 'II' || context.grade === 'III')
    effects.push({
      kind: 'case.open',
      workflow: 'grade-upgrade',
      subject: { orgId: context.orgId },
      input: { year: context.year, grade: context.grade, score: context.score },
    });
  const memberIds = membersRated(context.ratings, 'excellent');
  const orgIds = context.grade === 'I' ? [context.orgId] : [];
  // 七一 commendation list; nothing to add when nobody qualifies.
  if (memberIds.length || orgIds.length)
    effects.push({ kind: 'commendation.add', year: context.year, memberIds, orgIds });
  return effects;
}

// ---------------------------------------------------------------- machine

export const annualReviewMachine = setup({
  types: {} as {
    context: AnnualReviewContext;
    events: AnnualReviewEvent;
    input: CaseInput<AnnualReviewCreateInput>;
  },
  actions: {
    effect: (_args, _params: Effect) => {},
  },
  guards: {
    heldOnOk: ({ context, event }) => heldOnRule(context, event as WorkflowEvent) === null,
    ratingsOk: ({ context, event }) => ratingsRule(context, event as WorkflowEvent) === null,
    reportOk: ({ context, event }) => reportRule(context, event as WorkflowEvent) === null,
  },
}).createMachine({
  id: ANNUAL_REVIEW_KEY,
  initial: 'self_assessment',
  context: ({ input }) => {
    const p = (input.policy ?? {}) as Partial<AnnualReviewPolicy>;
    const policy: AnnualReviewPolicy = {
      ...ANNUAL_REVIEW_POLICY_DEFAULTS,
      ...p,
      gradeThresholds: { ...ANNUAL_REVIEW_POLICY_DEFAULTS.gradeThresholds, ...p.gradeThresholds },
      dueDates: { ...ANNUAL_REVIEW_POLICY_DEFAULTS.dueDates, ...p.dueDates },
    };
    return {
      orgId: input.subject.orgId!,
      year: input.input.year,
      campaignId: input.input.campaignId,
      openedAt: input.at,
      due: dueDatesFor(input.input.year, policy.dueDates),
      policy,
    };
  },
  states: {
    self_assessment: {
      on: {
        RECORD_SELF_ASSESSMENTS: {
          target: 'peer_review',
          actions: assign({ selfAssessedMemberIds: ({ event }) => [...event.data.memberIds] }),
        },
      },
    },
    peer_review: {
      on: {
        RECORD_PEER_REVIEW: {
          guard: 'heldOnOk',
          target: 'org_life_meeting',
          actions: assign({
            peerReviewedOn: ({ context, event }) =>
              event.data?.heldOn ? localDateOrText(event.data.heldOn) : localDate(event.at, context.openedAt),
          }),
        },
      },
    },
    org_life_meeting: {
      on: {
        RECORD_MEETING: {
          guard: 'heldOnOk',
          target: 'leader_comment',
          actions: assign({
            meeting: ({ event }) => ({
              heldOn: localDateOrText(event.data.heldOn),
              branchComment: event.data.branchComment,
            }),
          }),
        },
      },
    },
    leader_comment: {
      on: {
        RECORD_LEADER_COMMENT: {
          target: 'member_ratings',
          actions: assign({ leaderComment: ({ event }) => event.data.comment }),
        },
      },
    },
    member_ratings: {
      on: {
        SUBMIT_RATINGS: {
          guard: 'ratingsOk',
          target: 'secretary_report',
          actions: assign(({ event }) => ({
            ratings: { ...event.data.ratings },
            ratingCounts: countRatings(event.data.ratings),
          })),
        },
      },
    },
    secretary_report: {
      on: {
        SUBMIT_REPORT: {
          guard: 'reportOk',
          target: 'committee_assessment',
          actions: assign({
            report: ({ context, event }) => {
              const secretary = event.facts?.orgSecretary as SecretaryFact | null | undefined;
              const reporterId = secretary?.memberId ?? event.data.reporterId;
              return {
                summary: event.data.summary,
                submittedOn: localDate(event.at, context.openedAt),
                ...(reporterId ? { reporterId } : {}),
                ...(secretary?.name ? { reporterName: secretary.name } : {}),
              };
            },
          }),
        },
      },
    },
    committee_assessment: {
      on: {
        SCORE: {
          target: 'completed',
          actions: assign(({ context, event }) => ({
            score: event.data.score,
            grade: gradeFor(event.data.score, context.policy.gradeThresholds),
            completedOn: localDate(event.at, context.openedAt),
          })),
        },
      },
    },
    completed: {
      type: 'final',
      entry: enqueueActions(({ context, enqueue }) => {
        for (const params of completionEffects(context)) enqueue({ type: 'effect', params });
      }),
    },
  },
});
