import 'reflect-metadata';
import { getShortestPaths, getSimplePaths } from '@xstate/graph';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { initialTransition, transition } from 'xstate';
import { checkDefinition } from '../../libs/engine/workflow-registry';
import { Effect, WorkflowEvent } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import {
  ApprovePayload,
  Measure,
  NONCONFORMING_POLICY_DEFAULTS,
  NonconformingContext,
  NonconformingCreateInput,
  NonconformingEvent,
  RecordMeetingPayload,
  RecordTalkPayload,
  approveRule,
  lapseRule,
  meetingRule,
  nonconformingDefinition as def,
  partyProbationRule,
  nonconformingMachine as machine,
  proposeRule,
  restoreRule,
  reviewCorrectionRule,
  suspendRule,
  talkRule,
} from './index';
import { addMonths, toDate } from '../kernel/dates';

// ------------------------------------------------------------------ fixtures

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const MEMBER = U(1);
const BRANCH_ORG = U(100);
const AT = '2026-03-02T02:00:00.000Z'; // 2026-03-02 10:00 Asia/Shanghai
const TODAY = '2026-03-02';
const atOn = (date: string) => `${date}T02:00:00.000Z`; // 10:00 Beijing time on that date

type Snap = ReturnType<typeof start>;
type Ev = NonconformingEvent;

const OPEN_STATES = [
  'proposed',
  'filing',
  'investigation',
  'talk',
  'pre_review',
  'branch_meeting',
  'approval',
  'correction_period',
  'persuasion',
  'removed',
  'withdrawn',
  'appeal_review',
  'suspended',
];
const FINAL_STATES = ['closed_dropped', 'closed_restored', 'closed_removed', 'closed_withdrawn', 'closed_disciplined'];

function caseInput(input: Partial<NonconformingCreateInput> = {}, policy: Record<string, unknown> = {}) {
  return {
    subject: { memberId: MEMBER },
    input: input as NonconformingCreateInput,
    policy: { ...NONCONFORMING_POLICY_DEFAULTS, ...policy },
    at: AT,
  };
}
function start(input: Partial<NonconformingCreateInput> = {}, policy: Record<string, unknown> = {}) {
  return initialTransition(machine, caseInput(input, policy))[0];
}
function effectsOf(actions: any[]): Effect[] {
  return actions.filter((a) => a.type === 'effect').map((a) => a.params as Effect);
}
function send(snap: Snap, event: Ev) {
  const [next, actions] = transition(machine, snap, { at: AT, ...event } as Ev);
  return { next, effects: effectsOf(actions) };
}
/** Sends events in order, failing (with the state and event named) if one of them is not accepted. */
function run(snap: Snap, ...events: Ev[]): { next: Snap; effects: Effect[] } {
  let effects: Effect[] = [];
  for (const e of events) {
    const probe = { state: snap.value, event: e.type, can: snap.can({ at: AT, ...e } as Ev) };
    expect(probe).toEqual({ ...probe, can: true });
    const r = send(snap, e);
    snap = r.next;
    effects = r.effects;
  }
  return { next: snap, effects };
}
const ctx = (s: Snap) => s.context as NonconformingContext;
const refused = (snap: Snap, e: Ev) => {
  expect(snap.can({ at: AT, ...e } as Ev)).toBe(false);
  const { next, effects } = send(snap, e);
  expect(next.value).toEqual(snap.value);
  expect(effects).toEqual([]);
};
const status = (status: string): Effect => ({ kind: 'member.setStatus', memberId: MEMBER, status });

const propose = (measure?: Measure, grounds: string | null = '连续6个月不参加组织生活'): Ev => ({
  type: 'PROPOSE',
  data: { ...(measure ? { measure } : {}), ...(grounds ? { grounds } : {}) },
});
const ackFiling: Ev = { type: 'ACK_FILING' };
const investigate: Ev = { type: 'RECORD_INVESTIGATION', data: { findings: '经核实，情况属实' } };
const talk = (by = [U(2), U(3)], on = TODAY): Ev => ({ type: 'RECORD_TALK', data: { on, by } });
const passPreReview: Ev = { type: 'PASS_PRE_REVIEW' };
const drop: Ev = { type: 'DROP', data: { reason: '已受党纪处分，不再另行处置' } };
const meeting = (over: Partial<RecordMeetingPayload> = {}): Ev => ({
  type: 'RECORD_MEETING',
  data: {
    heldOn: TODAY,
    memberNotifiedOn: '2026-02-25',
    defense: '本人承认错误',
    eligibleVoters: 9,
    present: 7,
    votesFor: 6,
    ...over,
  },
});
const approve = (measure: Measure, correctionMonths?: number): Ev => ({
  type: 'APPROVE',
  data: { measure, ...(correctionMonths === undefined ? {} : { correctionMonths }) },
});
const reject: Ev = { type: 'REJECT', data: { reason: '事实不清' } };
const review = (corrected: boolean, at = AT): Ev => ({ type: 'REVIEW_CORRECTION', data: { corrected }, at });
const withdrawal: Ev = { type: 'RECORD_WITHDRAWAL' };
const refusal: Ev = { type: 'RECORD_REFUSAL' };
const appeal = (at = AT): Ev => ({ type: 'APPEAL', data: { grounds: '处置事实有误' }, at });
const windowClosed = (at = AT): Ev => ({ type: 'APPEAL_WINDOW_CLOSED', at });
const uphold = (at = AT): Ev => ({ type: 'UPHOLD_APPEAL', data: { reason: '申诉理由成立' }, at });
const dismiss = (at = AT): Ev => ({ type: 'DISMISS_APPEAL', data: {}, at });
const suspendEv = (lostContactSince = '2025-09-01', at = AT): Ev => ({
  type: 'SUSPEND_MEMBERSHIP',
  data: { lostContactSince },
  at,
});
const restore = (at: string): Ev => ({ type: 'RESTORE', data: { reason: '已恢复联系' }, at });
const lapse = (at: string): Ev => ({ type: 'SUSPENSION_LAPSED', at });
const partyProbation = (decidedOn = TODAY, years: 1 | 2 = 1, at = AT): Ev => ({
  type: 'RECORD_PARTY_PROBATION',
  data: { decidedOn, years, decisionNo: '赣市律党纪〔2026〕3号' },
  at,
});

