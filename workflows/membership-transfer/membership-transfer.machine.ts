/**
 * 组织关系接转 (docs/procedures.md §1). Pure XState v5 machine: no timers, no side effects.
 * Letter expiry and the licensing 6-month rule are deadlines in the metadata; the clock and the licensing
 * integration send their events like any other sender.
 */
import { assign, setup } from 'xstate';
import { CaseInput, Effect, FactName, WorkflowEvent, effect } from '../kernel/definition';
import type {
  IssueLetterPayload,
  LicensingApprovedPayload,
  ReasonPayload,
  RecordReportPayload,
  TransferCreateInput,
  TransferTrigger,
} from './membership-transfer.events';
import { addMonths, toDate } from '../kernel/dates';

export const MEMBERSHIP_TRANSFER_KEY = 'membership-transfer';

export interface TransferPolicy {
  /** Longest validity of a transfer letter, in months from its issue date [L]. */
  letterMaxValidityMonths: number;
  /** The transfer must be completed within this many months of the licensing approval [L]. */
  licensingSyncMonths: number;
}

export const TRANSFER_POLICY_DEFAULTS: TransferPolicy = {
  letterMaxValidityMonths: 3,
  licensingSyncMonths: 6,
};

export interface TransferContext {
  memberId: string;
  /** Sending org; absent for an external sender (or when the engine did not pass the default). */
  fromOrgId?: string;
  toOrgId: string;
  licensingRef?: string;
  trigger: TransferTrigger;
  openedAt: string;
  /** Sender outside the registry (cross-province / other sector). */
  external?: { senderName: string; letterNo: string; validUntil: string };
  /** Current letter (the external one, the issued one, or the latest re-issued one). */
  letterNo?: string;
  /** ISO date, last day of validity; anchors the `awaiting_report.letter_validity` deadline. */
  validUntil?: string;
  letterIssuedOn?: string;
  reissueCount: number;
  releaseApprovedOn?: string;
  lastRejection?: { reason: string; on: string };
  lastReturn?: { reason: string; on: string };
  acceptedOn?: string;
  reportedOn?: string;
  letterExpiredOn?: string;
  exception?: { reason: string; on: string };
  exceptionDeniedOn?: string;
  referredOn?: string;
  /** Engine time the licensing side approved the practice / firm transfer. */
  licensingApprovedAt?: string;
  /** ISO date; anchors the `transfer.six_month_rule` deadline (only set once licensing approved). */
  sixMonthDueAt?: string;
  cancelledOn?: string;
  policy: TransferPolicy;
}

type Facts = Partial<Record<FactName, any>>;
type Ev<T extends string, D = undefined> = { type: T; at?: string; facts?: Facts } & (D extends undefined
  ? { data?: Record<string, never> }
  : { data: D });

export type TransferEvent =
  | Ev<'APPROVE_RELEASE'>
  | Ev<'REJECT_RELEASE', ReasonPayload>
  | Ev<'ISSUE_LETTER', IssueLetterPayload>
  | Ev<'ACCEPT'>
  | Ev<'RETURN', ReasonPayload>
  | Ev<'RECORD_REPORT', RecordReportPayload>
  | Ev<'LETTER_EXPIRED'>
  | Ev<'REISSUE_LETTER', IssueLetterPayload>
  | Ev<'REFER_NONCONFORMING'>
  | Ev<'APPROVE_EXCEPTION', ReasonPayload>
  | Ev<'DENY_EXCEPTION'>
  | Ev<'LICENSING_WITHDRAWN'>
  | { type: 'LICENSING_APPROVED'; at?: string; facts?: Facts; data?: LicensingApprovedPayload };

/**
 * The engine may pass the resolved base parties with the input; when it does, the default sending org
 * (the member's current org) is recorded in context even if `fromOrgId` was not given.
 */
export type TransferCaseInput = CaseInput<TransferCreateInput> & { parties?: Record<string, string | undefined> };

// ---------------------------------------------------------------- dates

const today = (context: TransferContext, event: { at?: string }) => toDate(event.at ?? context.openedAt);

// ---------------------------------------------------------------- rules (pure, shared with EventMeta.rule)

type Rule = (context: TransferContext, event: WorkflowEvent) => string | null;

/** 党员有未结的不合格党员处置案件时暂不转出 [U]. */
export const releaseRule: Rule = (_context, event) => {
  const open = event.facts?.memberHasOpenNonconforming;
  if (typeof open !== 'boolean') return '无法核实该党员是否有未结的不合格党员处置案件';
  if (open) return '该党员有未结的不合格党员处置案件，暂不能转出';
  return null;
};

