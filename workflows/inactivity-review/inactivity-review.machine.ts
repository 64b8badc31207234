/**
 * 长期不参加组织生活核查: the branch clerk's review of what the inactivity detector found about one member.
 * Opening a `nonconforming` case (trigger `inactivity`) is the clerk's decision, never the detector's;
 * dismissing needs a reason. Pure XState v5 machine.
 */
import { assign, setup } from 'xstate';
import { localDate } from '../kernel/dates';
import { CaseInput, effect, Effect, WorkflowEvent } from '../kernel/definition';
import type {
  DismissPayload,
  InactivityGround,
  InactivityReviewCreateInput,
  OpenNonconformingPayload,
} from './inactivity-review.events';

export const INACTIVITY_REVIEW_KEY = 'inactivity-review';

export const GROUND_TITLES: Record<InactivityGround, string> = {
  org_life: '不参加党的组织生活',
  dues: '不交纳党费',
};

export interface InactivityReviewContext extends InactivityReviewCreateInput {
  memberId: string;
  openedAt: string;
  decision?: { outcome: 'referred' | 'dismissed'; on: string; reason?: string; grounds?: string };
}

export type InactivityReviewEvent = WorkflowEvent &
  ({ type: 'OPEN_NONCONFORMING'; data?: OpenNonconformingPayload } | { type: 'DISMISS'; data: DismissPayload });

/** DISMISS: a reason is required (党章: 没有正当理由 — the reason is what makes it 正当). */
export function dismissRule(_context: InactivityReviewContext, event: WorkflowEvent): string | null {
  if (!(event.data as DismissPayload | undefined)?.reason?.trim())
    return '不予处置须填写理由（如已请假、因病等正当理由）';
  return null;
}

/** The grounds the non-conforming case opens with: the clerk's words, else the detector's evidence. */
export const nonconformingGrounds = (context: InactivityReviewContext, data?: OpenNonconformingPayload) =>
  data?.grounds?.trim() || context.summary;

export const inactivityReviewMachine = setup({
  types: {} as {
    context: InactivityReviewContext;
    events: InactivityReviewEvent;
    input: CaseInput<InactivityReviewCreateInput>;
  },
  actions: { effect: (_args, _params: Effect) => {} },
  guards: { dismissOk: ({ context, event }) => dismissRule(context, event) === null },
}).createMachine({
  id: INACTIVITY_REVIEW_KEY,
  initial: 'review',
  context: ({ input }) => ({
    ...input.input,
    memberId: input.subject.memberId!,
    openedAt: input.at,
  }),
  states: {
    review: {
      on: {
        OPEN_NONCONFORMING: {
          target: 'referred',
          actions: [
            assign(({ context, event }) => ({
              decision: {
                outcome: 'referred' as const,
                on: localDate(event.at, context.openedAt),
                grounds: nonconformingGrounds(context, event.data as OpenNonconformingPayload | undefined),
              },
            })),
            effect(({ context, event }) => ({
              kind: 'case.open',
              workflow: 'nonconforming',
              subject: { memberId: context.memberId },
              input: {
                trigger: 'inactivity',
                grounds: nonconformingGrounds(context, event.data as OpenNonconformingPayload | undefined),
              },
            })),
          ],
        },
        DISMISS: {
          guard: 'dismissOk',
          target: 'dismissed',
          actions: assign(({ context, event }) => ({
            decision: {
              outcome: 'dismissed' as const,
              on: localDate(event.at, context.openedAt),
              reason: (event.data as DismissPayload).reason.trim(),
            },
          })),
        },
      },
    },
    referred: { type: 'final' },
    dismissed: { type: 'final' },
  },
});