/** From a fresh case (or `from`) to `approval` with the given measure proposed. */
const toApproval = (measure: Measure = 'removal', from: Snap = start()) =>
  run(from, propose(measure), ackFiling, investigate, talk(), passPreReview, meeting()).next;
const toCorrection = (months?: number) => run(toApproval('correction'), approve('correction', months)).next;
const toPersuasion = () => run(toApproval('persuasion'), approve('persuasion')).next;
const toRemoved = () => run(toApproval('removal'), approve('removal')).next;
const toSuspended = () => run(start(), suspendEv()).next;
const LAPSE = '2028-03-02';

const reach: Record<string, () => Snap> = {
  proposed: () => start(),
  filing: () => run(start(), propose('removal')).next,
  investigation: () => run(start(), propose('removal'), ackFiling).next,
  talk: () => run(start(), propose('removal'), ackFiling, investigate).next,
  pre_review: () => run(start(), propose('removal'), ackFiling, investigate, talk()).next,
  branch_meeting: () => run(start(), propose('removal'), ackFiling, investigate, talk(), passPreReview).next,
  approval: () => toApproval(),
  correction_period: () => toCorrection(),
  persuasion: toPersuasion,
  removed: toRemoved,
  withdrawn: () => run(toPersuasion(), withdrawal).next,
  appeal_review: () => run(toRemoved(), appeal()).next,
  suspended: toSuspended,
};

// ------------------------------------------------------------------ tests

describe('nonconforming definition metadata', () => {
  it('covers every state and event of the machine, and nothing else', () => {
    expect(definitionProblems(def)).toEqual([]);
    expect(checkDefinition(def)).toEqual([]);
  });

  it('the metadata check can fail', () => {
    const { APPEAL: _a, ...events } = def.events;
    const broken = { ...def, events: { ...events, APPEAL_WINDOW_CLOSED: { title: '申诉期届满' } } };
    expect(definitionProblems(broken)).toEqual(
      expect.arrayContaining([
        'event APPEAL has no EventMeta',
        'deadline appeal_window fires APPEAL_WINDOW_CLOSED, not a system event',
      ]),
    );
  });

  it('uses the state and event names of §4', () => {
    expect(Object.keys(machine.root.states).sort()).toEqual([...OPEN_STATES, ...FINAL_STATES].sort());
    for (const s of FINAL_STATES) expect(machine.root.states[s].type).toBe('final');
    // removed / withdrawn stay open for the appeal window
    for (const s of OPEN_STATES) expect(machine.root.states[s].type).not.toBe('final');
    expect(Object.keys(def.events).sort()).toEqual(
      [
        'PROPOSE',
        'ACK_FILING',
        'RECORD_INVESTIGATION',
        'RECORD_TALK',
        'PASS_PRE_REVIEW',
        'DROP',
        'RECORD_MEETING',
        'APPROVE',
        'REJECT',
        'REVIEW_CORRECTION',
        'RECORD_WITHDRAWAL',
        'RECORD_REFUSAL',
        'APPEAL',
        'APPEAL_WINDOW_CLOSED',
        'UPHOLD_APPEAL',
        'DISMISS_APPEAL',
        'SUSPEND_MEMBERSHIP',
        'RESTORE',
        'SUSPENSION_LAPSED',
        'RECORD_PARTY_PROBATION',
      ].sort(),
    );
    expect(
      Object.entries(def.events)
        .filter(([, m]) => m.system)
        .map(([t]) => t)
        .sort(),
    ).toEqual(['APPEAL_WINDOW_CLOSED', 'SUSPENSION_LAPSED']);
  });

  it('branch states are acted on by the branch, upper states by its upper committee', () => {
    const first = (s: string) => def.states[s].actors![0].party;
    for (const s of [
      'proposed',
      'investigation',
      'talk',
      'branch_meeting',
      'correction_period',
      'persuasion',
      'suspended',
    ])
      expect(first(s)).toBe('branch');
    for (const s of ['filing', 'pre_review', 'approval', 'appeal_review', 'removed', 'withdrawn'])
      expect(first(s)).toBe('branchUpper');
    for (const s of OPEN_STATES) expect(def.states[s].actors!.every((a) => a.role === 'clerk')).toBe(true);
  });

  it('declares the deadlines of §4', () => {
    const dl = (s: string) => def.states[s].deadlines ?? [];
    const span = (s: string) => dl(s).map((d) => [d.amount, d.unit, d.anchor.kind]);
    expect(span('filing')).toEqual([[10, 'wd', 'entry']]);
    expect(span('investigation')).toEqual([[1, 'm', 'entry']]);
    expect(span('pre_review')).toEqual([[1, 'm', 'entry']]);
    expect(span('approval')).toEqual([[1, 'm', 'entry']]);
    expect(span('persuasion')).toEqual([[1, 'm', 'entry']]);
    expect(span('appeal_review')).toEqual([[3, 'm', 'entry']]);
    expect(dl('correction_period')).toEqual([
      expect.objectContaining({ amount: 0, anchor: { kind: 'context', path: 'correctionDueOn' } }),
    ]);
    expect(dl('correction_period')[0].fireEvent).toBeUndefined();
    for (const s of ['removed', 'withdrawn'])
      expect(dl(s)).toEqual([
        expect.objectContaining({
          amount: 1,
          unit: 'm',
          anchor: { kind: 'context', path: 'decidedOn' },
          fireEvent: 'APPEAL_WINDOW_CLOSED',
          escalate: false,
        }),
      ]);
    expect(dl('suspended')).toEqual([
      expect.objectContaining({
        amount: 0,
        anchor: { kind: 'context', path: 'suspensionLapsesOn' },
        fireEvent: 'SUSPENSION_LAPSED',
      }),
    ]);
    expect(def.policyDefaults).toMatchObject({
      correctionMonths: 6,
      correctionMaxMonths: 12,
      suspensionRestoreYears: 2,
    });
  });
});

