import 'reflect-metadata';
import { getAdjacencyMap, getShortestPaths, getSimplePaths } from '@xstate/graph';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { type AnyStateMachine, type SnapshotFrom, initialTransition, transition } from 'xstate';
import type { Effect, WorkflowDefinition } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import {
  type RecruitmentCaseInput,
  type RecruitmentEvent,
  type RecruitmentEventType,
  RECRUITMENT_EVENT_TYPES,
  RecruitmentInput,
  checkRecruitmentOpening,
  recruitmentDefinition,
  recruitmentMachine,
} from './index';
import type { RecruitmentOpeningFacts } from './recruitment.rules';
import { addMonths } from '../kernel/dates';

type Snap = SnapshotFrom<typeof recruitmentMachine>;

interface NodeLike {
  path: string[];
  states: Record<string, NodeLike>;
}

/** Every state node's id path relative to the root (`candidate.training.pending`). */
function statePaths(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: NodeLike) => {
    for (const child of Object.values(node.states)) {
      out.push(child.path.join('.'));
      walk(child);
    }
  };
  walk(machine.root as unknown as NodeLike);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------

const MEMBER = '0b6f7a2e-5a4f-4c8e-9d0a-111111111111';
const A = '0b6f7a2e-5a4f-4c8e-9d0a-aaaaaaaaaaaa';
const B = '0b6f7a2e-5a4f-4c8e-9d0a-bbbbbbbbbbbb';
const C = '0b6f7a2e-5a4f-4c8e-9d0a-cccccccccccc';
/** Engine clock for every event: after all sample dates. */
const AT = '2027-06-01T02:00:00.000Z';
const OPENED_AT = '2024-01-10T02:00:00.000Z';
const APPLIED_ON = '2024-01-10';

function caseInput(
  policy: Record<string, unknown> = {},
  input: Partial<{ appliedOn: string; birthDate: string }> = {},
  facts?: RecruitmentOpeningFacts,
): RecruitmentCaseInput {
  return {
    subject: { memberId: MEMBER },
    input: { appliedOn: APPLIED_ON, birthDate: '1990-05-01', ...input },
    policy,
    at: OPENED_AT,
    ...(facts ? { facts } : {}),
  };
}

const ev = (type: RecruitmentEventType, data?: any, facts?: any): RecruitmentEvent => ({
  type,
  at: AT,
  ...(data !== undefined ? { data } : {}),
  ...(facts !== undefined ? { facts } : {}),
});

const start = (policy: Record<string, unknown> = {}) => initialTransition(recruitmentMachine, caseInput(policy))[0];

function send(snapshot: Snap, event: RecruitmentEvent) {
  return transition(recruitmentMachine, snapshot, event);
}

function run(snapshot: Snap, events: RecruitmentEvent[]): Snap {
  return events.reduce((s, e) => {
    expect(s.can(e)).toBe(true);
    return send(s, e)[0];
  }, snapshot);
}

function effectsOf(actions: Array<{ type: string; params?: unknown }>): Effect[] {
  return actions.filter((a) => a.type === 'effect').map((a) => a.params as Effect);
}

/** A rule-guarded event is refused: not accepted and the snapshot does not move. */
function expectRefused(snapshot: Snap, event: RecruitmentEvent) {
  expect(snapshot.can(event)).toBe(false);
  const [next, actions] = send(snapshot, event);
  expect(next.value).toEqual(snapshot.value);
  expect(next.context).toEqual(snapshot.context);
  expect(effectsOf(actions)).toEqual([]);
}

const E = {
  talk: ev('RECORD_TALK', { talkedOn: '2024-01-20', talkerIds: [A], by: '王书记' }, { memberIdsUnderProbation: [] }),
  confirmActivist: ev('CONFIRM_ACTIVIST', { confirmedOn: '2024-03-01', method: 'member_recommendation' }),
  fileActivist: ev('FILE_ACTIVIST'),
  sponsors: ev('ASSIGN_SPONSORS', { memberIds: [A, B] }, { memberIdsUnderProbation: [] }),
  assessment: ev('RECORD_ASSESSMENT', { on: '2024-09-01', summary: '表现良好' }),
  confirmCandidate: ev('CONFIRM_CANDIDATE', { confirmedOn: '2025-03-05' }),
  fileCandidate: ev('FILE_CANDIDATE'),
  introducers: ev('ASSIGN_INTRODUCERS', { memberIds: [A, C] }, { memberIdsUnderProbation: [] }),
  politicalReview: ev('RECORD_POLITICAL_REVIEW', { conclusion: 'qualified', on: '2025-04-01' }),
  training: ev('RECORD_TRAINING', { from: '2025-04-01', to: '2025-04-03', days: 3, hours: 20 }),
  startNotice: ev('START_PUBLIC_NOTICE'),
  noticeEnded: ev('PUBLIC_NOTICE_ENDED'),
  passCommittee: ev('PASS_COMMITTEE_REVIEW'),
  passPreReview: ev('PASS_PRE_REVIEW'),
  failPreReview: ev('FAIL_PRE_REVIEW', { reason: '政审材料不全' }),
  volunteerForm: ev('SUBMIT_VOLUNTEER_FORM'),
  meetingPass: ev('RECORD_BRANCH_MEETING', { heldOn: '2025-06-10', eligibleVoters: 9, present: 7, votesFor: 6 }),
  meetingFail: ev('RECORD_BRANCH_MEETING', { heldOn: '2025-06-10', eligibleVoters: 9, present: 7, votesFor: 4 }),
  upperTalk: ev(
    'RECORD_UPPER_TALK',
    { on: '2025-06-20', talkerIds: [C], by: '组织委员李某' },
    { memberIdsUnderProbation: [] },
  ),
  approve: ev('APPROVE_ADMISSION'),
  reject: ev('REJECT_ADMISSION', { reason: '群众反映问题尚未查清' }),
  extend: ev('EXTEND_APPROVAL'),
  fileAdmission: ev('FILE_ADMISSION'),
  oath: ev('RECORD_OATH', { on: '2025-07-01' }),
  probAssessment: ev('RECORD_ASSESSMENT', { on: '2025-12-01', summary: '预备期表现良好' }),
  conversionApplication: ev('SUBMIT_CONVERSION_APPLICATION'),
  convert: (heldOn = '2026-06-10') => ev('RECORD_CONVERSION_MEETING', { heldOn, outcome: 'convert' }),
  extendProbation: (heldOn = '2026-06-10', extendMonths = 6) =>
    ev('RECORD_CONVERSION_MEETING', { heldOn, outcome: 'extend', extendMonths }),
  cancel: (heldOn = '2026-01-15') => ev('RECORD_CONVERSION_MEETING', { heldOn, outcome: 'cancel' }),
  approveConversion: ev('APPROVE_CONVERSION'),
  archive: ev('ARCHIVE', { documents: ['入党志愿书', '政审材料', '转正申请书'] }),
  withdraw: ev('WITHDRAW_APPLICATION', { reason: '个人原因' }),
};

/** Events of each stage, in order (parallel tasks in one fixed order). */
const toActivist = [E.talk, E.confirmActivist, E.fileActivist];
const toCandidate = [...toActivist, E.sponsors, E.assessment, E.confirmCandidate, E.fileCandidate];
const candidateTasks = [E.introducers, E.politicalReview, E.training];
const toBranchMeeting = [E.passCommittee, E.passPreReview, E.volunteerForm];
const toAdmissionApproval = [E.meetingPass, E.upperTalk];

function reachProbationary(policy: Record<string, unknown> = {}): Snap {
  const notice = policy.rules2026 ? [E.startNotice, E.noticeEnded] : [];
  return run(start(policy), [
    ...toCandidate,
    ...candidateTasks,
    ...notice,
    ...toBranchMeeting,
    ...toAdmissionApproval,
    E.approve,
    E.fileAdmission,
  ]);
}

const FINALS = ['completed', 'rejected', 'probation_cancelled', 'withdrawn', 'refused'];