/** ISSUE_LETTER / REISSUE_LETTER: validity after today and at most `letterMaxValidityMonths` ahead [L]. */
export const letterRule: Rule = (context, event) => {
  const d = event.data as IssueLetterPayload | undefined;
  if (!d?.letterNo?.trim()) return '请填写介绍信编号';
  if (!d.validUntil) return '请填写介绍信有效期';
  const issued = today(context, event);
  const validUntil = toDate(d.validUntil);
  if (validUntil <= issued) return '介绍信有效期须晚于开具日期';
  const months = context.policy.letterMaxValidityMonths;
  const max = addMonths(issued, months);
  if (validUntil > max) return `介绍信有效期最长${months}个月（不得晚于${max}）`;
  return null;
};

/** RECORD_REPORT: the member reported on a past day, while the letter was valid. */
export const reportRule: Rule = (context, event) => {
  const d = event.data as RecordReportPayload | undefined;
  if (!d?.reportedOn) return '请填写报到日期';
  const on = toDate(d.reportedOn);
  if (on > today(context, event)) return '报到日期不得晚于今天';
  if (context.validUntil && on > context.validUntil)
    return `报到日期晚于介绍信有效期（${context.validUntil}），介绍信已失效，请由上级党组织重新开具`;
  return null;
};

/** LETTER_EXPIRED (clock): only once the validity has run out — a stale timer can never expire a new letter. */
export const expiryRule: Rule = (context, event) => {
  if (!context.validUntil) return '尚未记录介绍信有效期';
  if (today(context, event) < context.validUntil) return `介绍信在${context.validUntil}前仍然有效`;
  return null;
};

/** Opening a case from an external letter that has already expired makes no sense: ask for a new one. */
export function externalLetterOpeningRule(input: TransferCreateInput | undefined, at: string): string | null {
  const ext = input?.external;
  if (!ext) return null;
  if (toDate(ext.validUntil) < toDate(at))
    return `外来组织关系介绍信已于${toDate(ext.validUntil)}过期，请原转出党组织重新开具`;
  return null;
}

// ---------------------------------------------------------------- machine

const ruleGuard =
  (rule: Rule) =>
  ({ context, event }: { context: TransferContext; event: TransferEvent }) =>
    rule(context, event as WorkflowEvent) === null;

/** Events the licensing system may send in every open state. */
const licensing = {
  LICENSING_WITHDRAWN: { target: '#membership-transfer.cancelled' },
  LICENSING_APPROVED: { actions: 'recordLicensingApproval' },
} as const;