describe('nonconforming parties, opening and payloads', () => {
  it('the branch is the member’s org', () => {
    expect(def.parties({ member: { id: MEMBER, name: '李四', orgId: BRANCH_ORG, status: 'full' } }, {})).toEqual({
      branch: BRANCH_ORG,
    });
    expect(def.parties({}, {})).toHaveProperty('error');
  });

  it('refuses a second open case for the same member', () => {
    expect(def.openingFacts).toEqual(['memberHasOpenNonconforming', 'memberRegistryStatus']);
    expect(def.openingRule!({}, { memberHasOpenNonconforming: true }, AT)).toMatch(/已有未结的不合格党员处置案件/);
    expect(def.openingRule!({}, { memberHasOpenNonconforming: false }, AT)).toBeNull();
  });

  it('starts in proposed with the opening input in context', () => {
    const s = start({ trigger: 'pocket_member', grounds: '组织关系介绍信逾期未报到（口袋党员）' });
    expect(s.value).toBe('proposed');
    expect(ctx(s)).toMatchObject({
      memberId: MEMBER,
      trigger: 'pocket_member',
      grounds: '组织关系介绍信逾期未报到（口袋党员）',
      round: 1,
    });
    expect(ctx(start()).trigger).toBe('branch');
    expect(ctx(start({}, { correctionMonths: 3 })).policy.correctionMonths).toBe(3);
  });

  const errors = (cls: new () => object, plain: object) =>
    validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);

  it('validates the creation input', () => {
    expect(errors(NonconformingCreateInput, {})).toEqual([]);
    expect(errors(NonconformingCreateInput, { trigger: 'inactivity', measure: 'correction', grounds: 'x' })).toEqual(
      [],
    );
    expect(errors(NonconformingCreateInput, { trigger: 'rumour' })).toEqual(['trigger']);
    expect(errors(NonconformingCreateInput, { measure: 'exile' })).toEqual(['measure']);
  });

  it('validates the talk: exactly two distinct member ids', () => {
    expect(errors(RecordTalkPayload, { on: TODAY, by: [U(2), U(3)] })).toEqual([]);
    expect(errors(RecordTalkPayload, { on: TODAY, by: [U(2)] })).toEqual(['by']);
    expect(errors(RecordTalkPayload, { on: TODAY, by: [U(2), U(3), U(4)] })).toEqual(['by']);
    expect(errors(RecordTalkPayload, { on: TODAY, by: [U(2), U(2)] })).toEqual(['by']);
    expect(errors(RecordTalkPayload, { on: TODAY, by: ['x', 'y'] })).toEqual(['by']);
  });

  it('validates the meeting and the approval', () => {
    expect(errors(RecordMeetingPayload, (meeting() as any).data)).toEqual([]);
    expect(errors(RecordMeetingPayload, { ...(meeting() as any).data, present: -1 })).toEqual(['present']);
    expect(errors(RecordMeetingPayload, { ...(meeting() as any).data, eligibleVoters: 0 })).toEqual(['eligibleVoters']);
    expect(errors(ApprovePayload, { measure: 'correction', correctionMonths: 12 })).toEqual([]);
    expect(errors(ApprovePayload, { measure: 'correction', correctionMonths: 13 })).toEqual(['correctionMonths']);
    expect(errors(ApprovePayload, { measure: 'correction', correctionMonths: 0 })).toEqual(['correctionMonths']);
    expect(errors(ApprovePayload, {})).toEqual(['measure']);
  });
});