/** Active state paths of a snapshot value: `{candidate: {training: 'done'}}` → candidate, candidate.training, …. */
function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
    prefix + k,
    ...activePaths(v, `${prefix}${k}.`),
  ]);
}

// ---------------------------------------------------------------------------------------------------
// Graph traversal
// ---------------------------------------------------------------------------------------------------

/** Concrete sample events per type, including refused variants; dates follow the case where needed. */
function sampleEvents(snapshot: Snap): RecruitmentEvent[] {
  const end = snapshot.context.probationEndsOn ?? '2026-06-10';
  return [
    E.talk,
    ev('RECORD_TALK', { talkedOn: '2024-01-05', talkerIds: [A] }, { memberIdsUnderProbation: [] }), // before the application
    ev('RECORD_TALK', { talkedOn: '2024-01-20', talkerIds: [B] }, { memberIdsUnderProbation: [B] }), // probationary talker
    E.confirmActivist,
    E.fileActivist,
    E.sponsors,
    ev('ASSIGN_SPONSORS', { memberIds: [A] }, { memberIdsUnderProbation: [A] }), // probationary sponsor
    E.assessment,
    E.confirmCandidate,
    ev('CONFIRM_CANDIDATE', { confirmedOn: '2025-02-28' }), // less than a year as activist
    E.fileCandidate,
    E.introducers,
    ev('ASSIGN_INTRODUCERS', { memberIds: [A, B] }, { memberIdsUnderProbation: [B] }),
    E.politicalReview,
    ev('RECORD_POLITICAL_REVIEW', { conclusion: 'unqualified', on: '2025-04-01' }),
    E.training,
    ev('RECORD_TRAINING', { from: '2025-04-01', to: '2025-04-02', days: 2, hours: 16 }),
    E.startNotice,
    E.noticeEnded,
    E.passCommittee,
    E.passPreReview,
    E.failPreReview,
    E.volunteerForm,
    E.meetingPass,
    E.meetingFail,
    ev('RECORD_BRANCH_MEETING', { heldOn: '2025-06-10', eligibleVoters: 9, present: 4, votesFor: 4 }), // no quorum
    E.upperTalk,
    ev('RECORD_UPPER_TALK', { on: '2025-06-20', talkerIds: [B] }, { memberIdsUnderProbation: [B] }), // not a full member
    E.approve,
    E.reject,
    E.extend,
    E.fileAdmission,
    E.oath,
    E.probAssessment,
    E.conversionApplication,
    E.convert(end),
    E.extendProbation(end),
    E.cancel(end),
    E.convert(addMonths(end, -1)), // before probation ended
    E.approveConversion,
    E.archive,
    ev('ARCHIVE', { documents: [' '] }),
    E.withdraw,
  ];
}

/** What decides the future of a case besides its state value (dates are irrelevant to the graph). */
function serializeState(snapshot: Snap): string {
  const c = snapshot.context;
  return JSON.stringify({
    value: snapshot.value,
    sponsors: c.sponsorIds.length > 0,
    approvalExtended: c.approvalExtended,
    probationExtended: c.probationExtended,
    sworn: !!c.oathOn,
  });
}

const SETTINGS = [
  { name: 'default rules', policy: { rules2026: false } },
  { name: '2026 rules', policy: { rules2026: true } },
];

function traversal(policy: Record<string, unknown>, input: RecruitmentCaseInput = caseInput(policy)) {
  return { input, events: sampleEvents, serializeState: (s: Snap) => serializeState(s) } as any;
}

/** Dates in context that the definition's deadlines of the active states read. */
function deadlineAnchorProblems(snapshot: Snap): string[] {
  const c = snapshot.context as unknown as Record<string, unknown>;
  const problems: string[] = [];
  const conditional: Record<string, boolean> = {
    branchMeetingDueFrom: (c.policy as any).rules2026 === true,
    oathDueFrom: (c.policy as any).rules2026 === true && !c.oathOn,
  };
  for (const path of activePaths(snapshot.value)) {
    for (const d of recruitmentDefinition.states[path]?.deadlines ?? []) {
      if (d.anchor.kind !== 'context') continue;
      const value = c[d.anchor.path];
      const expected = d.anchor.path in conditional ? conditional[d.anchor.path] : true;
      const present = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
      if (present !== expected) problems.push(`${path}: ${d.key} anchor ${d.anchor.path}=${String(value)}`);
    }
  }
  return problems;
}

/** Invariants every reachable snapshot must satisfy. */
function invariantProblems(snapshot: Snap): string[] {
  const c = snapshot.context;
  const problems = deadlineAnchorProblems(snapshot);
  const value = snapshot.value as unknown;
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  const isFinal = FINALS.includes(top);
  if ((snapshot.status === 'done') !== isFinal) problems.push(`status ${snapshot.status} in ${top}`);
  const order = [
    'talk_pending',
    'applicant',
    'activist_filing',
    'activist',
    'candidate_filing',
    'candidate',
    'branch_committee_review',
    'pre_review',
    'volunteer_form',
    'branch_meeting',
    'upper_talk',
    'admission_approval',
    'admission_filing',
    'probationary',
    'conversion_meeting',
    'conversion_approval',
    'archiving',
    'completed',
  ];
  const stage = order.indexOf(top);
  const reached = (s: string) => stage >= order.indexOf(s);
  if (reached('applicant') && !c.talk) problems.push('no talk recorded');
  if (reached('candidate_filing')) {
    if (c.candidateConfirmedOn! < addMonths(c.activistConfirmedOn!, c.policy.activistMinMonths)) {
      problems.push('candidate confirmed too early');
    }
    if (c.sponsorIds.length < 1) problems.push('no sponsors');
  }
  if (reached('branch_committee_review')) {
    if (c.introducerIds.length !== 2) problems.push('introducers');
    if (c.politicalReview?.conclusion !== 'qualified') problems.push('political review');
    if (!c.training) problems.push('training');
    if (c.policy.rules2026 && !c.publicNoticeEndedOn) problems.push('public notice');
  }
  if (reached('upper_talk') && !c.branchMeeting?.passed) problems.push('branch meeting not passed');
  if (top === 'admission_approval') {
    const months = c.approvalExtended ? c.policy.admissionApprovalExtendedMonths : c.policy.admissionApprovalMonths;
    if (c.admissionDueAt !== addMonths(c.branchMeeting!.heldOn, months)) problems.push('admissionDueAt');
  }
  if (reached('probationary')) {
    const end = addMonths(
      addMonths(c.branchMeeting!.heldOn, c.policy.probationMonths),
      c.probationExtended ? c.probationExtendMonths! : 0,
    );
    if (c.probationEndsOn !== end) problems.push(`probationEndsOn ${c.probationEndsOn} ≠ ${end}`);
  }
  if (reached('conversion_meeting') && !c.oathOn) problems.push('no oath');
  if (top === 'completed' && !(c.documents?.length && c.fullMemberSince && c.conversionApprovedOn)) {
    problems.push('completed without documents or conversion');
  }
  if (top === 'rejected' && !c.rejection) problems.push('rejected without reason');
  if (top === 'withdrawn' && !c.withdrawal) problems.push('withdrawn without record');
  if (top === 'probation_cancelled' && c.conversionMeeting?.outcome !== 'cancel') problems.push('cancelled');
  if (top === 'refused' && !c.openingViolation) problems.push('refused without reason');
  return problems.map((p) => `${JSON.stringify(snapshot.value)}: ${p}`);
}

/** Allowed member.setStatus sequences: the stages in order, then possibly `withdrawn`. */
function statusSequenceOk(statuses: string[]): boolean {
  const stages = ['activist', 'candidate', 'probationary', 'full'];
  const body = statuses.at(-1) === 'withdrawn' ? statuses.slice(0, -1) : statuses;
  return body.every((s, i) => s === stages[i]) && !(statuses.at(-1) === 'withdrawn' && body.includes('full'));
}

