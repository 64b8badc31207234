/**
 * 支部任期与换届: a branch's secretary and 3-year term (支部工作条例 2018 art. 7: 党支部委员会每届任期3年).
 * The term is written to the organization (effect `org.setTerm`). `renewalNoticeMonths` (3) before it ends the
 * clock moves the case to `renewal_due`: the branch clerk has a 换届 task due on the term's last day, with a
 * reminder at once, the usual reminders and escalation to the upper committee when overdue. Recording the new
 * election starts the next term. Pure XState v5 machine.
 */
import { assign, setup } from 'xstate';
import { CaseInput, effect, Effect, FactName, WorkflowEvent } from '../kernel/definition';
import { addMonths, localDate, toDate } from '../kernel/dates';
import { notElectableProblem, onPartyProbation } from '../kernel/party-probation';
import type { BranchTermInput } from './branch-term.events';

export const BRANCH_TERM_KEY = 'branch-term';

export interface BranchTermPolicy {
  /** 每届任期 (years) */
  termYears: number;
  /** how long before the term ends the 换届 is due to be prepared (months) */
  renewalNoticeMonths: number;
}

export const BRANCH_TERM_POLICY_DEFAULTS: BranchTermPolicy = { termYears: 3, renewalNoticeMonths: 3 };

export interface BranchTermContext {
  orgId: string;
  openedAt: string;
  policy: BranchTermPolicy;
  secretaryId: string;
  electedOn: string;
  /** the term's end: the anniversary of the election `termYears` later */
  termEndsOn: string;
  /** the first moment of the day the 换届 becomes due (Asia/Shanghai), anchoring `in_term.renewal_notice` */
  renewalNoticeAt: string;
  /** earlier terms, oldest first */
  terms: { secretaryId: string; electedOn: string; termEndsOn: string }[];
}

export type BranchTermEvent = WorkflowEvent &
  (
    | { type: 'RENEWAL_DUE' }
    | { type: 'TERM_RECORDED'; data: BranchTermInput }
    | { type: 'RECORD_ELECTION'; data: BranchTermInput }
  );

/** The term that an election on `electedOn` starts. */
export function termOf(electedOn: string, policy: BranchTermPolicy) {
  const termEndsOn = addMonths(electedOn, policy.termYears * 12);
  const notice = addMonths(termEndsOn, -policy.renewalNoticeMonths);
  return { termEndsOn, renewalNoticeAt: `${notice}T00:00:00+08:00` };
}

type Facts = Partial<Record<FactName, any>>;

/**
 * An election: the secretary is a full member of the branch (书记 from its full members) not under 留党察看, on a
 * day not in the future, and not before the term it replaces began.
 */
export function electionProblem(
  data: Partial<BranchTermInput> | undefined,
  facts: Facts,
  today: string,
  previousElectedOn?: string,
): string | null {
  if (!data?.secretaryId || !data.electedOn) return '请填写支部书记和选举日期';
  const full: string[] | undefined = facts.fullMemberIdsOfOrg;
  if (Array.isArray(full) && !full.includes(data.secretaryId)) return '支部书记须为本支部的正式党员';
  const notElectable = notElectableProblem(onPartyProbation(facts, 'orgMembersOnPartyProbation'), data.secretaryId);
  if (notElectable) return notElectable;
  const on = toDate(data.electedOn);
  if (on > today) return '选举日期不得晚于今天';
  if (previousElectedOn && on < previousElectedOn) return `选举日期不得早于上一届的选举日期（${previousElectedOn}）`;
  return null;
}

export const electionRule = (context: BranchTermContext, event: WorkflowEvent) =>
  electionProblem(event.data, event.facts ?? {}, localDate(event.at, context.openedAt), context.electedOn);

/** The context of the term an election starts (the term it replaces kept in `terms`). */
function nextTerm(context: BranchTermContext, data: BranchTermInput): Partial<BranchTermContext> {
  const electedOn = toDate(data.electedOn);
  return {
    terms: [
      ...context.terms,
      { secretaryId: context.secretaryId, electedOn: context.electedOn, termEndsOn: context.termEndsOn },
    ],
    secretaryId: data.secretaryId,
    electedOn,
    ...termOf(electedOn, context.policy),
  };
}

export const branchTermMachine = setup({
  types: {} as { context: BranchTermContext; events: BranchTermEvent; input: CaseInput<BranchTermInput> },
  actions: {
    effect: (_args, _params: Effect) => {},
    newTerm: assign(({ context, event }) => nextTerm(context, event.data as BranchTermInput)),
  },
  guards: { electionOk: ({ context, event }) => electionRule(context, event) === null },
}).createMachine({
  id: BRANCH_TERM_KEY,
  initial: 'in_term',
  context: ({ input }) => {
    const policy = { ...BRANCH_TERM_POLICY_DEFAULTS, ...(input.policy as Partial<BranchTermPolicy>) };
    const electedOn = toDate(input.input.electedOn);
    return {
      orgId: input.subject.orgId!,
      openedAt: input.at,
      policy,
      secretaryId: input.input.secretaryId,
      electedOn,
      ...termOf(electedOn, policy),
      terms: [],
    };
  },
  states: {
    in_term: {
      entry: effect(({ context }) => ({
        kind: 'org.setTerm',
        orgId: context.orgId,
        secretaryId: context.secretaryId,
        termStartedOn: context.electedOn,
        termEndsOn: context.termEndsOn,
      })),
      on: {
        RENEWAL_DUE: { target: 'renewal_due' },
        // the secretary or the term corrected, or an early election: a new term from that day
        TERM_RECORDED: { guard: 'electionOk', target: 'in_term', reenter: true, actions: 'newTerm' },
      },
    },
    renewal_due: {
      on: {
        RECORD_ELECTION: { guard: 'electionOk', target: 'in_term', actions: 'newTerm' },
        TERM_RECORDED: { guard: 'electionOk', target: 'in_term', actions: 'newTerm' },
      },
    },
  },
});