describe('nonconforming machine', () => {
  it('runs the removal path and sets the member removed at the decision (an appeal does not suspend it)', () => {
    let s = reach.branch_meeting();
    expect(ctx(s)).toMatchObject({
      measure: 'removal',
      grounds: '连续6个月不参加组织生活',
      proposedOn: TODAY,
      filedOn: TODAY,
      findings: '经核实，情况属实',
      talk: { on: TODAY, by: [U(2), U(3)] },
      preReviewPassedOn: TODAY,
    });
    s = run(s, meeting()).next;
    expect(s.value).toBe('approval');
    expect(ctx(s).meeting).toMatchObject({
      passed: true,
      defense: '本人承认错误',
      defenseWaived: false,
      eligibleVoters: 9,
      present: 7,
      votesFor: 6,
    });
    const removed = run(s, approve('removal'));
    expect(removed.next.value).toBe('removed');
    expect(removed.effects).toEqual([status('removed')]);
    expect(ctx(removed.next)).toMatchObject({ approvedOn: TODAY, decidedOn: TODAY });
    const closed = run(removed.next, windowClosed(atOn('2026-04-02')));
    expect(closed.next.value).toBe('closed_removed');
    expect(closed.next.status).toBe('done');
    expect(closed.effects).toEqual([]);
  });

  it('takes measure and grounds from the opening input when PROPOSE leaves them out', () => {
    const s = run(start({ measure: 'correction', grounds: '年度民主评议不合格' }), propose(undefined, null)).next;
    expect(ctx(s)).toMatchObject({ measure: 'correction', grounds: '年度民主评议不合格' });
  });

  describe('rule: PROPOSE', () => {
    it('needs a measure and grounds', () => {
      refused(start(), propose(undefined));
      expect(proposeRule(ctx(start()), propose(undefined) as WorkflowEvent)).toBe(
        '请选择处置措施（限期改正、劝其退党或除名）',
      );
      refused(start(), propose('correction', null));
      expect(proposeRule(ctx(start()), propose('correction', null) as WorkflowEvent)).toBe(
        '请填写不合格表现（处置理由）',
      );
      expect(proposeRule(ctx(start({ grounds: '   ' })), propose('correction', null) as WorkflowEvent)).not.toBeNull();
    });
  });

  describe('rule: RECORD_TALK by two full members', () => {
    const s = () => reach.talk();
    it('refuses the member himself, a repeated talker, a single talker and a future date', () => {
      refused(s(), talk([MEMBER, U(3)]));
      expect(talkRule(ctx(s()), talk([MEMBER, U(3)]) as WorkflowEvent)).toBe('谈话人不能是被处置党员本人');
      refused(s(), talk([U(2), U(2)]));
      refused(s(), talk([U(2)]));
      expect(talkRule(ctx(s()), talk([U(2)]) as WorkflowEvent)).toBe('谈话须由两名正式党员进行');
      refused(s(), talk([U(2), U(3)], '2026-03-03'));
    });
    it('accepts two others on a past day', () => {
      expect(talkRule(ctx(s()), talk() as WorkflowEvent)).toBeNull();
      expect(run(s(), talk([U(4), U(5)], '2026-02-28')).next.value).toBe('pre_review');
    });
    it('refuses a talker the registry does not hold as a full member (fact memberIdsUnderProbation)', () => {
      const withFacts = (notFull: string[]): Ev => ({
        ...talk([U(2), U(3)]),
        facts: { memberIdsUnderProbation: notFull },
      });
      expect(def.events.RECORD_TALK.facts).toEqual(['memberIdsUnderProbation']);
      expect(talkRule(ctx(s()), withFacts([U(3)]) as WorkflowEvent)).toBe(
        '谈话人必须是正式党员，尚在预备期或不在党员信息库中的人员不能担任',
      );
      refused(s(), withFacts([U(3)]));
      expect(run(s(), withFacts([U(9)])).next.value).toBe('pre_review');
    });
  });

  describe('rule and branch: RECORD_MEETING', () => {
    const s = () => reach.branch_meeting();
    it('requires the defense to be recorded or waived', () => {
      const none = meeting({ defense: undefined });
      refused(s(), none);
      expect(meetingRule(ctx(s()), none as WorkflowEvent)).toBe(
        '须记录党员本人的申辩意见，或本人放弃申辩（保障党员申辩权利）',
      );
      refused(s(), meeting({ defense: '  ' }));
      refused(s(), meeting({ defenseWaived: true }));
      const waived = run(s(), meeting({ defense: undefined, defenseWaived: true })).next;
      expect(waived.value).toBe('approval');
      expect(ctx(waived).meeting).toMatchObject({ defenseWaived: true, defense: undefined });
    });
    it('refuses inconsistent figures and a notice after the meeting', () => {
      refused(s(), meeting({ present: 10 }));
      refused(s(), meeting({ votesFor: 8 }));
      refused(s(), meeting({ memberNotifiedOn: '2026-03-03', heldOn: TODAY }));
      refused(s(), meeting({ heldOn: '2026-03-05' }));
    });
    it('refuses an inquorate meeting (present ≤ half): it is void, not a decision', () => {
      refused(s(), meeting({ eligibleVoters: 10, present: 5, votesFor: 5 }));
      expect(meetingRule(ctx(s()), meeting({ eligibleVoters: 10, present: 5, votesFor: 5 }) as WorkflowEvent)).toMatch(
        /会议无效/,
      );
    });
    it('passes with votesFor > half of the eligible voters, otherwise drops the case', () => {
      expect(run(s(), meeting({ eligibleVoters: 10, present: 6, votesFor: 6 })).next.value).toBe('approval');
      const failed = run(s(), meeting({ eligibleVoters: 10, present: 9, votesFor: 5 }));
      expect(failed.next.value).toBe('closed_dropped');
      expect(failed.effects).toEqual([]);
      expect(ctx(failed.next).dropped).toMatchObject({ at: 'branch_meeting', on: TODAY });
      expect(ctx(failed.next).meeting?.passed).toBe(false);
    });
  });

  describe('APPROVE: three-way branch and its rule', () => {
    it('correction starts the period with the policy default months', () => {
      const s = toCorrection();
      expect(s.value).toBe('correction_period');
      expect(ctx(s)).toMatchObject({ measure: 'correction', correctionMonths: 6, correctionDueOn: '2026-09-02' });
    });
    it('correction with the months approved, within the policy maximum', () => {
      expect(ctx(toCorrection(12))).toMatchObject({ correctionMonths: 12, correctionDueOn: '2027-03-02' });
      const strict = toApproval('correction', start({}, { correctionMaxMonths: 8 }));
      refused(strict, approve('correction', 9));
      expect(approveRule(ctx(strict), approve('correction', 9) as WorkflowEvent)).toBe('改正期限为1至8个月');
      refused(toApproval('removal'), approve('removal', 3));
    });
    it('persuasion and removal go to their states', () => {
      expect(toPersuasion().value).toBe('persuasion');
      expect(toRemoved().value).toBe('removed');
    });
    it('may approve a milder measure than voted, never a harsher one', () => {
      const s = toApproval('persuasion');
      refused(s, approve('removal'));
      expect(approveRule(ctx(s), approve('removal') as WorkflowEvent)).toBe(
        '支部大会决定的处置措施为“劝其退党”，上级党组织不能批准更重的措施',
      );
      expect(run(s, approve('correction')).next.value).toBe('correction_period');
    });
    it('REJECT drops the case', () => {
      const { next, effects } = run(toApproval(), reject);
      expect(next.value).toBe('closed_dropped');
      expect(ctx(next).dropped).toEqual({ reason: '事实不清', on: TODAY, at: 'approval' });
      expect(effects).toEqual([]);
    });
  });

  describe('correction period', () => {
    it('corrected → closed_restored, without touching the member’s status', () => {
      const { next, effects } = run(toCorrection(), review(true, atOn('2026-06-01')));
      expect(next.value).toBe('closed_restored');
      expect(ctx(next).correctionReview).toEqual({ corrected: true, on: '2026-06-01' });
      expect(effects).toEqual([]);
    });
    it('not corrected is only decided once the period has run out', () => {
      const s = toCorrection();
      refused(s, review(false, atOn('2026-09-01')));
      expect(reviewCorrectionRule(ctx(s), review(false, atOn('2026-09-01')) as WorkflowEvent)).toBe(
        '改正期限至2026-09-02，期满前不能认定为仍无转变',
      );
    });
    it('not corrected → a new round in proposed with persuasion at least, the old round cleared', () => {
      const s = run(toCorrection(), review(false, atOn('2026-09-02'))).next;
      expect(s.value).toBe('proposed');
      expect(ctx(s)).toMatchObject({
        measure: 'persuasion',
        minMeasure: 'persuasion',
        round: 2,
        correctionReview: { corrected: false, on: '2026-09-02' },
      });
      expect(ctx(s).meeting).toBeUndefined();
      expect(ctx(s).talk).toBeUndefined();
      refused(s, propose('correction'));
      expect(proposeRule(ctx(s), propose('correction') as WorkflowEvent)).toMatch(/不能再次限期改正/);
      expect(run(s, propose(undefined)).next.value).toBe('filing');
      // the upper committee cannot go back to correction either
      const again = toApproval('persuasion', s);
      refused(again, approve('correction'));
      expect(approveRule(ctx(again), approve('correction') as WorkflowEvent)).toBe(
        '本案已不能适用“限期改正”，至少应为“劝其退党”',
      );
    });
  });

  describe('persuasion', () => {
    it('withdrawal → withdrawn with status withdrawn at once, closed after the appeal window', () => {
      const decided = run(toPersuasion(), withdrawal);
      const w = decided.next;
      expect(decided.effects).toEqual([status('withdrawn')]);
      expect(w.value).toBe('withdrawn');
      expect(ctx(w)).toMatchObject({ persuasion: { outcome: 'withdrew', on: TODAY }, decidedOn: TODAY });
      const { next, effects } = run(w, windowClosed());
      expect(next.value).toBe('closed_withdrawn');
      expect(effects).toEqual([]);
    });
    it('refusal → a new round in proposed with removal', () => {
      const s = run(toPersuasion(), refusal).next;
      expect(s.value).toBe('proposed');
      expect(ctx(s)).toMatchObject({
        measure: 'removal',
        minMeasure: 'removal',
        round: 2,
        persuasion: { outcome: 'refused' },
      });
      refused(s, propose('persuasion'));
      expect(proposeRule(ctx(s), propose('persuasion') as WorkflowEvent)).toBe(
        '劝其退党而本人拒不退党的，应当予以除名',
      );
      const r = run(toApproval('removal', s), approve('removal')).next;
      expect(r.value).toBe('removed');
    });
    it('the full escalation correction → persuasion → removal ends in closed_removed', () => {
      let s = run(toCorrection(), review(false, atOn('2026-09-02'))).next;
      s = run(toApproval('persuasion', s), approve('persuasion'), refusal).next;
      s = run(toApproval('removal', s), approve('removal'), windowClosed()).next;
      expect(s.value).toBe('closed_removed');
      expect(ctx(s).round).toBe(3);
    });
  });

  describe('appeal', () => {
    it('upheld → closed_restored, full membership restored (the removal had taken effect)', () => {
      const s = run(toRemoved(), appeal(atOn('2026-03-20'))).next;
      expect(ctx(s).appeal).toEqual({ grounds: '处置事实有误', on: '2026-03-20', from: 'removed' });
      const { next, effects } = run(s, uphold(atOn('2026-05-20')));
      expect(next.value).toBe('closed_restored');
      expect(ctx(next).appeal).toMatchObject({ outcome: 'upheld', decidedOn: '2026-05-20', reason: '申诉理由成立' });
      expect(effects).toEqual([status('full')]);
    });
    it('upheld for a probationary member → restored as probationary, not full (S38)', () => {
      const probationary = initialTransition(machine, {
        ...caseInput(),
        facts: { memberRegistryStatus: 'probationary' },
      })[0];
      expect(ctx(probationary).statusAtOpening).toBe('probationary');
      const removed = run(toApproval('removal', probationary), approve('removal')).next;
      const { next, effects } = run(removed, appeal(atOn('2026-03-20')), uphold(atOn('2026-05-20')));
      expect(next.value).toBe('closed_restored');
      expect(effects).toEqual([status('probationary')]);
      // and from a persuasion to withdraw, too
      const withdrawn = run(toApproval('persuasion', probationary), approve('persuasion'), withdrawal).next;
      expect(run(withdrawn, appeal(atOn('2026-03-20')), uphold(atOn('2026-05-20'))).effects).toEqual([
        status('probationary'),
      ]);
    });
    it('dismissed → back to removed, keeping the original window; no second appeal', () => {
      const s = run(toRemoved(), appeal(atOn('2026-03-20')), dismiss(atOn('2026-04-20'))).next;
      expect(s.value).toBe('removed');
      expect(ctx(s)).toMatchObject({ decidedOn: TODAY, appeal: { outcome: 'dismissed', decidedOn: '2026-04-20' } });
      refused(s, appeal(atOn('2026-04-21')));
      // still removed since the decision: neither the dismissal nor the closing changes the registry again
      expect(run(toRemoved(), appeal(atOn('2026-03-20')), dismiss(atOn('2026-04-20'))).effects).toEqual([]);
      expect(run(s, windowClosed(atOn('2026-04-20'))).effects).toEqual([]);
    });
    it('dismissed from withdrawn → back to withdrawn', () => {
      const s = run(toPersuasion(), withdrawal, appeal(), dismiss()).next;
      expect(s.value).toBe('withdrawn');
      expect(run(s, windowClosed()).next.value).toBe('closed_withdrawn');
    });
  });

  describe('out of contact: suspension', () => {
    const BEFORE_DECISION = ['proposed', 'investigation', 'talk', 'branch_meeting', 'correction_period', 'persuasion'];
    it.each(BEFORE_DECISION)('SUSPEND_MEMBERSHIP from %s sets the status suspended', (state) => {
      const { next, effects } = run(reach[state](), suspendEv());
      expect(next.value).toBe('suspended');
      expect(ctx(next)).toMatchObject({ suspendedAt: AT, lostContactSince: '2025-09-01', suspensionLapsesOn: LAPSE });
      expect(effects).toEqual([status('suspended')]);
    });
    it('is always the branch’s step', () => {
      expect(def.events.SUSPEND_MEMBERSHIP.actors).toEqual([{ role: 'clerk', party: 'branch' }]);
    });
    // the upper committee's steps are its task (the branch suspends when the case is back); after the decision the
    // member is removed or has withdrawn (an appeal does not suspend it): nothing to suspend
    it.each(OPEN_STATES.filter((s) => !BEFORE_DECISION.includes(s)))('is not possible from %s', (state) => {
      refused(reach[state](), suspendEv());
    });
    it('needs 6 months out of contact (policy)', () => {
      refused(start(), suspendEv('2025-09-03'));
      expect(suspendRule(ctx(start()), suspendEv('2025-09-03') as WorkflowEvent)).toBe(
        '与党组织失去联系满6个月方可停止党籍（失联起始日应不晚于2025-09-02）',
      );
      expect(suspendRule(ctx(start()), suspendEv('2025-09-02') as WorkflowEvent)).toBeNull();
      expect(
        suspendRule(ctx(start({}, { lostContactMonths: 12 })), suspendEv('2025-09-02') as WorkflowEvent),
      ).not.toBeNull();
    });
    it('RESTORE within 2 years → closed_restored with status full', () => {
      const { next, effects } = run(toSuspended(), restore(atOn(LAPSE)));
      expect(next.value).toBe('closed_restored');
      expect(ctx(next).restoredOn).toBe(LAPSE);
      expect(effects).toEqual([status('full')]);
    });
    it('RESTORE after 2 years is refused; the policy sets the years', () => {
      refused(toSuspended(), restore(atOn('2028-03-03')));
      expect(restoreRule(ctx(toSuspended()), restore(atOn('2028-03-03')) as WorkflowEvent)).toBe(
        '停止党籍已满2年（2028-03-02），不能恢复党籍，按自行脱党处理',
      );
      const one = run(start({}, { suspensionRestoreYears: 1 }), suspendEv()).next;
      expect(ctx(one).suspensionLapsesOn).toBe('2027-03-02');
    });
    it('SUSPENSION_LAPSED (clock) → removed as 自行脱党 with status removed, then closed_removed', () => {
      const s = toSuspended();
      refused(s, lapse(atOn('2028-03-01')));
      expect(lapseRule(ctx(s), lapse(atOn('2028-03-01')) as WorkflowEvent)).toBe('停止党籍期限至2028-03-02，尚未届满');
      const removed = run(s, lapse(atOn(LAPSE)));
      expect(removed.next.value).toBe('removed');
      expect(ctx(removed.next)).toMatchObject({ selfWithdrawal: true, decidedOn: LAPSE });
      expect(removed.effects).toEqual([status('removed')]);
      expect(run(removed.next, windowClosed(atOn('2028-04-02'))).effects).toEqual([]);
    });
    it('an upheld appeal against 自行脱党 gives back full membership', () => {
      const s = run(toSuspended(), lapse(atOn(LAPSE)), appeal(atOn('2028-03-10'))).next;
      expect(run(s, uphold(atOn('2028-04-10'))).effects).toEqual([status('full')]);
    });
  });

  describe('留党察看 recorded instead of a measure', () => {
    it('the upper committee records it at filing, pre-review or approval: the case ends and the registry holds it', () => {
      for (const state of ['filing', 'pre_review', 'approval']) {
        const { next, effects } = run(reach[state](), partyProbation('2026-02-20', 2));
        expect(next.value).toBe('closed_disciplined');
        expect(next.status).toBe('done');
        expect(ctx(next).partyProbation).toEqual({
          decidedOn: '2026-02-20',
          years: 2,
          until: '2028-02-20',
          decisionNo: '赣市律党纪〔2026〕3号',
          recordedOn: TODAY,
        });
        expect(effects).toEqual([
          {
            kind: 'member.setPartyDiscipline',
            memberId: MEMBER,
            discipline: 'party_probation',
            from: '2026-02-20',
            until: '2028-02-20',
          },
        ]);
        expect(def.events.RECORD_PARTY_PROBATION.actors).toEqual([{ role: 'clerk', party: 'branchUpper' }]);
      }
    });
    it('only where the upper committee acts before a decision (no task for it in the branch’s steps)', () => {
      for (const state of ['proposed', 'investigation', 'talk', 'branch_meeting', 'correction_period', 'persuasion'])
        refused(reach[state](), partyProbation());
    });
    it('one or two years, decided on a past day, still running', () => {
      const s = reach.approval();
      const rule = (e: Ev) => partyProbationRule(ctx(s), e as WorkflowEvent);
      expect(rule(partyProbation('2026-03-03'))).toMatch(/不得晚于今天/);
      expect(rule({ ...partyProbation(), data: { decidedOn: TODAY, years: 3 } } as unknown as Ev)).toMatch(
        /一年和二年/,
      );
      expect(rule(partyProbation('2025-03-02', 1))).toMatch(/已于2026-03-02届满/);
      expect(rule(partyProbation('2025-03-03', 1))).toBeNull();
      refused(s, partyProbation('2025-03-02', 1));
      const probationary = run(
        initialTransition(machine, { ...caseInput(), facts: { memberRegistryStatus: 'probationary' } })[0],
        propose('removal'),
      ).next;
      expect(partyProbationRule(ctx(probationary), partyProbation() as WorkflowEvent)).toMatch(
        /预备党员不适用留党察看/,
      );
      expect(def.events.RECORD_PARTY_PROBATION.rule).toBe(partyProbationRule);
    });
  });

  describe('dropping', () => {
    it('the upper committee may drop at pre-review, the branch before proposing', () => {
      for (const state of ['pre_review', 'proposed']) {
        const { next, effects } = run(reach[state](), drop);
        expect(next.value).toBe('closed_dropped');
        expect(ctx(next).dropped).toEqual({ reason: '已受党纪处分，不再另行处置', on: TODAY, at: state });
        expect(effects).toEqual([]);
      }
    });
  });

  it.each(FINAL_STATES)('nothing is accepted after %s', (state) => {
    const finals: Record<string, () => Snap> = {
      closed_dropped: () => run(start(), drop).next,
      closed_restored: () => run(toCorrection(), review(true)).next,
      closed_removed: () => run(toRemoved(), windowClosed()).next,
      closed_withdrawn: () => run(toPersuasion(), withdrawal, windowClosed()).next,
      closed_disciplined: () => run(reach.filing(), partyProbation()).next,
    };
    const s = finals[state]();
    expect(s.value).toBe(state);
    expect(s.status).toBe('done');
    for (const e of [propose('removal'), appeal(), windowClosed(), suspendEv(), restore(AT), drop, partyProbation()])
      refused(s, e);
  });

  it('a persisted snapshot (JSON) restores and continues', () => {
    const persisted = JSON.parse(JSON.stringify(reach.correction_period()));
    const restored = machine.resolveState({ value: persisted.value, context: persisted.context });
    expect(run(restored, review(false, atOn('2026-09-02'))).next.value).toBe('proposed');
  });

  it('dates: China calendar day, months forward and backward', () => {
    expect(toDate('2026-03-02T16:30:00Z')).toBe('2026-03-03');
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
  });
});

