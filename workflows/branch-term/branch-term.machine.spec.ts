import 'reflect-metadata';
import { initialTransition, transition } from 'xstate';
import { Effect } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import {
  BRANCH_TERM_POLICY_DEFAULTS,
  branchTermDefinition,
  BranchTermEvent,
  branchTermMachine as machine,
  electionProblem,
  termOf,
} from './index';

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ORG = U(900);
const [SEC, SEC2, OTHER] = [U(1), U(2), U(3)];
const AT = '2027-01-10T02:00:00.000Z';
const start = (electedOn = '2024-05-20') =>
  initialTransition(machine, {
    subject: { orgId: ORG },
    input: { secretaryId: SEC, electedOn },
    policy: { ...BRANCH_TERM_POLICY_DEFAULTS },
    at: AT,
  });
const effects = (actions: any[]) => actions.filter((a) => a.type === 'effect').map((a) => a.params as Effect);
const send = (snap: any, event: Partial<BranchTermEvent>) => {
  const [next, actions] = transition(machine, snap, { at: AT, ...event } as BranchTermEvent);
  return { next, effects: effects(actions) };
};

describe('branch-term (支部任期与换届)', () => {
  it('metadata matches the machine; in_term gives no task, renewal_due does', () => {
    expect(definitionProblems(branchTermDefinition)).toEqual([]);
    expect(branchTermDefinition.events.RENEWAL_DUE.system).toBe(true);
    expect(branchTermDefinition.events.TERM_RECORDED.system).toBe(true);
    expect(branchTermDefinition.events.RECORD_ELECTION.system).toBeUndefined();
  });

  it('a 3-year term from the election; the 换届 is due 3 months before it ends', () => {
    expect(termOf('2024-05-20', BRANCH_TERM_POLICY_DEFAULTS)).toEqual({
      termEndsOn: '2027-05-20',
      renewalNoticeAt: '2027-02-20T00:00:00+08:00',
    });
    expect(termOf('2024-11-30', { termYears: 5, renewalNoticeMonths: 6 })).toEqual({
      termEndsOn: '2029-11-30',
      renewalNoticeAt: '2029-05-30T00:00:00+08:00',
    });
  });

  it('stores the term on the organization at opening, then the clock opens the 换届 and an election starts the next term', () => {
    const [snap, actions] = start();
    expect(snap.value).toBe('in_term');
    expect(effects(actions)).toEqual([
      { kind: 'org.setTerm', orgId: ORG, secretaryId: SEC, termStartedOn: '2024-05-20', termEndsOn: '2027-05-20' },
    ]);
    const due = send(snap, { type: 'RENEWAL_DUE' });
    expect(due.next.value).toBe('renewal_due');
    expect(due.effects).toEqual([]);
    const elected = send(due.next, {
      type: 'RECORD_ELECTION',
      data: { secretaryId: SEC2, electedOn: '2027-01-08' },
      facts: { fullMemberIdsOfOrg: [SEC, SEC2] },
    });
    expect(elected.next.value).toBe('in_term');
    expect(elected.next.context).toMatchObject({
      secretaryId: SEC2,
      electedOn: '2027-01-08',
      termEndsOn: '2030-01-08',
    });
    expect(elected.next.context.terms).toEqual([
      { secretaryId: SEC, electedOn: '2024-05-20', termEndsOn: '2027-05-20' },
    ]);
    expect(elected.effects).toEqual([
      { kind: 'org.setTerm', orgId: ORG, secretaryId: SEC2, termStartedOn: '2027-01-08', termEndsOn: '2030-01-08' },
    ]);
  });

  it('the secretary is a full member of the branch, elected on a past day, not before the term replaced', () => {
    const full = { fullMemberIdsOfOrg: [SEC, SEC2] };
    expect(electionProblem({ secretaryId: OTHER, electedOn: '2027-01-01' }, full, '2027-01-10')).toBe(
      '支部书记须为本支部的正式党员',
    );
    // 党章: no right to be elected during 留党察看
    const onProbation = { ...full, orgMembersOnPartyProbation: [{ id: SEC2, name: '钱二', until: '2027-06-30' }] };
    expect(electionProblem({ secretaryId: SEC2, electedOn: '2027-01-01' }, onProbation, '2027-01-10')).toBe(
      '受留党察看处分、尚未恢复党员权利的党员没有被选举权，不能担任支部书记：钱二（留党察看期 2027-06-30 届满）',
    );
    expect(electionProblem({ secretaryId: SEC, electedOn: '2027-01-01' }, onProbation, '2027-01-10')).toBeNull();
    expect(electionProblem({ secretaryId: SEC2, electedOn: '2027-02-01' }, full, '2027-01-10')).toBe(
      '选举日期不得晚于今天',
    );
    // at the opening, today is Beijing's: 02:10 there on 01-11 is still 01-10 in UTC, and an election that day is not in the future
    const opening = branchTermDefinition.openingRule!;
    expect(opening({ secretaryId: SEC, electedOn: '2027-01-11' }, full, '2027-01-10T18:10:00.000Z')).toBeNull();
    expect(opening({ secretaryId: SEC, electedOn: '2027-01-12' }, full, '2027-01-10T18:10:00.000Z')).toBe(
      '选举日期不得晚于今天',
    );
    expect(electionProblem({ secretaryId: SEC2, electedOn: '2024-01-01' }, full, '2027-01-10', '2024-05-20')).toMatch(
      /不得早于上一届/,
    );
    const [snap] = start();
    const refused = send(snap, {
      type: 'TERM_RECORDED',
      data: { secretaryId: OTHER, electedOn: '2026-12-01' },
      facts: full,
    });
    expect(refused.next.context.secretaryId).toBe(SEC);
    const corrected = send(snap, {
      type: 'TERM_RECORDED',
      data: { secretaryId: SEC2, electedOn: '2024-05-20' },
      facts: full,
    });
    expect(corrected.next.context).toMatchObject({ secretaryId: SEC2, termEndsOn: '2027-05-20' });
  });
});