export const membershipTransferMachine = setup({
  types: {} as {
    context: TransferContext;
    events: TransferEvent;
    input: TransferCaseInput;
  },
  actions: {
    effect: (_args, _params: Effect) => {},
    recordLetter: assign(({ context, event }) => {
      const d = event.data as IssueLetterPayload;
      return { letterNo: d.letterNo.trim(), validUntil: toDate(d.validUntil), letterIssuedOn: today(context, event) };
    }),
    recordLicensingApproval: assign(({ context, event }) => {
      // The first approval starts the clock; a repeated notification (retries) changes nothing.
      if (context.licensingApprovedAt) return {};
      // counted from the approval itself (as the licensing system reports it), not from when the notice arrived
      const approvedAt = (event as Extract<TransferEvent, { type: 'LICENSING_APPROVED' }>).data?.approvedAt;
      const at = approvedAt ? new Date(approvedAt).toISOString() : (event.at ?? context.openedAt);
      return { licensingApprovedAt: at, sixMonthDueAt: addMonths(at, context.policy.licensingSyncMonths) };
    }),
  },
  guards: {
    isExternal: ({ context }) => !!context.external,
    releaseOk: ruleGuard(releaseRule),
    letterOk: ruleGuard(letterRule),
    reportOk: ruleGuard(reportRule),
    expired: ruleGuard(expiryRule),
  },
}).createMachine({
  id: MEMBERSHIP_TRANSFER_KEY,
  initial: 'routing',
  context: ({ input }) => {
    const i = (input.input ?? {}) as TransferCreateInput;
    const ext = i.external
      ? { senderName: i.external.senderName, letterNo: i.external.letterNo, validUntil: toDate(i.external.validUntil) }
      : undefined;
    return {
      memberId: input.subject.memberId!,
      fromOrgId: ext ? undefined : (i.fromOrgId ?? input.parties?.sending),
      toOrgId: i.toOrgId,
      licensingRef: i.licensingRef,
      trigger: i.trigger ?? 'manual',
      openedAt: input.at,
      external: ext,
      letterNo: ext?.letterNo,
      validUntil: ext?.validUntil,
      reissueCount: 0,
      policy: { ...TRANSFER_POLICY_DEFAULTS, ...(input.policy as Partial<TransferPolicy>) },
    };
  },
  states: {
    // Transient: picks the first real state from the input, so `initialTransition` lands there directly.
    routing: {
      always: [{ guard: 'isExternal', target: 'acceptance_review' }, { target: 'release_review' }],
    },
    release_review: {
      on: {
        APPROVE_RELEASE: {
          guard: 'releaseOk',
          target: 'letter_pending',
          actions: assign({ releaseApprovedOn: ({ context, event }) => today(context, event) }),
        },
        REJECT_RELEASE: {
          target: 'exception_review',
          actions: assign({
            lastRejection: ({ context, event }) => ({ reason: event.data.reason, on: today(context, event) }),
          }),
        },
        ...licensing,
      },
    },
    letter_pending: {
      on: {
        ISSUE_LETTER: { guard: 'letterOk', target: 'acceptance_review', actions: 'recordLetter' },
        ...licensing,
      },
    },
    acceptance_review: {
      on: {
        ACCEPT: {
          target: 'awaiting_report',
          actions: assign({ acceptedOn: ({ context, event }) => today(context, event) }),
        },
        RETURN: {
          target: 'letter_pending',
          actions: assign({
            lastReturn: ({ context, event }) => ({ reason: event.data.reason, on: today(context, event) }),
          }),
        },
        ...licensing,
      },
    },
    awaiting_report: {
      on: {
        RECORD_REPORT: {
          guard: 'reportOk',
          target: 'completed',
          actions: assign({ reportedOn: ({ event }) => toDate(event.data.reportedOn) }),
        },
        LETTER_EXPIRED: {
          guard: 'expired',
          target: 'letter_expired',
          actions: assign({ letterExpiredOn: ({ context, event }) => today(context, event) }),
        },
        ...licensing,
      },
    },
    letter_expired: {
      on: {
        REISSUE_LETTER: {
          guard: 'letterOk',
          target: 'awaiting_report',
          actions: ['recordLetter', assign({ reissueCount: ({ context }) => context.reissueCount + 1 })],
        },
        REFER_NONCONFORMING: {
          target: 'closed_referred',
          actions: assign({ referredOn: ({ context, event }) => today(context, event) }),
        },
        ...licensing,
      },
    },
    exception_review: {
      on: {
        APPROVE_EXCEPTION: {
          target: 'closed_exception',
          actions: assign({
            exception: ({ context, event }) => ({ reason: event.data.reason, on: today(context, event) }),
          }),
        },
        DENY_EXCEPTION: {
          target: 'release_review',
          actions: assign({ exceptionDeniedOn: ({ context, event }) => today(context, event) }),
        },
        ...licensing,
      },
    },
    completed: {
      type: 'final',
      entry: [
        effect(({ context }) => ({ kind: 'member.changeOrg', memberId: context.memberId, orgId: context.toOrgId })),
        effect(({ context }) => ({
          kind: 'transfer.receipt',
          memberId: context.memberId,
          fromOrgId: context.fromOrgId,
          toOrgId: context.toOrgId,
          letterNo: context.letterNo,
        })),
        effect({ kind: 'licensing.statusChanged', status: 'completed' }),
      ],
    },
    closed_exception: {
      type: 'final',
      entry: effect({ kind: 'licensing.statusChanged', status: 'exception_approved' }),
    },
    closed_referred: {
      type: 'final',
      // 口袋党员: the expired letter becomes a non-conforming case (Hunan: prevent 口袋党员).
      entry: effect(({ context }) => ({
        kind: 'case.open',
        workflow: 'nonconforming',
        subject: { memberId: context.memberId },
        input: { trigger: 'pocket_member', grounds: '组织关系介绍信逾期未报到（口袋党员）' },
      })),
    },
    cancelled: {
      type: 'final',
      entry: [
        assign({ cancelledOn: ({ context, event }) => today(context, event) }),
        effect({ kind: 'licensing.statusChanged', status: 'not_required' }),
      ],
    },
  },
});