// ------------------------------------------------------------------ generated paths

describe('nonconforming paths (@xstate/graph)', () => {
  /** Engine time for the next event: not before anything already dated in the case. */
  const nowOf = (c: NonconformingContext) => {
    const dates = [
      TODAY,
      c.correctionReview?.on,
      c.selfWithdrawal ? c.suspensionLapsesOn : undefined,
      c.decidedOn,
      c.appeal?.on,
      c.appeal?.decidedOn,
    ];
    return atOn(
      dates
        .filter((d): d is string => !!d)
        .sort()
        .pop()!,
    );
  };

  /** Sample events per state: valid ones and refused variants (which must not move the machine). */
  const samples = (snap: Snap): Ev[] => {
    const c = ctx(snap);
    const at = nowOf(c);
    const d = toDate(at);
    const withAt = (e: Ev): Ev => ({ ...e, at });
    return [
      ...(['correction', 'persuasion', 'removal'] as const).map((m) => withAt(propose(m))),
      withAt(propose(undefined, null)),
      withAt(ackFiling),
      withAt(investigate),
      withAt(talk([U(2), U(3)], d)),
      withAt(talk([MEMBER, U(3)], d)),
      withAt(passPreReview),
      withAt(drop),
      withAt(meeting({ heldOn: d, memberNotifiedOn: d })),
      withAt(meeting({ heldOn: d, memberNotifiedOn: d, votesFor: 3 })),
      withAt(meeting({ heldOn: d, memberNotifiedOn: d, defense: undefined })),
      withAt(meeting({ heldOn: d, memberNotifiedOn: d, present: 4, votesFor: 4 })),
      ...(['correction', 'persuasion', 'removal'] as const).map((m) => withAt(approve(m))),
      withAt(approve('correction', 13)),
      withAt(reject),
      review(true, at),
      review(false, at),
      ...(c.correctionDueOn ? [review(false, atOn(c.correctionDueOn))] : []),
      withAt(withdrawal),
      withAt(refusal),
      appeal(at),
      windowClosed(at),
      uphold(at),
      dismiss(at),
      suspendEv(addMonths(d, -6), at),
      suspendEv(addMonths(d, -5), at),
      restore(at),
      ...(c.suspensionLapsesOn
        ? [restore(atOn(addMonths(c.suspensionLapsesOn, 1))), lapse(atOn(c.suspensionLapsesOn))]
        : []),
      lapse(at),
      partyProbation(d, 1, at),
      partyProbation(addMonths(d, -12), 1, at),
    ];
  };
  // Dates abstracted away: the rest of the context is bounded (at most 3 rounds, one appeal).
  const serializeState = (s: Snap) => {
    const c = ctx(s);
    return JSON.stringify([
      s.value,
      c.round,
      c.measure,
      c.minMeasure,
      c.appeal?.from,
      c.appeal?.outcome,
      !!c.suspendedAt,
      !!c.selfWithdrawal,
    ]);
  };
  type Path = { state: Snap; steps: { event: Ev; state: Snap }[] };
  // Simple paths only follow accepted events (refused ones are self-loops: they add no route but cost time).
  const accepted = (s: Snap) => samples(s).filter((e) => s.can(e));
  const traverse = (simple: boolean) =>
    (simple ? getSimplePaths : getShortestPaths)(machine, {
      input: caseInput(),
      events: (simple ? accepted : samples) as any,
      serializeState: serializeState as any,
    }) as unknown as Path[];
  const userSteps = (p: Path) => p.steps.filter((st) => !st.event.type.startsWith('xstate.'));

  const shortest = traverse(false);
  const simple = traverse(true);
  const all = [...shortest, ...simple];

  const SEV: Record<Measure, number> = { correction: 1, persuasion: 2, removal: 3 };
  const ORDER = ['proposed', 'filing', 'investigation', 'talk', 'pre_review', 'branch_meeting', 'approval'];

  /** Invariants a snapshot must satisfy whatever way it was reached. */
  function problems(s: Snap): string[] {
    const c = ctx(s);
    const v = s.value as string;
    const out: string[] = [];
    const check = (ok: unknown, what: string) => !ok && out.push(what);
    check(s.status === (FINAL_STATES.includes(v) ? 'done' : 'active'), 'status');
    check(c.round >= 1 && c.round <= 3, 'round');
    check((c.round === 1) === !c.minMeasure, 'escalation ⇔ minimum measure');
    if (c.minMeasure && c.measure) check(SEV[c.measure] >= SEV[c.minMeasure], 'measure not milder than the minimum');
    const i = ORDER.indexOf(v);
    if (i >= 1) check(c.proposedOn && c.measure && c.grounds, 'proposal recorded');
    if (i >= 2) check(c.filedOn, 'filing recorded');
    if (i >= 3) check(c.findings, 'findings recorded');
    if (i >= 4)
      check(
        c.talk?.by.length === 2 && new Set(c.talk.by).size === 2 && !c.talk.by.includes(MEMBER),
        'talk by two others',
      );
    if (i >= 5) check(c.preReviewPassedOn, 'pre-review recorded');
    if (i >= 6 || c.approvedOn) {
      const m = c.meeting;
      check(
        m &&
          m.passed &&
          (m.defense || m.defenseWaived) &&
          m.present * 2 > m.eligibleVoters &&
          m.votesFor * 2 > m.eligibleVoters,
        'meeting passed with defense',
      );
    }
    if (i >= 0 && i < 5) check(!c.meeting && !c.approvedOn, 'no meeting before its step');
    if (v === 'correction_period')
      check(
        c.measure === 'correction' && c.correctionDueOn === addMonths(c.approvedOn!, c.correctionMonths!),
        'correction period',
      );
    if (v === 'persuasion') check(c.measure === 'persuasion' && c.approvedOn, 'persuasion approved');
    if (['removed', 'closed_removed'].includes(v))
      check(
        c.decidedOn && ((c.measure === 'removal' && c.approvedOn) || (c.selfWithdrawal && c.suspendedAt)),
        'removal decided',
      );
    if (['withdrawn', 'closed_withdrawn'].includes(v))
      check(c.decidedOn && c.persuasion?.outcome === 'withdrew', 'withdrawal recorded');
    if (v === 'appeal_review') check(c.appeal && !c.appeal.outcome, 'appeal pending');
    if (c.appeal?.outcome === 'dismissed')
      check([c.appeal.from, `closed_${c.appeal.from}`].includes(v), 'dismissed appeal returns to its state');
    if (c.appeal?.outcome === 'upheld') check(v === 'closed_restored', 'upheld appeal restores');
    if (v === 'suspended' || c.suspendedAt)
      check(
        c.suspendedAt &&
          c.suspensionLapsesOn === addMonths(c.suspendedAt, 24) &&
          c.lostContactSince! <= addMonths(c.suspendedAt, -6),
        'suspension',
      );
    if (c.selfWithdrawal)
      check(
        c.suspendedAt && ['removed', 'appeal_review', 'closed_removed', 'closed_restored'].includes(v),
        'self-withdrawal',
      );
    if (v === 'closed_dropped') check(c.dropped, 'drop recorded');
    check(
      (v === 'closed_disciplined') === !!c.partyProbation &&
        (!c.partyProbation || c.partyProbation.until === addMonths(c.partyProbation.decidedOn, 12)),
      '留党察看 recorded exactly when the case ends in it',
    );
    if (v === 'closed_restored')
      check(c.correctionReview?.corrected || c.restoredOn || c.appeal?.outcome === 'upheld', 'restoration reason');
    if (FINAL_STATES.includes(v)) check(c.closedOn, 'closing date');
    return out;
  }

  /** member.setStatus effects a whole path must emit, in order. */
  function expectedStatuses(c: NonconformingContext, v: string): string[] {
    const out = c.suspendedAt ? ['suspended'] : [];
    // the decision changes the registry at once (an appeal does not suspend it); an upheld appeal restores
    if (c.decidedOn) out.push(c.appeal?.from ?? (['removed', 'closed_removed'].includes(v) ? 'removed' : 'withdrawn'));
    if (v === 'closed_restored' && (c.suspendedAt || c.appeal?.outcome === 'upheld')) out.push('full');
    return out;
  }

  it('reaches every state of the machine', () => {
    expect([...new Set(all.map((p) => p.state.value as string))].sort()).toEqual(
      [...OPEN_STATES, ...FINAL_STATES].sort(),
    );
  });

  it('exercises every event type on some path', () => {
    expect([...new Set(all.flatMap((p) => userSteps(p).map((s) => s.event.type)))].sort()).toEqual(
      Object.keys(def.events).sort(),
    );
  });

  it('every path ends in a consistent state, replays deterministically and emits exactly the expected status changes', () => {
    expect(all.length).toBeGreaterThan(500);
    // Failures are collected (one expect per step would make 25 000 assertions and take long).
    const failures: string[] = [];
    // Replays share prefixes: memoize by the events sent so far.
    const memo = new Map<string, { s: Snap; effects: Effect[] }>([
      ['', { s: initialTransition(machine, caseInput())[0], effects: [] }],
    ]);
    for (const path of all) {
      const steps = userSteps(path);
      const where = `${JSON.stringify(path.state.value)} via ${steps.map((st) => st.event.type).join(' → ')}`;
      let key = '';
      let { s, effects } = memo.get('')!;
      for (const step of steps) {
        const nextKey = `${key}|${JSON.stringify(step.event)}`;
        let hit = memo.get(nextKey);
        if (!hit) {
          const [next, actions] = transition(machine, s, step.event);
          if (next === s) failures.push(`${where}: ${step.event.type} not accepted in ${JSON.stringify(s.value)}`);
          hit = { s: next, effects: [...effects, ...effectsOf(actions)] };
          memo.set(nextKey, hit);
        }
        ({ s, effects } = hit);
        key = nextKey;
      }
      if (s.value !== path.state.value) failures.push(`${where}: replay ends in ${JSON.stringify(s.value)}`);
      for (const p of problems(s)) failures.push(`${where}: ${p}`);
      const want: Effect[] = expectedStatuses(ctx(s), s.value as string).map(status);
      const pp = ctx(s).partyProbation;
      if (pp)
        want.push({
          kind: 'member.setPartyDiscipline',
          memberId: MEMBER,
          discipline: 'party_probation',
          from: pp.decidedOn,
          until: pp.until,
        });
      if (JSON.stringify(effects) !== JSON.stringify(want))
        failures.push(`${where}: effects ${JSON.stringify(effects)} ≠ ${JSON.stringify(want)}`);
    }
    expect(failures).toEqual([]);
  });

  it('refused sample events never move the machine', () => {
    const moved: string[] = [];
    let refusedCount = 0;
    for (const path of shortest)
      for (const e of samples(path.state)) {
        if (path.state.can(e)) continue;
        refusedCount++;
        const [next, actions] = transition(machine, path.state, e);
        if (next !== path.state || effectsOf(actions).length)
          moved.push(`${JSON.stringify(path.state.value)} / ${JSON.stringify(e)}`);
      }
    expect(refusedCount).toBeGreaterThan(1000);
    expect(moved).toEqual([]);
  });
});