/** Replays a path with `transition` and returns the member statuses it sets. */
function replay(input: RecruitmentCaseInput, events: RecruitmentEvent[]) {
  let [snapshot] = initialTransition(recruitmentMachine, input);
  const statuses: string[] = [];
  for (const event of events) {
    const [next, actions] = send(snapshot, event);
    for (const e of effectsOf(actions)) {
      expect(e).toMatchObject({ kind: 'member.setStatus', memberId: MEMBER });
      if (e.kind === 'member.setStatus') statuses.push(e.status);
    }
    snapshot = next;
  }
  return { snapshot, statuses };
}

describe('recruitment machine — generated paths', () => {
  const reachedBySetting = new Map<string, Set<string>>();

  for (const setting of SETTINGS) {
    describe(setting.name, () => {
      const input = caseInput(setting.policy);
      const paths = getShortestPaths(recruitmentMachine, traversal(setting.policy));
      const reached = new Set<string>();
      reachedBySetting.set(setting.name, reached);
      for (const path of paths) {
        for (const step of path.steps) activePaths(step.state.value).forEach((p) => reached.add(p));
      }

      it('generates paths', () => {
        expect(paths.length).toBeGreaterThan(30);
      });

      it('every snapshot on every path satisfies the invariants', () => {
        const problems = paths.flatMap((p) => p.steps.flatMap((s) => invariantProblems(s.state as Snap)));
        expect(problems).toEqual([]);
      });

      it('replaying every path with transition() ends in the same state, with effects in stage order', () => {
        for (const path of paths) {
          const { snapshot, statuses } = replay(
            input,
            path.steps.slice(1).map((s) => s.event as RecruitmentEvent),
          );
          expect(snapshot.value).toEqual(path.state.value);
          expect(statusSequenceOk(statuses)).toBe(true);
          const top = activePaths(snapshot.value)[0];
          if (top === 'completed') expect(statuses).toEqual(['activist', 'candidate', 'probationary', 'full']);
          if (top === 'withdrawn' || top === 'probation_cancelled') expect(statuses.at(-1)).toBe('withdrawn');
          if (top === 'rejected') expect(statuses.at(-1)).toBe('candidate');
        }
      });

      it('every event type of the definition moves the case somewhere', () => {
        const adjacency = getAdjacencyMap(recruitmentMachine, traversal(setting.policy));
        const moving = new Set<string>();
        for (const { state, transitions } of Object.values(adjacency)) {
          for (const { event, state: next } of Object.values(transitions) as Array<{
            event: RecruitmentEvent;
            state: Snap;
          }>) {
            const changed =
              JSON.stringify(next.value) !== JSON.stringify((state as Snap).value) ||
              JSON.stringify(next.context) !== JSON.stringify((state as Snap).context);
            if (changed) moving.add(event.type);
          }
        }
        const expected = RECRUITMENT_EVENT_TYPES.filter(
          (t) => setting.policy.rules2026 || !['START_PUBLIC_NOTICE', 'PUBLIC_NOTICE_ENDED'].includes(t),
        );
        expect([...moving].sort()).toEqual([...expected].sort());
      });
    });
  }

  it('without the 2026 rules the public notice is never pending or running', () => {
    const reached = reachedBySetting.get('default rules')!;
    const missing = statePaths(recruitmentMachine).filter((p) => !reached.has(p));
    expect(missing.sort()).toEqual(['candidate.public_notice.pending', 'candidate.public_notice.running', 'refused']);
  });

  it('with the 2026 rules every state except refused is reached', () => {
    const reached = reachedBySetting.get('2026 rules')!;
    expect(statePaths(recruitmentMachine).filter((p) => !reached.has(p))).toEqual(['refused']);
  });

  it('an invalid application reaches refused, so every state of the machine is reachable', () => {
    const reached = new Set([...reachedBySetting.values()].flatMap((s) => [...s]));
    for (const input of [
      caseInput({}, { birthDate: '2006-01-11' }),
      caseInput({}, {}, { memberRemovedWithin5Years: true }),
    ]) {
      const paths = getShortestPaths(recruitmentMachine, traversal({}, input));
      expect(paths.map((p) => p.state.value)).toEqual(['refused']);
      expect(invariantProblems(paths[0].state as Snap)).toEqual([]);
      reached.add('refused');
    }
    expect(statePaths(recruitmentMachine).filter((p) => !reached.has(p))).toEqual([]);
  });

  it('all simple paths to completion (every interleaving of the candidate tasks) are consistent', () => {
    for (const setting of SETTINGS) {
      // Only accepted events that move forward (no withdrawal, no refused variants): the interleavings.
      const forward = (s: Snap) =>
        sampleEvents(s).filter(
          (e) =>
            e.type !== 'WITHDRAW_APPLICATION' &&
            s.can(e) &&
            recruitmentDefinition.events[e.type].rule?.(s.context, e) == null,
        );
      const paths = getSimplePaths(recruitmentMachine, {
        ...traversal(setting.policy),
        events: forward,
        toState: (s: Snap) => s.value === 'completed',
      });
      // 3 tasks in any order (3! = 6) or, with the notice's 2 ordered steps, 5!/2! = 60 interleavings,
      // times (approval extended or not) × (probation extended or not). A pre-review failure revisits
      // an earlier state, so it is not part of a simple path.
      expect(paths.length).toBe(setting.policy.rules2026 ? 240 : 24);
      for (const path of paths) {
        expect(path.state.value).toBe('completed');
        const problems = path.steps.flatMap((s) => invariantProblems(s.state as Snap));
        expect(problems).toEqual([]);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------------

describe('opening (APPLY)', () => {
  it('checkRecruitmentOpening: 18 on the application day is enough, the day before is not', () => {
    expect(
      checkRecruitmentOpening(
        { appliedOn: '2024-05-01', birthDate: '2006-05-01' },
        { memberRemovedWithin5Years: false },
      ),
    ).toBeNull();
    expect(
      checkRecruitmentOpening(
        { appliedOn: '2024-04-30', birthDate: '2006-05-01' },
        { memberRemovedWithin5Years: false },
      ),
    ).toMatch(/未满十八周岁/);
  });

  it('checkRecruitmentOpening: the registry birth date decides, and a typed one must agree with it', () => {
    const input = { appliedOn: '2024-05-01', birthDate: '1990-05-01' };
    // the clerk typed an adult's date, the registry says 17
    expect(checkRecruitmentOpening(input, { memberRegistryBirthDate: '2006-05-02' })).toMatch(/不一致/);
    expect(checkRecruitmentOpening({ appliedOn: '2024-05-01' }, { memberRegistryBirthDate: '2006-05-02' })).toMatch(
      /未满十八周岁/,
    );
    expect(checkRecruitmentOpening({ appliedOn: '2024-05-01' }, { memberRegistryBirthDate: '2006-05-01' })).toBeNull();
  });

  it('checkRecruitmentOpening: the five-year bar runs from the decision and names the first possible day', () => {
    const bar = { memberReapplicationBar: { decidedOn: '2020-03-15' } };
    expect(checkRecruitmentOpening({ appliedOn: '2025-03-14', birthDate: '1990-05-01' }, bar)).toMatch(
      /2020-03-15.*2025-03-15 起方可重新申请/,
    );
    expect(checkRecruitmentOpening({ appliedOn: '2025-03-15', birthDate: '1990-05-01' }, bar)).toBeNull();
  });

  it('a removed person applying again after the bar becomes an applicant again', () => {
    const [snapshot, actions] = initialTransition(
      recruitmentMachine,
      caseInput({}, {}, { memberRegistryStatus: 'removed', memberReapplicationBar: { decidedOn: '2015-01-01' } }),
    );
    expect(snapshot.value).toBe('talk_pending');
    expect(effectsOf(actions)).toEqual([{ kind: 'member.setStatus', memberId: MEMBER, status: 'applicant' }]);
  });

  it('checkRecruitmentOpening: removed or persuaded to withdraw less than five years ago', () => {
    expect(
      checkRecruitmentOpening({ appliedOn: APPLIED_ON, birthDate: '1990-05-01' }, { memberRemovedWithin5Years: true }),
    ).toMatch(/未满五年/);
  });

  it('checkRecruitmentOpening: an application dated after today is refused when today is known', () => {
    const input = { appliedOn: '2024-01-11', birthDate: '1990-05-01' };
    expect(checkRecruitmentOpening(input, { memberRemovedWithin5Years: false }, '2024-01-10T10:00:00Z')).toMatch(
      /不能晚于今天/,
    );
    expect(checkRecruitmentOpening(input, { memberRemovedWithin5Years: false }, '2024-01-11T01:00:00Z')).toBeNull();
  });

  it('the definition refuses the opening itself, with the fact it needs loaded by the engine', () => {
    // before this was wired, the engine opened such cases (the machine alone sent an under-18 applicant to
    // `refused`) and never loaded the removal facts, so the five-year bar did not apply; the registry's birth
    // date and the decision date of a standing removal are what it loads now
    expect(recruitmentDefinition.openingFacts).toEqual(
      expect.arrayContaining(['memberRegistryBirthDate', 'memberReapplicationBar']),
    );
    const rule = recruitmentDefinition.openingRule;
    const adult = { appliedOn: '2024-05-01', birthDate: '1990-05-01' };
    expect(rule?.(adult, { memberRemovedWithin5Years: false }, '2024-05-02T00:00:00Z')).toBeNull();
    expect(rule?.(adult, { memberRemovedWithin5Years: true }, '2024-05-02T00:00:00Z')).toMatch(/未满五年/);
    expect(rule?.(adult, { memberReapplicationBar: { decidedOn: '2020-01-01' } }, '2024-05-02T00:00:00Z')).toMatch(
      /2025-01-01 起方可重新申请/,
    );
    expect(rule?.({ ...adult, birthDate: '2006-05-02' }, {}, '2024-05-02T00:00:00Z')).toMatch(/未满十八周岁/);
  });

  it('opens in talk_pending with the application recorded and the policy defaults merged', () => {
    const [snapshot, actions] = initialTransition(
      recruitmentMachine,
      caseInput({ probationMonths: 12, rules2026: true }),
    );
    expect(snapshot.value).toBe('talk_pending');
    expect(snapshot.status).toBe('active');
    expect(snapshot.context).toMatchObject({
      memberId: MEMBER,
      appliedOn: APPLIED_ON,
      openingViolation: null,
      policy: { ...recruitmentDefinition.policyDefaults, rules2026: true },
    });
    expect(effectsOf(actions)).toEqual([]);
  });

  it.each([
    ['under 18', caseInput({}, { birthDate: '2006-01-11' }), /未满十八周岁/],
    ['removed within 5 years', caseInput({}, {}, { memberRemovedWithin5Years: true }), /未满五年/],
  ])('an applicant %s ends in refused at once', (_name, input, message) => {
    const [snapshot, actions] = initialTransition(recruitmentMachine, input);
    expect(snapshot.value).toBe('refused');
    expect(snapshot.status).toBe('done');
    expect(snapshot.context.openingViolation).toMatch(message);
    expect(effectsOf(actions)).toEqual([]);
    expect(snapshot.can(E.talk)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// Stages, branches and effects
// ---------------------------------------------------------------------------------------------------

describe('stages 1–2: applicant and activist', () => {
  it('talk → applicant → activist filing → activist, setting status activist on filing', () => {
    let s = start();
    s = run(s, [E.talk]);
    expect(s.value).toBe('applicant');
    expect(s.context.talk).toEqual({ talkedOn: '2024-01-20', talkerIds: [A], by: '王书记' });
    s = run(s, [E.confirmActivist]);
    expect(s.value).toBe('activist_filing');
    expect(s.context).toMatchObject({ activistConfirmedOn: '2024-03-01', activistMethod: 'member_recommendation' });
    const [next, actions] = send(s, E.fileActivist);
    expect(next.value).toBe('activist');
    expect(effectsOf(actions)).toEqual([{ kind: 'member.setStatus', memberId: MEMBER, status: 'activist' }]);
  });

  it('the assessment deadline is six months after the confirmation, then after each assessment', () => {
    let s = run(start(), toActivist);
    expect(s.context).toMatchObject({ nextAssessmentDue: '2024-09-01', assessmentRemindOn: '2024-08-01' });
    s = run(s, [E.assessment]);
    expect(s.value).toBe('activist');
    expect(s.context).toMatchObject({ nextAssessmentDue: '2025-03-01', assessmentRemindOn: '2025-02-01' });
    expect(s.context.assessments).toEqual([{ stage: 'activist', on: '2024-09-01', summary: '表现良好' }]);
  });

  it('the assessment interval is a policy setting', () => {
    const s = run(start({ assessmentIntervalMonths: 3 }), toActivist);
    expect(s.context.nextAssessmentDue).toBe('2024-06-01');
  });

  it('sponsors and assessments keep the case in activist', () => {
    const s = run(start(), [...toActivist, E.sponsors]);
    expect(s.value).toBe('activist');
    expect(s.context.sponsorIds).toEqual([A, B]);
  });

  it('confirming a candidate moves to candidate_filing; filing sets status candidate', () => {
    let s = run(start(), [...toActivist, E.sponsors, E.confirmCandidate]);
    expect(s.value).toBe('candidate_filing');
    expect(s.context.candidateConfirmedOn).toBe('2025-03-05');
    const [next, actions] = send(s, E.fileCandidate);
    s = next;
    expect(effectsOf(actions)).toEqual([{ kind: 'member.setStatus', memberId: MEMBER, status: 'candidate' }]);
    expect(s.value).toEqual({
      candidate: { introducers: 'pending', political_review: 'pending', training: 'pending', public_notice: 'done' },
    });
  });
});

describe('stage 3: candidate (parallel)', () => {
  const inCandidate = (policy: Record<string, unknown> = {}) => run(start(policy), toCandidate);

  it('completes when introducers, political review and training are done (default rules: no notice)', () => {
    let s = inCandidate();
    s = run(s, [E.training, E.introducers]);
    expect(s.value).toEqual({
      candidate: { introducers: 'done', political_review: 'pending', training: 'done', public_notice: 'done' },
    });
    expect(s.can(E.startNotice)).toBe(false);
    s = run(s, [E.politicalReview]);
    expect(s.value).toBe('branch_committee_review');
    expect(s.context).toMatchObject({
      introducerIds: [A, C],
      politicalReview: { conclusion: 'qualified', on: '2025-04-01' },
      training: { from: '2025-04-01', to: '2025-04-03', days: 3, hours: 20 },
    });
  });

  it('with the 2026 rules the public notice must be started and ended (by the clock) first', () => {
    let s = inCandidate({ rules2026: true });
    expect(s.value).toMatchObject({ candidate: { public_notice: 'pending' } });
    s = run(s, candidateTasks);
    expect(s.value).toEqual({
      candidate: { introducers: 'done', political_review: 'done', training: 'done', public_notice: 'pending' },
    });
    expect(s.can(E.noticeEnded)).toBe(false);
    s = run(s, [E.startNotice]);
    expect(s.value).toMatchObject({ candidate: { public_notice: 'running' } });
    expect(s.context.publicNoticeStartedOn).toBe('2027-06-01');
    expect(s.can(E.startNotice)).toBe(false);
    s = run(s, [E.noticeEnded]);
    expect(s.value).toBe('branch_committee_review');
    expect(s.context.publicNoticeEndedOn).toBe('2027-06-01');
  });

  it('an unqualified political review is recorded but keeps the region pending', () => {
    let s = inCandidate();
    s = run(s, [ev('RECORD_POLITICAL_REVIEW', { conclusion: 'unqualified', on: '2025-04-01' })]);
    expect(s.value).toMatchObject({ candidate: { political_review: 'pending' } });
    expect(s.context.politicalReview).toEqual({ conclusion: 'unqualified', on: '2025-04-01' });
    s = run(s, [...candidateTasks]);
    expect(s.value).toBe('branch_committee_review');
  });

  it('a done region does not accept its event again', () => {
    const s = run(inCandidate(), [E.introducers]);
    expect(s.can(E.introducers)).toBe(false);
  });

  it('FAIL_PRE_REVIEW returns to candidate with every region afresh and the reason recorded', () => {
    let s = run(inCandidate({ rules2026: true }), [...candidateTasks, E.startNotice, E.noticeEnded, E.passCommittee]);
    expect(s.value).toBe('pre_review');
    s = run(s, [E.failPreReview]);
    expect(s.value).toEqual({
      candidate: { introducers: 'pending', political_review: 'pending', training: 'pending', public_notice: 'pending' },
    });
    expect(s.context.preReviewFailures).toEqual([{ on: '2027-06-01', reason: '政审材料不全' }]);
    s = run(s, [...candidateTasks, E.startNotice, E.noticeEnded, E.passCommittee, E.passPreReview]);
    expect(s.value).toBe('volunteer_form');
  });

  it('a snapshot persisted as JSON in the parallel state is restored and continues', () => {
    const s = run(inCandidate({ rules2026: true }), [E.introducers, E.startNotice]);
    const stored = JSON.parse(JSON.stringify(s));
    const restored = recruitmentMachine.resolveState({ value: stored.value, context: stored.context });
    expect(restored.value).toEqual(s.value);
    const next = run(restored, [E.politicalReview, E.training, E.noticeEnded]);
    expect(next.value).toBe('branch_committee_review');
  });
});

describe('stage 4: admission', () => {
  const atPreReview = (policy: Record<string, unknown> = {}) =>
    run(start(policy), [
      ...toCandidate,
      ...candidateTasks,
      ...(policy.rules2026 ? [E.startNotice, E.noticeEnded] : []),
      E.passCommittee,
    ]);

  it('pre-review passed → volunteer form → branch meeting; the 1-month meeting limit only with the 2026 rules', () => {
    let s = run(atPreReview(), [E.passPreReview, E.volunteerForm]);
    expect(s.value).toBe('branch_meeting');
    expect(s.context.branchMeetingDueFrom).toBeUndefined();
    s = run(atPreReview({ rules2026: true }), [E.passPreReview]);
    expect(s.context).toMatchObject({ preReviewPassedOn: '2027-06-01', branchMeetingDueFrom: '2027-06-01' });
  });

  it('a passing vote leads to the upper committee talk and then the approval with a 3-month limit', () => {
    let s = run(atPreReview(), [E.passPreReview, E.volunteerForm, E.meetingPass]);
    expect(s.value).toBe('upper_talk');
    expect(s.context.branchMeeting).toEqual({
      heldOn: '2025-06-10',
      eligibleVoters: 9,
      present: 7,
      votesFor: 6,
      passed: true,
    });
    s = run(s, [E.upperTalk]);
    expect(s.value).toBe('admission_approval');
    expect(s.context).toMatchObject({
      upperTalk: { on: '2025-06-20', talkerIds: [C], by: '组织委员李某' },
      admissionDueAt: '2025-09-10',
      admissionRemindOn: '2025-08-10',
    });
  });

  it.each([
    ['exactly half of the eligible voters', 10, 10, 5],
    ['a majority of those present but not of the eligible', 10, 6, 5],
  ])('a vote with %s for is rejected', (_n, eligibleVoters, present, votesFor) => {
    const s = run(atPreReview(), [E.passPreReview, E.volunteerForm]);
    const [next, actions] = send(
      s,
      ev('RECORD_BRANCH_MEETING', { heldOn: '2025-06-10', eligibleVoters, present, votesFor }),
    );
    expect(next.value).toBe('rejected');
    expect(next.status).toBe('done');
    expect(next.context.rejection).toMatchObject({ stage: 'branch_meeting', on: '2025-06-10' });
    expect(next.context.branchMeeting?.passed).toBe(false);
    expect(effectsOf(actions)).toEqual([]);
  });

  it('EXTEND_APPROVAL moves the limit to six months after the branch meeting, once', () => {
    let s = run(atPreReview(), [E.passPreReview, E.volunteerForm, ...toAdmissionApproval]);
    s = run(s, [E.extend]);
    expect(s.value).toBe('admission_approval');
    expect(s.context).toMatchObject({
      approvalExtended: true,
      admissionDueAt: '2025-12-10',
      admissionRemindOn: '2025-11-10',
    });
    expectRefused(s, E.extend);
    expect(recruitmentDefinition.events.EXTEND_APPROVAL.rule!(s.context, E.extend)).toBe('审批期限只能延长一次');
  });

  it('REJECT_ADMISSION ends in rejected with the reason; status is left unchanged', () => {
    const s = run(atPreReview(), [E.passPreReview, E.volunteerForm, ...toAdmissionApproval]);
    const [next, actions] = send(s, E.reject);
    expect(next.value).toBe('rejected');
    expect(next.context.rejection).toEqual({
      stage: 'admission_approval',
      on: '2027-06-01',
      reason: '群众反映问题尚未查清',
    });
    expect(effectsOf(actions)).toEqual([]);
  });

  it('approval makes the member probationary (细则), joined on the branch meeting’s day; the filing records it', () => {
    const approving = run(atPreReview(), [E.passPreReview, E.volunteerForm, ...toAdmissionApproval]);
    const [approved, approval] = send(approving, E.approve);
    let s = approved;
    expect(s.value).toBe('admission_filing');
    expect(effectsOf(approval)).toEqual([
      { kind: 'member.setStatus', memberId: MEMBER, status: 'probationary', joinedOn: '2025-06-10' },
    ]);
    expect(s.context).toMatchObject({ admissionApprovedOn: '2027-06-01' });
    expect(s.context.oathDueFrom).toBeUndefined();
    const [next, actions] = send(s, E.fileAdmission);
    s = next;
    expect(s.value).toBe('probationary');
    expect(effectsOf(actions)).toEqual([]);
    expect(s.context).toMatchObject({ probationEndsOn: '2026-06-10', probationRemindOn: '2026-05-10' });
  });

  it('with the 2026 rules the oath is due one month after approval; recording it clears the anchor', () => {
    let s = reachProbationary({ rules2026: true });
    expect(s.context.oathDueFrom).toBe('2027-06-01');
    s = run(s, [E.oath]);
    expect(s.context.oathOn).toBe('2025-07-01');
    expect(s.context.oathDueFrom).toBeUndefined();
  });
});

describe('stage 5: probation and conversion', () => {
  it('oath, assessment, application, conversion, approval (status full), archive → completed', () => {
    let s = run(reachProbationary(), [E.oath, E.probAssessment]);
    expect(s.value).toBe('probationary');
    expect(s.context.assessments.at(-1)).toEqual({
      stage: 'probationary',
      on: '2025-12-01',
      summary: '预备期表现良好',
    });
    s = run(s, [E.conversionApplication]);
    expect(s.value).toBe('conversion_meeting');
    s = run(s, [E.convert()]);
    expect(s.value).toBe('conversion_approval');
    expect(s.context.conversionMeeting).toEqual({ heldOn: '2026-06-10', outcome: 'convert' });
    const [approved, actions] = send(s, E.approveConversion);
    expect(approved.value).toBe('archiving');
    expect(effectsOf(actions)).toEqual([{ kind: 'member.setStatus', memberId: MEMBER, status: 'full' }]);
    expect(approved.context).toMatchObject({ conversionApprovedOn: '2027-06-01', fullMemberSince: '2026-06-10' });
    const [done, archiveActions] = send(approved, E.archive);
    expect(done.value).toBe('completed');
    expect(done.status).toBe('done');
    expect(done.context.documents).toEqual(['入党志愿书', '政审材料', '转正申请书']);
    expect(effectsOf(archiveActions)).toEqual([]);
  });

  it('extend → back to probationary with the end moved by the extension', () => {
    let s = run(reachProbationary(), [E.oath, E.conversionApplication, E.extendProbation('2026-06-12', 9)]);
    expect(s.value).toBe('probationary');
    expect(s.context).toMatchObject({
      probationExtended: true,
      probationExtendMonths: 9,
      probationEndsOn: '2027-03-10',
      probationRemindOn: '2027-02-10',
      conversionMeeting: { heldOn: '2026-06-12', outcome: 'extend', extendMonths: 9 },
    });
    s = run(s, [E.conversionApplication]);
    expectRefused(s, E.extendProbation('2027-03-10', 6));
    expect(
      recruitmentDefinition.events.RECORD_CONVERSION_MEETING.rule!(s.context, E.extendProbation('2027-03-10', 6)),
    ).toBe('预备期只能延长一次');
    s = run(s, [E.convert('2027-03-10')]);
    expect(s.value).toBe('conversion_approval');
  });

  it('cancel → probation_cancelled, the person is no longer a member (status withdrawn)', () => {
    const s = run(reachProbationary(), [E.oath, E.conversionApplication]);
    const [next, actions] = send(s, E.cancel());
    expect(next.value).toBe('probation_cancelled');
    expect(next.status).toBe('done');
    expect(effectsOf(actions)).toEqual([{ kind: 'member.setStatus', memberId: MEMBER, status: 'withdrawn' }]);
  });
});

describe('WITHDRAW_APPLICATION', () => {
  const cases: Array<[string, RecruitmentEvent[], Record<string, unknown>]> = [
    ['talk_pending', [], {}],
    ['activist', toActivist, {}],
    ['candidate (parallel)', [...toCandidate, E.introducers], { rules2026: true }],
    ['admission_approval', [...toCandidate, ...candidateTasks, ...toBranchMeeting, ...toAdmissionApproval], {}],
  ];
  it.each(cases)('from %s ends in withdrawn with status withdrawn', (_name, events, policy) => {
    const s = run(start(policy), events);
    const [next, actions] = send(s, E.withdraw);
    expect(next.value).toBe('withdrawn');
    expect(next.status).toBe('done');
    expect(next.context.withdrawal).toEqual({ on: '2027-06-01', reason: '个人原因' });
    expect(effectsOf(actions)).toEqual([{ kind: 'member.setStatus', memberId: MEMBER, status: 'withdrawn' }]);
  });

  it('also from probationary; the reason is optional', () => {
    const [next] = send(reachProbationary(), ev('WITHDRAW_APPLICATION', {}));
    expect(next.value).toBe('withdrawn');
    expect(next.context.withdrawal).toEqual({ on: '2027-06-01' });
  });

  it('final states accept nothing, not even a withdrawal (pure transition() does not stop at done)', () => {
    const [withdrawn] = send(start(), E.withdraw);
    const [refused] = initialTransition(recruitmentMachine, caseInput({}, { birthDate: '2010-01-01' }));
    const [completed] = send(
      run(reachProbationary(), [E.oath, E.conversionApplication, E.convert(), E.approveConversion]),
      E.archive,
    );
    for (const final of [withdrawn, refused, completed]) {
      for (const event of [E.withdraw, E.talk, E.archive]) {
        expect(final.can(event)).toBe(false);
        const [next, actions] = send(final, event);
        expect(next.value).toEqual(final.value);
        expect(actions).toEqual([]);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Rules: accepted and refused, via the machine guard and the EventMeta rule
// ---------------------------------------------------------------------------------------------------

/** Asserts the EventMeta rule and the machine agree: null + accepted, or the message + refused. */
function expectRule(snapshot: Snap, event: RecruitmentEvent, message: RegExp | null) {
  const rule = recruitmentDefinition.events[event.type].rule!;
  expect(rule).toBeDefined();
  const result = rule(snapshot.context, event);
  if (message === null) {
    expect(result).toBeNull();
    expect(snapshot.can(event)).toBe(true);
  } else {
    expect(result).toMatch(message);
    expectRefused(snapshot, event);
  }
}

describe('rules', () => {
  it('RECORD_TALK: not before the application, not after today', () => {
    const s = start();
    const talk = (talkedOn: string) => ev('RECORD_TALK', { talkedOn, talkerIds: [A] }, { memberIdsUnderProbation: [] });
    expectRule(s, talk('2024-01-09'), /不能早于入党申请日期/);
    expectRule(s, talk('2027-06-02'), /不能晚于今天/);
    expectRule(s, talk('2024-01-10'), null);
  });

  // the talkers are full members as the registry holds them (fact memberIdsUnderProbation), never what was typed
  describe('talkers (谈话人)', () => {
    it.each([
      [[A], [], null],
      [[A, C], [], null],
      [[], [], /谈话人应为1至2名正式党员/],
      [[A, B, C], [], /谈话人应为1至2名正式党员/],
      [[A, A], [], /谈话人不能重复/],
      [[MEMBER], [MEMBER], /申请人本人不能担任谈话人/],
      [[A, B], [B], /谈话人必须是正式党员，尚在预备期或不在党员信息库中的人员不能担任/],
    ])('RECORD_TALK by %j with %j not full', (talkerIds, notFull, message) => {
      expectRule(
        start(),
        ev('RECORD_TALK', { talkedOn: '2024-01-20', talkerIds }, { memberIdsUnderProbation: notFull }),
        message,
      );
    });
    it('RECORD_UPPER_TALK: full members, not before the branch meeting, not after today', () => {
      const s = run(start(), [...toCandidate, ...candidateTasks, ...toBranchMeeting, E.meetingPass]);
      expect(s.value).toBe('upper_talk');
      const upper = (on: string, talkerIds: string[], notFull: string[] = []) =>
        ev('RECORD_UPPER_TALK', { on, talkerIds }, { memberIdsUnderProbation: notFull });
      expectRule(s, upper('2025-06-20', [C]), null);
      expectRule(s, upper('2025-06-20', [B], [B]), /谈话人必须是正式党员/);
      expectRule(s, upper('2025-06-09', [C]), /不能早于支部大会召开日期/);
      expectRule(s, upper('2027-06-02', [C]), /不能晚于今天/);
    });
    it('declare the fact they need', () => {
      expect(recruitmentDefinition.events.RECORD_TALK.facts).toEqual(['memberIdsUnderProbation']);
      expect(recruitmentDefinition.events.RECORD_UPPER_TALK.facts).toEqual(['memberIdsUnderProbation']);
    });
  });

  it('CONFIRM_ACTIVIST: not before the talk', () => {
    const s = run(start(), [E.talk]);
    expectRule(
      s,
      ev('CONFIRM_ACTIVIST', { confirmedOn: '2024-01-19', method: 'league_recommendation' }),
      /不能早于谈话日期/,
    );
    expectRule(s, ev('CONFIRM_ACTIVIST', { confirmedOn: '2024-01-20', method: 'league_recommendation' }), null);
  });

  describe('ASSIGN_SPONSORS', () => {
    const s = () => run(start(), toActivist);
    it.each([
      [[A], [], null],
      [[A, B], undefined, null],
      [[], [], /1至2名正式党员/],
      [[A, B, C], [], /1至2名正式党员/],
      [[A, A], [], /不能重复/],
      [[MEMBER], [], /本人不能担任培养联系人/],
      [[A, B], [B], /必须是正式党员，尚在预备期/],
    ])('%j with %j under probation', (memberIds, under, message) => {
      expectRule(
        s(),
        ev('ASSIGN_SPONSORS', { memberIds }, under ? { memberIdsUnderProbation: under } : undefined),
        message,
      );
    });
    // 细则: the introducers are as a rule the sponsors, and a member under 留党察看 cannot introduce
    it.each([
      [
        [A, B],
        [{ id: B, name: '李四', until: '2027-12-02' }],
        /不能担任培养联系人（入党介绍人一般由培养联系人担任）：李四（留党察看期 2027-12-02 届满）/,
      ],
      [[A], [{ id: C, name: '王五', until: '2027-12-02' }], null],
    ])('%j with %j under 留党察看', (memberIds, onProbation, message) => {
      expectRule(
        s(),
        ev('ASSIGN_SPONSORS', { memberIds }, { memberIdsUnderProbation: [], memberIdsOnPartyProbation: onProbation }),
        message,
      );
    });
  });

  it('RECORD_ASSESSMENT: not dated after today (activist and probationary)', () => {
    const future = ev('RECORD_ASSESSMENT', { on: '2027-06-02', summary: '良好' });
    expectRule(run(start(), toActivist), future, /不能晚于今天/);
    expectRule(reachProbationary(), future, /不能晚于今天/);
    expectRule(reachProbationary(), E.probAssessment, null);
  });

  describe('CONFIRM_CANDIDATE', () => {
    const withSponsors = (policy: Record<string, unknown> = {}) => run(start(policy), [...toActivist, E.sponsors]);
    it('only a full year after the activist confirmation', () => {
      expectRule(
        withSponsors(),
        ev('CONFIRM_CANDIDATE', { confirmedOn: '2025-02-28' }),
        /最早可于2025-03-01确定为发展对象/,
      );
      expectRule(withSponsors(), ev('CONFIRM_CANDIDATE', { confirmedOn: '2025-03-01' }), null);
    });
    it('the minimum is a policy setting', () => {
      expectRule(withSponsors({ activistMinMonths: 6 }), ev('CONFIRM_CANDIDATE', { confirmedOn: '2024-09-01' }), null);
    });
    it('needs sponsors and a date not after today', () => {
      expectRule(run(start(), toActivist), E.confirmCandidate, /尚未指定培养联系人/);
      expectRule(withSponsors(), ev('CONFIRM_CANDIDATE', { confirmedOn: '2027-06-02' }), /不能晚于今天/);
    });
  });

  describe('ASSIGN_INTRODUCERS', () => {
    const s = () => run(start(), toCandidate);
    it.each([
      [[A, B], [], null],
      [[A], [], /必须为2名正式党员/],
      [[A, B, C], [], /必须为2名正式党员/],
      [[A, A], [], /不能重复/],
      [[A, MEMBER], [], /本人不能担任入党介绍人/],
      [[A, B], [A], /必须是正式党员，尚在预备期/],
      [[A, B], [C], null],
    ])('%j with %j under probation', (memberIds, under, message) => {
      expectRule(s(), ev('ASSIGN_INTRODUCERS', { memberIds }, { memberIdsUnderProbation: under }), message);
    });
    // 细则: 受留党察看处分、尚未恢复党员权利的党员，不能作入党介绍人 — a full member in the registry, but under 留党察看
    it.each([
      [
        [A, B],
        [{ id: B, name: '李四', until: '2027-12-02' }],
        /不能担任入党介绍人：李四（留党察看期 2027-12-02 届满）/,
      ],
      [[A, B], [{ id: C, name: '王五', until: '2027-12-02' }], null],
      [[A, B], [], null],
    ])('%j with %j under 留党察看', (memberIds, onProbation, message) => {
      expectRule(
        s(),
        ev(
          'ASSIGN_INTRODUCERS',
          { memberIds },
          { memberIdsUnderProbation: [], memberIdsOnPartyProbation: onProbation },
        ),
        message,
      );
    });
    it('declares the facts it needs', () => {
      expect(recruitmentDefinition.events.ASSIGN_INTRODUCERS.facts).toEqual([
        'memberIdsUnderProbation',
        'memberIdsOnPartyProbation',
      ]);
      expect(recruitmentDefinition.events.ASSIGN_SPONSORS.facts).toEqual([
        'memberIdsUnderProbation',
        'memberIdsOnPartyProbation',
      ]);
    });
  });

  describe('RECORD_TRAINING', () => {
    const s = (policy: Record<string, unknown> = {}) => run(start(policy), toCandidate);
    const training = (from: string, to: string, days: number, hours: number) =>
      ev('RECORD_TRAINING', { from, to, days, hours });
    it.each([
      ['3 days', training('2025-04-01', '2025-04-03', 3, 18), null],
      ['24 hours over 2 days', training('2025-04-01', '2025-04-02', 2, 24), null],
      ['2.5 days and 23 hours', training('2025-04-01', '2025-04-03', 2.5, 23), /不少于3天或24学时/],
      ['end before start', training('2025-04-03', '2025-04-01', 3, 24), /结束日期不能早于开始日期/],
      ['more days than the period', training('2025-04-01', '2025-04-02', 3, 24), /不能超过起止日期之间的天数/],
    ])('%s', (_n, event, message) => expectRule(s(), event, message));
    it('the minimum is a policy setting', () => {
      expectRule(
        s({ trainingMinDays: 5, trainingMinHours: 40 }),
        training('2025-04-01', '2025-04-03', 3, 24),
        /不少于5天或40学时/,
      );
    });
  });

  describe('RECORD_BRANCH_MEETING', () => {
    const s = () => run(start(), [...toCandidate, ...candidateTasks, ...toBranchMeeting]);
    const meeting = (eligibleVoters: number, present: number, votesFor: number, heldOn = '2025-06-10') =>
      ev('RECORD_BRANCH_MEETING', { heldOn, eligibleVoters, present, votesFor });
    it.each([
      ['quorum and majority', meeting(9, 5, 5), null],
      ['exactly half present: no quorum', meeting(10, 5, 5), /未超过应到会人数的半数，会议无效/],
      ['more present than eligible', meeting(9, 10, 6), /实到人数不能超过/],
      ['more votes than present', meeting(9, 6, 7), /赞成票数不能超过实到人数/],
      ['held after today', meeting(9, 7, 6, '2027-06-02'), /不能晚于今天/],
    ])('%s', (_n, event, message) => expectRule(s(), event, message));
  });

  it('RECORD_OATH: once, not after today', () => {
    const s = reachProbationary();
    expectRule(s, ev('RECORD_OATH', { on: '2027-06-02' }), /不能晚于今天/);
    expectRule(run(s, [E.oath]), E.oath, /已记录入党宣誓/);
  });

  it('SUBMIT_CONVERSION_APPLICATION: only after the oath', () => {
    expectRule(reachProbationary(), E.conversionApplication, /尚未记录入党宣誓/);
    expectRule(run(reachProbationary(), [E.oath]), E.conversionApplication, null);
  });

  describe('RECORD_CONVERSION_MEETING', () => {
    const s = () => run(reachProbationary(), [E.oath, E.conversionApplication]);
    it.each([
      ['convert on the end date', E.convert('2026-06-10'), null],
      ['convert before the end', E.convert('2026-06-09'), /预备期于2026-06-10届满/],
      ['extend before the end', E.extendProbation('2026-06-09', 6), /预备期于2026-06-10届满/],
      ['extend by 5 months', E.extendProbation('2026-06-10', 5), /6至12个月/],
      ['extend by 13 months', E.extendProbation('2026-06-10', 13), /6至12个月/],
      [
        'extend without months',
        ev('RECORD_CONVERSION_MEETING', { heldOn: '2026-06-10', outcome: 'extend' }),
        /6至12个月/,
      ],
      [
        'convert with months',
        ev('RECORD_CONVERSION_MEETING', { heldOn: '2026-06-10', outcome: 'convert', extendMonths: 6 }),
        /只有延长预备期时/,
      ],
      ['cancel during probation', E.cancel('2026-01-15'), null],
      ['held after today', E.convert('2027-06-02'), /不能晚于今天/],
    ])('%s', (_n, event, message) => expectRule(s(), event, message));
  });

  it('ARCHIVE: documents must be named', () => {
    const s = run(reachProbationary(), [E.oath, E.conversionApplication, E.convert(), E.approveConversion]);
    expectRule(s, ev('ARCHIVE', { documents: [] }), /不能为空/);
    expectRule(s, ev('ARCHIVE', { documents: ['入党志愿书', ''] }), /名称不能为空/);
    expectRule(s, E.archive, null);
  });
});

// ---------------------------------------------------------------------------------------------------
// Definition metadata
// ---------------------------------------------------------------------------------------------------

describe('definition', () => {
  it('metadata covers every state and every event, and nothing else', () => {
    expect(definitionProblems(recruitmentDefinition)).toEqual([]);
    expect(Object.keys(recruitmentDefinition.events).sort()).toEqual([...RECRUITMENT_EVENT_TYPES].sort());
  });

  it('the metadata check detects missing and stale entries', () => {
    const { activist: _a, ...states } = recruitmentDefinition.states;
    const { ARCHIVE: _b, ...events } = recruitmentDefinition.events;
    const broken: WorkflowDefinition = {
      ...recruitmentDefinition,
      states: { ...states, ghost: { title: '幽灵' } },
      events: { ...events, GHOST: { title: '幽灵' }, PUBLIC_NOTICE_ENDED: { title: '公示期满' } },
    };
    expect(definitionProblems(broken)).toEqual(
      expect.arrayContaining([
        'state activist has no StateMeta',
        'StateMeta ghost is no machine state',
        'event ARCHIVE has no EventMeta',
        'EventMeta GHOST is not accepted by the machine',
        'deadline candidate.public_notice.running.ends fires PUBLIC_NOTICE_ENDED, not a system event',
      ]),
    );
  });

  it('key, title, subject and policy defaults', () => {
    expect(recruitmentDefinition).toMatchObject({
      key: 'recruitment',
      version: 1,
      title: '发展党员',
      subjectKind: 'member',
    });
    expect(recruitmentDefinition.policyDefaults).toEqual({
      rules2026: false,
      activistMinMonths: 12,
      trainingMinDays: 3,
      trainingMinHours: 24,
      admissionApprovalMonths: 3,
      admissionApprovalExtendedMonths: 6,
      probationMonths: 12,
      assessmentIntervalMonths: 6,
    });
  });

  it('deadlines from the spec', () => {
    const deadline = (state: string, key: string) =>
      recruitmentDefinition.states[state].deadlines!.find((d) => d.key === key);
    expect(deadline('talk_pending', 'talk_pending.due')).toMatchObject({
      amount: 1,
      unit: 'm',
      anchor: { kind: 'context', path: 'appliedOn' },
    });
    expect(deadline('activist_filing', 'activist_filing.due')).toMatchObject({ amount: 10, unit: 'wd' });
    expect(deadline('candidate_filing', 'candidate_filing.due')).toMatchObject({ amount: 10, unit: 'wd' });
    expect(deadline('pre_review', 'pre_review.due')).toMatchObject({ amount: 1, unit: 'm', anchor: { kind: 'entry' } });
    expect(deadline('conversion_approval', 'conversion_approval.due')).toMatchObject({ amount: 3, unit: 'm' });
    expect(deadline('candidate.public_notice.running', 'candidate.public_notice.running.ends')).toMatchObject({
      amount: 5,
      unit: 'wd',
      fireEvent: 'PUBLIC_NOTICE_ENDED',
    });
    expect(deadline('activist', 'activist.assessment')).toMatchObject({
      anchor: { kind: 'context', path: 'nextAssessmentDue' },
    });
    expect(deadline('admission_approval', 'admission_approval.due')).toMatchObject({
      anchor: { kind: 'context', path: 'admissionDueAt' },
    });
    expect(deadline('probationary', 'probationary.ends')).toMatchObject({
      anchor: { kind: 'context', path: 'probationEndsOn' },
    });
    expect(deadline('probationary', 'probationary.ends_reminder')).toMatchObject({
      anchor: { kind: 'context', path: 'probationRemindOn' },
      escalate: false,
    });
    expect(deadline('probationary', 'probationary.oath')).toMatchObject({ amount: 1, unit: 'm' });
    expect(deadline('branch_meeting', 'branch_meeting.due')).toMatchObject({
      amount: 1,
      unit: 'm',
      anchor: { kind: 'context', path: 'branchMeetingDueFrom' },
    });
  });

  it('actors: branch, its upper committee and the organization department', () => {
    const s = recruitmentDefinition.states;
    expect(s.talk_pending.actors).toEqual([{ role: 'clerk', party: 'branch' }]);
    expect(s.activist_filing.actors).toEqual([{ role: 'clerk', party: 'branchUpper' }]);
    expect(s.admission_filing.actors).toEqual([{ role: 'orgdept', party: 'orgdept' }]);
    expect(recruitmentDefinition.events.PUBLIC_NOTICE_ENDED).toMatchObject({ system: true });
  });

  it('parties: the applicant’s branch; refuses a subject that is not a registered applicant', () => {
    const member = { id: MEMBER, name: '张三', orgId: 'org-1', status: 'applicant' };
    expect(recruitmentDefinition.parties({ member }, {})).toEqual({ branch: 'org-1' });
    expect(recruitmentDefinition.parties({}, {})).toEqual({ error: expect.stringMatching(/未找到入党申请人/) });
    expect(recruitmentDefinition.parties({ member: { ...member, status: 'full' } }, {})).toEqual({
      error: expect.stringMatching(/不是入党申请人/),
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Payload classes
// ---------------------------------------------------------------------------------------------------

describe('payload classes', () => {
  const validate = (cls: new () => object, data: unknown) =>
    validateSync(plainToInstance(cls, data) as object, { whitelist: true, forbidNonWhitelisted: true });

  it('every field of every payload class has a class-validator decorator', () => {
    const classes = [
      RecruitmentInput,
      ...Object.values(recruitmentDefinition.events).flatMap((e) => (e.payload ? [e.payload] : [])),
    ];
    for (const cls of classes) {
      const validated = new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(cls, '', true, false)
          .map((m) => m.propertyName),
      );
      // Compiled as ES2022 class fields, every declared property is an own property of an instance.
      const declared = Object.keys(new cls());
      expect(declared.length).toBeGreaterThan(0);
      expect([cls.name, [...validated].sort()]).toEqual([cls.name, declared.sort()]);
    }
    // The sample events of the tests are valid payloads (so the tests exercise what the API accepts).
    const snapshot = start();
    for (const event of sampleEvents(snapshot)) {
      const payload = recruitmentDefinition.events[event.type].payload;
      if (payload) expect([event.type, validate(payload, event.data)]).toEqual([event.type, []]);
      else expect(event.data).toBeUndefined();
    }
  });

  it('the creation input needs the application date; the birth date is the registry one (a given one must be a date)', () => {
    expect(validate(RecruitmentInput, { appliedOn: '2024-01-10', birthDate: '1990-05-01' })).toEqual([]);
    expect(validate(RecruitmentInput, { appliedOn: '2024-01-10' })).toEqual([]);
    expect(validate(RecruitmentInput, { birthDate: '1990-05-01' })).not.toEqual([]);
    expect(validate(RecruitmentInput, { appliedOn: '2024-01-10', birthDate: '1990-02-30' })).not.toEqual([]);
    expect(
      validate(RecruitmentInput, { appliedOn: '2024-01-10', birthDate: '1990-05-01', policySet: '2026' }),
    ).not.toEqual([]);
  });

  it.each([
    ['ASSIGN_INTRODUCERS', { memberIds: [A] }],
    ['ASSIGN_INTRODUCERS', { memberIds: [A, 'not-a-uuid'] }],
    ['ASSIGN_SPONSORS', { memberIds: [A, B, C] }],
    ['CONFIRM_ACTIVIST', { confirmedOn: '2024-03-01', method: 'self' }],
    ['RECORD_POLITICAL_REVIEW', { conclusion: '合格', on: '2025-04-01' }],
    ['RECORD_BRANCH_MEETING', { heldOn: '2025-06-10', eligibleVoters: 0, present: 0, votesFor: 0 }],
    ['RECORD_CONVERSION_MEETING', { heldOn: '2026-06-10', outcome: 'extend' }],
    ['RECORD_CONVERSION_MEETING', { heldOn: '2026-06-10', outcome: 'extend', extendMonths: 13 }],
    ['ARCHIVE', { documents: [] }],
    ['WITHDRAW_APPLICATION', { reason: '个人原因', extra: 1 }],
  ])('%s rejects %j', (type, data) => {
    const payload = recruitmentDefinition.events[type].payload!;
    expect(validate(payload, data)).not.toEqual([]);
  });
});
