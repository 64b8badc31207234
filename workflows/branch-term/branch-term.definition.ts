import { toDate } from '../kernel/dates';
import { ActorRule, WorkflowDefinition } from '../kernel/definition';
import { BranchTermInput } from './branch-term.events';
import {
  BRANCH_TERM_KEY,
  BRANCH_TERM_POLICY_DEFAULTS,
  branchTermMachine,
  electionProblem,
  electionRule,
} from './branch-term.machine';

const BRANCH: ActorRule = { role: 'clerk', party: 'branch' };
const UPPER: ActorRule = { role: 'clerk', party: 'branchUpper' };
const RECORDING = ['branch', 'joint_branch', 'general_branch'];

/**
 * One per organization at a time; opened when its secretary and term are first recorded
 * (`PUT /api/v1/orgs/:id/secretary`, or `POST /cases` by a clerk of the branch or above).
 */
export const branchTermDefinition: WorkflowDefinition = {
  key: BRANCH_TERM_KEY,
  version: 1,
  title: '支部任期与换届',
  subjectKind: 'org',
  oneOpenPerSubject: true,
  machine: branchTermMachine,
  createInput: BranchTermInput,
  parties: (subject) => {
    if (!subject.org || !RECORDING.includes(subject.org.type))
      return { error: '任期只登记在党支部、联合党支部或党总支' };
    return { branch: subject.org.id };
  },
  openers: [BRANCH, UPPER],
  openingFacts: ['fullMemberIdsOfOrg', 'orgMembersOnPartyProbation'],
  // today is the Beijing day of the opening: the UTC date of the instant is yesterday's from 00:00 to 08:00 there
  openingRule: (input: BranchTermInput, facts, at) => electionProblem(input, facts, toDate(at)),
  states: {
    in_term: {
      title: '任期内',
      actors: [BRANCH],
      deadlines: [
        {
          key: 'in_term.renewal_notice',
          title: '换届提醒（任期届满前3个月）',
          amount: 0,
          unit: 'd',
          anchor: { kind: 'context', path: 'renewalNoticeAt' },
          fireEvent: 'RENEWAL_DUE',
          remindAt: [],
          escalate: false,
        },
      ],
    },
    renewal_due: {
      title: '换届选举',
      actors: [BRANCH],
      deadlines: [
        {
          key: 'renewal_due.term_end',
          title: '支部任期届满（按期换届）',
          amount: 0,
          unit: 'd',
          anchor: { kind: 'context', path: 'termEndsOn' },
          // at once (3 months before the end), at 70 % of the remaining span, and on the last day
          remindAt: [0, 0.7, 1],
        },
      ],
    },
  },
  events: {
    RENEWAL_DUE: { title: '任期即将届满，应准备换届', system: true },
    TERM_RECORDED: {
      title: '登记支部书记及任期',
      system: true,
      payload: BranchTermInput,
      facts: ['fullMemberIdsOfOrg', 'orgMembersOnPartyProbation'],
      rule: electionRule,
    },
    RECORD_ELECTION: {
      title: '登记换届选举结果',
      payload: BranchTermInput,
      actors: [BRANCH, UPPER],
      facts: ['fullMemberIdsOfOrg', 'orgMembersOnPartyProbation'],
      rule: electionRule,
    },
  },
  policyDefaults: { ...BRANCH_TERM_POLICY_DEFAULTS },
};
