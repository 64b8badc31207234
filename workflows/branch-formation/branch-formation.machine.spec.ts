import 'reflect-metadata';
import { getShortestPaths } from '@xstate/graph';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { initialTransition, transition } from 'xstate';
import { Effect } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import {
  BranchFormationContext,
  BranchFormationEvent,
  BRANCH_FORMATION_POLICY_DEFAULTS,
  branchFormationDefinition,
  branchFormationMachine as machine,
  surveyRule,
} from './index';
import { addMonths, localDate } from '../kernel/dates';

// ------------------------------------------------------------------ fixtures

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FIRM = U(900);
const AT = '2026-03-02T02:00:00.000Z'; // 2026-03-02 10:00 Asia/Shanghai
const members = (n: number, from = 1) => Array.from({ length: n }, (_, i) => U(from + i));

type Snap = ReturnType<typeof start>;
type Ev = BranchFormationEvent;

function caseInput(input: Record<string, unknown> = {}, policy: Record<string, unknown> = {}) {
  return { subject: { firmId: FIRM }, input, policy: { ...BRANCH_FORMATION_POLICY_DEFAULTS, ...policy }, at: AT };
}
function start(input: Record<string, unknown> = {}, policy: Record<string, unknown> = {}) {
  return initialTransition(machine, caseInput(input, policy))[0];
}
function send(snap: Snap, event: Ev) {
  const [next, actions] = transition(machine, snap, { at: AT, ...event } as Ev);
  const effects = actions.filter((a: any) => a.type === 'effect').map((a: any) => a.params as Effect);
  return { next, effects };
}
/** Sends events in order, failing if one of them is not accepted. */
function run(snap: Snap, ...events: Ev[]): { next: Snap; effects: Effect[] } {
  let effects: Effect[] = [];
  for (const e of events) {
    expect({ state: snap.value, event: e.type, can: snap.can({ at: AT, ...e } as Ev) }).toEqual({
      state: snap.value,
      event: e.type,
      can: true,
    });
    const r = send(snap, e);
    snap = r.next;
    effects = r.effects;
  }
  return { next: snap, effects };
}
const ctx = (s: Snap) => s.context as BranchFormationContext;

const survey = (
  fullMembers: number,
  probationaryMembers = 0,
  opts: { director?: string | null; memberIds?: string[]; establishedOn?: string } = {},
): Ev => ({
  type: 'SUBMIT_SURVEY',
  data: {
    fullMembers,
    probationaryMembers,
    directorIsMember: !!opts.director,
    ...(opts.director ? { directorMemberId: opts.director } : {}),
    memberIds: opts.memberIds ?? members(fullMembers + probationaryMembers),
    ...(opts.establishedOn ? { establishedOn: opts.establishedOn } : {}),
  },
});
const application = (proposedSecretaryId = U(1)): Ev => ({
  type: 'SUBMIT_APPLICATION',
  data: { proposedSecretaryId, charterPartyClauses: true },
});
const approveFormation: Ev = { type: 'APPROVE_FORMATION' };
const ret = (reason = '材料不全'): Ev => ({ type: 'RETURN', data: { reason } });
const election = (secretaryId = U(1), committeeIds: string[] = [], extra: Record<string, unknown> = {}): Ev => ({
  type: 'RECORD_ELECTION',
  data: { electedOn: '2026-03-01', secretaryId, committeeIds, ...extra },
});
const approveSecretary: Ev = { type: 'APPROVE_SECRETARY' };
const assignJoint = (unitCount: number | undefined, jointBranchId = U(500)): Ev => ({
  type: 'ASSIGN_JOINT_BRANCH',
  data: { jointBranchId, liaisonMemberId: U(1) },
  ...(unitCount === undefined ? {} : { facts: { jointBranchUnitCount: unitCount } }),
});
const assignInstructor = (instructorId = U(700)): Ev => ({ type: 'ASSIGN_INSTRUCTOR', data: { instructorId } });
const closeFirm: Ev = { type: 'CLOSE_FIRM', data: { reason: '律师事务所注销' } };

/** Reaches `secretary_approval` for a 3-full-member firm whose director U(1) is a member. */
function toSecretaryApproval(secretaryId = U(1), extra: Record<string, unknown> = {}) {
  return run(
    start(),
    survey(3, 0, { director: U(1) }),
    application(),
    approveFormation,
    election(secretaryId, [], extra),
  ).next;
}

const NON_FINAL = [
  'survey',
  'application',
  'committee_review',
  'election',
  'secretary_approval',
  'joint_assignment',
  'instructor_assignment',
  'monitoring',
];
const FINAL = ['established', 'established_joint', 'closed'];

// ------------------------------------------------------------------ tests

describe('branch-formation definition metadata', () => {
  it('covers every state and event of the machine', () => {
    expect(definitionProblems(branchFormationDefinition)).toEqual([]);
    expect(Object.keys(branchFormationDefinition.states).sort()).toEqual([...NON_FINAL, ...FINAL].sort());
  });

  it('the metadata check detects missing states and events', () => {
    const { monitoring: _m, ...states } = branchFormationDefinition.states;
    const { CLOSE_FIRM: _c, ...events } = branchFormationDefinition.events;
    const broken = { ...branchFormationDefinition, states, events: { ...events, BOGUS: { title: 'x' } } };
    expect(definitionProblems(broken)).toEqual(
      expect.arrayContaining([
        'state monitoring has no StateMeta',
        'event CLOSE_FIRM has no EventMeta',
        'EventMeta BOGUS is not accepted by the machine',
      ]),
    );
  });

  it('declares the spec deadlines (10/20/10/20/10/10/10 wd), the 3 m overall deadline and the 6 m re-count', () => {
    const expected: Record<string, number> = {
      survey: 10,
      application: 20,
      committee_review: 10,
      election: 20,
      secretary_approval: 10,
      joint_assignment: 10,
      instructor_assignment: 10,
    };
    for (const [state, amount] of Object.entries(expected)) {
      const ds = branchFormationDefinition.states[state].deadlines!;
      expect(ds.find((d) => d.key === `${state}.due`)).toMatchObject({ amount, unit: 'wd', anchor: { kind: 'entry' } });
      expect(ds.find((d) => d.key === 'formation.overall')).toMatchObject({
        amount: 3,
        unit: 'm',
        anchor: { kind: 'context', path: 'establishedOn' },
      });
    }
    expect(branchFormationDefinition.states.monitoring.deadlines).toEqual([
      expect.objectContaining({ key: 'monitoring.recount', anchor: { kind: 'context', path: 'nextRecountDue' } }),
    ]);
    for (const f of FINAL) expect(branchFormationDefinition.states[f].deadlines ?? []).toEqual([]);
  });

  it('actors follow the spec', () => {
    const s = branchFormationDefinition.states;
    const c = (party: string) => ({ role: 'clerk', party });
    expect(s.survey.actors).toEqual([c('county'), c('city')]);
    expect(s.application.actors).toEqual([c('firmOrg'), c('county'), c('city')]);
    expect(s.election.actors).toEqual(s.application.actors);
    for (const st of ['committee_review', 'secretary_approval', 'joint_assignment', 'monitoring'])
      expect(s[st].actors).toEqual([c('city')]);
    expect(s.instructor_assignment.actors).toEqual([c('city'), c('county')]);
    expect(branchFormationDefinition.events.CLOSE_FIRM.actors).toEqual([c('city')]);
    expect(branchFormationDefinition.events.ASSIGN_JOINT_BRANCH.facts).toEqual(['jointBranchUnitCount']);
    expect(branchFormationDefinition.policyDefaults).toEqual({
      branchMinFullMembers: 3,
      committeeThreshold: 7,
      committeeMin: 3,
      committeeMax: 7,
      jointBranchMaxUnits: 5,
      recountMonths: 6,
    });
  });

  describe('parties', () => {
    const firm = (over: Record<string, unknown> = {}) => ({
      firm: {
        id: FIRM,
        name: '赣州某律师事务所',
        kind: 'firm' as const,
        county: '360702',
        coverage: 'none',
        partyOrgId: null,
        ...over,
      },
    });
    it('maps the firm org and the head firm org', () => {
      expect(branchFormationDefinition.parties(firm({ partyOrgId: U(300) }), {})).toEqual({
        firmOrg: U(300),
        headFirmOrg: undefined,
      });
      expect(branchFormationDefinition.parties(firm({ kind: 'branch_office' }), { headFirmOrgId: U(301) })).toEqual({
        firmOrg: undefined,
        headFirmOrg: U(301),
      });
    });
    it('refuses a subject that is not a firm, a firm that already has its own branch, a head firm org for a firm', () => {
      expect(branchFormationDefinition.parties({ org: { id: U(1), name: 'x', type: 'branch' } }, {})).toHaveProperty(
        'error',
      );
      expect(branchFormationDefinition.parties(firm({ coverage: 'branch' }), {})).toHaveProperty('error');
      expect(branchFormationDefinition.parties(firm(), { headFirmOrgId: U(301) })).toHaveProperty('error');
    });
  });

  describe('payload classes', () => {
    const check = (event: string, data: object) =>
      validateSync(plainToInstance(branchFormationDefinition.events[event].payload as any, data) as object, {
        whitelist: true,
        forbidNonWhitelisted: true,
      }).map((e) => e.property);
    it('accept the sample payloads', () => {
      for (const e of [
        survey(3, 1, { director: U(1), establishedOn: '2026-01-05' }),
        application(),
        ret(),
        election(U(1), members(3), { justification: '主任年事已高' }),
        assignJoint(1),
        assignInstructor(),
        closeFirm,
      ]) {
        expect({ type: e.type, errors: check(e.type, (e as any).data) }).toEqual({ type: e.type, errors: [] });
      }
      expect(check('CLOSE_FIRM', {})).toEqual([]);
    });
    it('refuse bad payloads', () => {
      expect(
        check('SUBMIT_SURVEY', {
          fullMembers: -1,
          probationaryMembers: 1.5,
          directorIsMember: 'yes',
          memberIds: ['x'],
        }).sort(),
      ).toEqual(['directorIsMember', 'fullMembers', 'memberIds', 'probationaryMembers']);
      expect(
        check('SUBMIT_SURVEY', {
          fullMembers: 2,
          probationaryMembers: 0,
          directorIsMember: false,
          memberIds: [U(1), U(1)],
        }),
      ).toEqual(['memberIds']);
      expect(check('SUBMIT_APPLICATION', { proposedSecretaryId: U(1), extra: 1 })).toEqual(['extra']);
      expect(check('RETURN', { reason: '' })).toEqual(['reason']);
      expect(check('RECORD_ELECTION', { electedOn: 'yesterday', secretaryId: U(1), committeeIds: [] })).toEqual([
        'electedOn',
      ]);
      expect(check('ASSIGN_JOINT_BRANCH', { jointBranchId: U(1) })).toEqual(['liaisonMemberId']);
      const create = (data: object) =>
        validateSync(plainToInstance(branchFormationDefinition.createInput as any, data) as object, {
          whitelist: true,
          forbidNonWhitelisted: true,
        }).map((e) => e.property);
      expect(create({})).toEqual([]);
      expect(create({ trigger: 'firm_established', establishedOn: '2026-01-05', headFirmOrgId: U(1) })).toEqual([]);
      expect(create({ trigger: 'licensing', headFirmOrgId: 'x' }).sort()).toEqual(['headFirmOrgId', 'trigger']);
    });
  });
});

describe('branch-formation machine', () => {
  describe('creation', () => {
    it('defaults the trigger and records the guide org and the establishment date', () => {
      const c = ctx(
        start({ trigger: 'branch_office_established', establishedOn: '2026-02-10', headFirmOrgId: U(301) }),
      );
      expect(c).toMatchObject({
        firmId: FIRM,
        trigger: 'branch_office_established',
        establishedOn: '2026-02-10',
        guideOrgId: U(301),
        openedAt: AT,
      });
      expect(ctx(start())).toMatchObject({ trigger: 'manual', establishedOn: undefined, guideOrgId: undefined });
      expect(start().value).toBe('survey');
    });
    it('normalizes a timestamp to the Shanghai calendar date', () => {
      expect(ctx(start({ establishedOn: '2026-02-09T17:30:00Z' })).establishedOn).toBe('2026-02-10');
      expect(localDate('2026-03-01T16:00:00.000Z', AT)).toBe('2026-03-02');
      expect(localDate(undefined, AT)).toBe('2026-03-02');
    });
    it('fills missing policy values from the defaults and keeps overrides', () => {
      const c = ctx(
        initialTransition(machine, {
          subject: { firmId: FIRM },
          input: {},
          policy: { jointBranchMaxUnits: 4 },
          at: AT,
        })[0],
      );
      expect(c.policy).toEqual({ ...BRANCH_FORMATION_POLICY_DEFAULTS, jointBranchMaxUnits: 4 });
    });
  });

  describe('survey decision', () => {
    it.each([
      [3, 0, 'application', 'branch'],
      [8, 2, 'application', 'branch'],
      [2, 0, 'joint_assignment', 'joint_branch'],
      [1, 3, 'joint_assignment', 'joint_branch'],
      [0, 1, 'joint_assignment', 'joint_branch'],
      [0, 0, 'instructor_assignment', 'instructor'],
    ])('%i full + %i probationary → %s', (full, prob, state, decision) => {
      const { next } = run(start(), survey(full, prob));
      expect(next.value).toBe(state);
      expect(ctx(next)).toMatchObject({
        decision,
        survey: { fullMembers: full, probationaryMembers: prob, surveyedOn: '2026-03-02' },
      });
    });
    it('uses the policy minimum for a branch of its own', () => {
      expect(run(start({}, { branchMinFullMembers: 5 }), survey(4)).next.value).toBe('joint_assignment');
      expect(run(start({}, { branchMinFullMembers: 5 }), survey(5)).next.value).toBe('application');
    });
    it.each([
      ['member list does not match the counts', survey(3, 0, { memberIds: members(2) }), '不一致'],
      [
        'director is a member without an id',
        {
          type: 'SUBMIT_SURVEY',
          data: { fullMembers: 3, probationaryMembers: 0, directorIsMember: true, memberIds: members(3) },
        },
        '须填写主任',
      ],
      ['director is not in the member list', survey(3, 0, { director: U(99) }), '须列入本所党员名单'],
      [
        'director id given though not a member',
        {
          type: 'SUBMIT_SURVEY',
          data: {
            fullMembers: 3,
            probationaryMembers: 0,
            directorIsMember: false,
            directorMemberId: U(1),
            memberIds: members(3),
          },
        },
        '不应填写',
      ],
    ])('refuses a survey where the %s', (_name, event, message) => {
      const ev = { at: AT, ...(event as Ev) };
      expect(branchFormationDefinition.events.SUBMIT_SURVEY.rule!(ctx(start()), ev)).toContain(message);
      expect(start().can(ev as Ev)).toBe(false);
      expect(send(start(), ev as Ev).next.value).toBe('survey');
    });
    it('records the establishment date given by the surveyor, never overwriting a known one', () => {
      expect(ctx(run(start(), survey(3, 0, { establishedOn: '2026-01-20' })).next).establishedOn).toBe('2026-01-20');
      expect(
        ctx(run(start({ establishedOn: '2026-01-05' }), survey(3, 0, { establishedOn: '2026-01-20' })).next)
          .establishedOn,
      ).toBe('2026-01-05');
    });
  });

  describe('branch path', () => {
    it('application must propose a firm member as secretary', () => {
      const s = run(start(), survey(3)).next;
      expect(s.can({ at: AT, ...application(U(99)) } as Ev)).toBe(false);
      expect(branchFormationDefinition.events.SUBMIT_APPLICATION.rule!(ctx(s), application(U(99)))).toContain(
        '拟任支部书记',
      );
      const { next } = run(s, application(U(2)));
      expect(next.value).toBe('committee_review');
      expect(ctx(next).proposedSecretaryId).toBe(U(2));
    });

    it('application needs the firm’s charter to contain party-building clauses (Ganzhou)', () => {
      const s = run(start(), survey(3)).next;
      for (const charterPartyClauses of [undefined, false]) {
        const e = { type: 'SUBMIT_APPLICATION', data: { proposedSecretaryId: U(2), charterPartyClauses } } as Ev;
        expect(s.can({ at: AT, ...e } as Ev)).toBe(false);
        expect(branchFormationDefinition.events.SUBMIT_APPLICATION.rule!(ctx(s), e)).toBe(
          '律所章程须增加党建内容、明确党组织在律所中发挥政治核心作用，章程修订后方可提交成立党支部申请',
        );
      }
      expect(ctx(run(s, application(U(2))).next).charterPartyClausesOn).toBe(AT.slice(0, 10));
    });

    it('committee review returns to application with the reason, or approves into election', () => {
      const s = run(start(), survey(3), application()).next;
      const back = run(s, ret('请补充章程党建条款')).next;
      expect(back.value).toBe('application');
      expect(ctx(back).lastReturn).toEqual({
        from: 'committee_review',
        reason: '请补充章程党建条款',
        on: '2026-03-02',
      });
      const approved = run(back, application(), approveFormation).next;
      expect(approved.value).toBe('election');
      expect(ctx(approved).formationApprovedOn).toBe('2026-03-02');
    });

    describe('election rule', () => {
      const atElection = (full: number, policy: Record<string, unknown> = {}) =>
        run(start({}, policy), survey(full), application(), approveFormation).next;
      const rule = branchFormationDefinition.events.RECORD_ELECTION.rule!;
      const expectRefused = (s: Snap, e: Ev, message: string) => {
        expect(rule(ctx(s), { at: AT, ...e })).toContain(message);
        expect(s.can({ at: AT, ...e } as Ev)).toBe(false);
      };
      it('a branch of <7 full members may elect just a secretary', () => {
        const { next } = run(atElection(6), election(U(2)));
        expect(next.value).toBe('secretary_approval');
        expect(ctx(next).election).toEqual({
          electedOn: '2026-03-01',
          secretaryId: U(2),
          committeeIds: [],
          justification: undefined,
        });
      });
      it('≥7 full members require a committee of 3–7 including the secretary', () => {
        const s = atElection(8);
        expectRefused(s, election(U(1)), '须设立支部委员会');
        expectRefused(s, election(U(1), members(2)), '当前2人');
        expectRefused(s, election(U(1), members(8)), '当前8人');
        expectRefused(s, election(U(4), members(3)), '须为支部委员会委员');
        expect(run(s, election(U(1), members(3))).next.value).toBe('secretary_approval');
        expect(run(s, election(U(1), members(7))).next.value).toBe('secretary_approval');
      });
      it('the committee threshold and size come from the policy', () => {
        const s = atElection(5, { committeeThreshold: 5, committeeMax: 5 });
        expectRefused(s, election(U(1)), '正式党员5人以上');
        expectRefused(s, election(U(1), members(2)), '当前2人');
        expect(run(s, election(U(1), members(5))).next.value).toBe('secretary_approval');
      });
      it('secretary and committee members must be firm members, the date not in the future', () => {
        const s = atElection(8);
        expectRefused(s, election(U(99), [U(99), U(1), U(2)]), '支部书记须为本所党员');
        expectRefused(s, election(U(1), [U(1), U(2), U(99)]), '支部委员须为本所党员');
        expectRefused(
          s,
          { type: 'RECORD_ELECTION', data: { electedOn: '2026-03-03', secretaryId: U(1), committeeIds: members(3) } },
          '不得晚于今天',
        );
        // Same Shanghai day as the engine clock is fine.
        expect(
          run(s, {
            type: 'RECORD_ELECTION',
            data: { electedOn: '2026-03-02', secretaryId: U(1), committeeIds: members(3) },
          }).next.value,
        ).toBe('secretary_approval');
      });
      it('党章 art. 40: no one under 留党察看 is elected secretary or committee member (registry fact, shared rule)', () => {
        const s = atElection(8);
        const onProbation = { memberIdsOnPartyProbation: [{ id: U(2), name: '钱二', until: '2027-06-30' }] };
        const withFacts = (e: Ev): Ev => ({ ...e, facts: onProbation });
        expectRefused(
          s,
          withFacts(election(U(2), members(3))),
          '受留党察看处分、尚未恢复党员权利的党员没有被选举权，不能担任支部书记：钱二（留党察看期 2027-06-30 届满）',
        );
        expectRefused(
          s,
          withFacts(election(U(1), members(3))),
          '受留党察看处分、尚未恢复党员权利的党员没有被选举权，不能当选支部委员：钱二（留党察看期 2027-06-30 届满）',
        );
        expect(run(s, withFacts(election(U(1), [U(1), U(3), U(4)]))).next.value).toBe('secretary_approval');
        expect(branchFormationDefinition.events.RECORD_ELECTION.facts).toEqual(['memberIdsOnPartyProbation']);
      });
    });

    describe('secretary approval (一肩挑)', () => {
      const rule = branchFormationDefinition.events.APPROVE_SECRETARY.rule!;
      it('approves the director as secretary', () => {
        const s = toSecretaryApproval(U(1));
        expect(rule(ctx(s), approveSecretary)).toBeNull();
        expect(run(s, approveSecretary).next.value).toBe('established');
      });
      it('refuses another secretary without a justification, shows the justification when given', () => {
        const s = toSecretaryApproval(U(2));
        expect(rule(ctx(s), approveSecretary)).toContain('说明理由');
        expect(s.can({ at: AT, ...approveSecretary })).toBe(false);
        const ws = toSecretaryApproval(U(2), { justification: '   ' });
        expect(ws.can({ at: AT, ...approveSecretary })).toBe(false);
        const ok = toSecretaryApproval(U(2), { justification: '主任已书面报告，经市律师行业党委同意由副主任担任书记' });
        expect(ctx(ok).election?.justification).toContain('书面报告');
        expect(run(ok, approveSecretary).next.value).toBe('established');
      });
      it('needs no justification when the director is not a member', () => {
        const s = run(start(), survey(3), application(), approveFormation, election(U(3))).next;
        expect(run(s, approveSecretary).next.value).toBe('established');
      });
      it('RETURN goes back to election, where a justified election can be recorded', () => {
        const s = toSecretaryApproval(U(2));
        const back = run(s, ret('主任为党员，请说明未担任书记的理由')).next;
        expect(back.value).toBe('election');
        expect(ctx(back).lastReturn?.from).toBe('secretary_approval');
        const again = run(back, election(U(2), [], { justification: '理由' }), approveSecretary).next;
        expect(again.value).toBe('established');
      });
    });

    it('on established creates the branch for the firm with the surveyed members and sets coverage', () => {
      const s = run(start(), survey(3, 1, { director: U(1) }), application(), approveFormation, election(U(1))).next;
      const { next, effects } = run(s, approveSecretary);
      expect(next.status).toBe('done');
      expect(ctx(next).secretaryApprovedOn).toBe('2026-03-02');
      expect(effects).toEqual([
        { kind: 'org.createForFirm', firmId: FIRM, orgType: 'branch', secretaryId: U(1), memberIds: members(4) },
        { kind: 'firm.setCoverage', firmId: FIRM, coverage: 'branch' },
      ]);
    });
  });

  describe('joint branch path', () => {
    const atJoint = (policy: Record<string, unknown> = {}) => run(start({}, policy), survey(2)).next;
    const rule = branchFormationDefinition.events.ASSIGN_JOINT_BRANCH.rule!;
    it('assigns a joint branch with room and sets the coverage', () => {
      const { next, effects } = run(atJoint(), assignJoint(4));
      expect(next.value).toBe('established_joint');
      expect(ctx(next)).toMatchObject({ jointBranchId: U(500), liaisonMemberId: U(1) });
      expect(effects).toEqual([{ kind: 'firm.setCoverage', firmId: FIRM, coverage: 'joint_branch', orgId: U(500) }]);
    });
    it('refuses a joint branch already covering the maximum of units, or when the count is unknown', () => {
      expect(rule(ctx(atJoint()), assignJoint(5))).toContain('不得超过5个');
      expect(atJoint().can({ at: AT, ...assignJoint(5) })).toBe(false);
      expect(atJoint().can({ at: AT, ...assignJoint(9) })).toBe(false);
      expect(atJoint().can({ at: AT, ...assignJoint(undefined) })).toBe(false);
      expect(rule(ctx(atJoint()), assignJoint(undefined))).toContain('无法获取');
      // the engine reports null when the chosen org is no joint branch (a firm's own branch, a committee)
      const notJoint = { ...assignJoint(0), facts: { jointBranchUnitCount: null } };
      expect(rule(ctx(atJoint()), notJoint)).toContain('不是联合党支部');
      expect(atJoint().can({ at: AT, ...notJoint })).toBe(false);
      expect(atJoint({ jointBranchMaxUnits: 3 }).can({ at: AT, ...assignJoint(3) })).toBe(false);
      expect(atJoint({ jointBranchMaxUnits: 3 }).can({ at: AT, ...assignJoint(2) })).toBe(true);
    });
  });

  describe('instructor and monitoring', () => {
    const atMonitoring = () => run(start(), survey(0), assignInstructor()).next;
    it('ASSIGN_INSTRUCTOR sets coverage and starts monitoring with a 6-month re-count date', () => {
      const { next, effects } = run(run(start(), survey(0)).next, assignInstructor());
      expect(next.value).toBe('monitoring');
      expect(effects).toEqual([
        { kind: 'firm.setCoverage', firmId: FIRM, coverage: 'instructor', instructorId: U(700) },
      ]);
      expect(ctx(next)).toMatchObject({ instructorId: U(700), nextRecountDue: '2026-09-02' });
    });
    it('the clock at the re-count date starts the next 6-month period (a cycle, not a single reminder)', () => {
      const [next] = transition(machine, atMonitoring(), { type: 'RECOUNT_DUE', at: '2026-09-02T16:00:00.000Z' } as Ev);
      expect(next.value).toBe('monitoring');
      expect(ctx(next).nextRecountDue).toBe('2027-03-03'); // 2026-09-03 in Beijing + 6 months
      const recount = branchFormationDefinition.states.monitoring.deadlines!.find(
        (d) => d.key === 'monitoring.recount',
      )!;
      expect(recount).toMatchObject({ fireEvent: 'RECOUNT_DUE', escalate: false });
      expect(branchFormationDefinition.events.RECOUNT_DUE.system).toBe(true);
    });
    it('the re-count interval comes from the policy and clamps to the end of month', () => {
      expect(ctx(run(start({}, { recountMonths: 3 }), survey(0), assignInstructor()).next).nextRecountDue).toBe(
        '2026-06-02',
      );
      expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    });
    it('a new survey with no members stays in monitoring with a new re-count date', () => {
      const later = '2026-09-05T01:00:00.000Z';
      const [next] = transition(machine, atMonitoring(), { ...survey(0), at: later } as Ev);
      expect(next.value).toBe('monitoring');
      expect(ctx(next)).toMatchObject({ nextRecountDue: '2027-03-05', survey: { surveyedOn: '2026-09-05' } });
    });
    it('a new survey re-decides: ≥3 → application, 1–2 → joint_assignment', () => {
      expect(run(atMonitoring(), survey(4)).next.value).toBe('application');
      expect(run(atMonitoring(), survey(1)).next.value).toBe('joint_assignment');
      expect(atMonitoring().can({ at: AT, ...survey(3, 0, { memberIds: members(1) }) })).toBe(false);
    });
    it('a firm found again in monitoring can still form its own branch', () => {
      const { next, effects } = run(
        atMonitoring(),
        survey(3),
        application(),
        approveFormation,
        election(),
        approveSecretary,
      );
      expect(next.value).toBe('established');
      expect(effects.map((e) => e.kind)).toEqual(['org.createForFirm', 'firm.setCoverage']);
    });
  });

  describe('survey against the registry', () => {
    it('refuses a survey whose full-member count the registry does not bear out', () => {
      const d = survey(3);
      const ids = (d.data as any).memberIds as string[];
      // the engine loads which listed ids are not full members
      expect(
        surveyRule(ctx(start()), {
          type: 'SUBMIT_SURVEY',
          at: AT,
          data: d.data,
          facts: { memberIdsUnderProbation: [] },
        } as any),
      ).toBeNull();
      expect(
        surveyRule(ctx(start()), {
          type: 'SUBMIT_SURVEY',
          at: AT,
          data: d.data,
          facts: { memberIdsUnderProbation: [ids[0]] },
        } as any),
      ).toContain('不符');
      expect(branchFormationDefinition.events.SUBMIT_SURVEY.facts).toEqual(['memberIdsUnderProbation']);
    });
  });

  describe('FIRM_ESTABLISHED (licensing)', () => {
    const established = (on: string): Ev => ({ type: 'FIRM_ESTABLISHED', data: { establishedOn: on } }) as Ev;
    it('records the establishment date in any open state, once, which starts the whole-procedure deadline', () => {
      const atApplication = run(start(), survey(3)).next;
      expect(ctx(atApplication).establishedOn).toBeUndefined();
      const { next, effects } = run(atApplication, established('2026-03-05'));
      expect(next.value).toBe('application');
      expect(ctx(next).establishedOn).toBe('2026-03-05');
      expect(effects).toEqual([]);
      // a second notice is not taken (the engine answers 422) and does not move the anchor
      expect(next.can({ at: AT, ...established('2026-04-01') } as Ev)).toBe(false);
      expect(ctx(send(next, established('2026-04-01')).next).establishedOn).toBe('2026-03-05');
      expect(branchFormationDefinition.events.FIRM_ESTABLISHED).toMatchObject({ system: true });
    });
  });

  describe('CLOSE_FIRM', () => {
    const reach: Record<string, () => Snap> = {
      survey: () => start(),
      application: () => run(start(), survey(3)).next,
      committee_review: () => run(start(), survey(3), application()).next,
      election: () => run(start(), survey(3), application(), approveFormation).next,
      secretary_approval: () => toSecretaryApproval(),
      joint_assignment: () => run(start(), survey(1)).next,
      instructor_assignment: () => run(start(), survey(0)).next,
      monitoring: () => run(start(), survey(0), assignInstructor()).next,
    };
    it.each(NON_FINAL)('closes from %s, clears the coverage and closes the firm', (state) => {
      const s = reach[state]();
      expect(s.value).toBe(state);
      const { next, effects } = run(s, closeFirm);
      expect(next.value).toBe('closed');
      expect(next.status).toBe('done');
      expect(ctx(next)).toMatchObject({ closedOn: '2026-03-02', closeReason: '律师事务所注销' });
      expect(effects).toEqual([
        { kind: 'firm.setCoverage', firmId: FIRM, coverage: 'none' },
        { kind: 'firm.close', firmId: FIRM },
      ]);
    });
    it('final states accept nothing', () => {
      const finals = [
        run(toSecretaryApproval(), approveSecretary).next,
        run(reach.joint_assignment(), assignJoint(0)).next,
        run(start(), closeFirm).next,
      ];
      for (const f of finals) {
        expect(f.status).toBe('done');
        for (const e of [closeFirm, survey(3), approveSecretary]) expect(f.can({ at: AT, ...e } as Ev)).toBe(false);
      }
    });
  });

  describe('graph traversal', () => {
    // Sample events per type, including variants that must be refused by a guard.
    const samples: Ev[] = [
      survey(3, 1, { director: U(1) }),
      survey(8),
      survey(2),
      survey(0, 1),
      survey(0),
      survey(3, 0, { memberIds: members(2) }), // refused
      application(U(1)),
      application(U(99)), // refused
      approveFormation,
      ret(),
      election(U(1)),
      election(U(2)), // director U(1) is a member: approval needs justification
      election(U(2), [], { justification: '理由' }),
      election(U(1), members(3)),
      election(U(99)), // refused
      approveSecretary,
      assignJoint(2),
      assignJoint(5), // refused
      assignInstructor(),
      closeFirm,
    ].map((e) => ({ at: AT, ...e }) as Ev);

    const paths = getShortestPaths(machine, { input: caseInput(), events: samples });

    it('reaches every state of the machine', () => {
      const reached = new Set(paths.map((p) => p.state.value as string));
      expect([...reached].sort()).toEqual([...NON_FINAL, ...FINAL].sort());
    });

    it('every path ends in a consistent state', () => {
      expect(paths.length).toBeGreaterThan(20);
      for (const path of paths) {
        const s = path.state;
        const c = s.context as BranchFormationContext;
        const v = s.value as string;
        const where = `${v} via ${path.steps.map((st) => st.event.type).join(' → ')}`;
        expect({ where, status: s.status }).toEqual({ where, status: FINAL.includes(v) ? 'done' : 'active' });
        const total = (c.survey?.fullMembers ?? 0) + (c.survey?.probationaryMembers ?? 0);
        const checks: Record<string, () => boolean> = {
          survey: () => c.survey === undefined,
          application: () => c.decision === 'branch' && c.survey!.fullMembers >= 3,
          committee_review: () => c.decision === 'branch' && c.survey!.memberIds.includes(c.proposedSecretaryId!),
          election: () => c.decision === 'branch' && !!c.formationApprovedOn,
          secretary_approval: () => !!c.election && c.survey!.memberIds.includes(c.election.secretaryId),
          established: () =>
            !!c.secretaryApprovedOn &&
            c.survey!.fullMembers >= 3 &&
            (!c.survey!.directorIsMember ||
              c.election!.secretaryId === c.survey!.directorMemberId ||
              !!c.election!.justification) &&
            (c.survey!.fullMembers < 7 || c.election!.committeeIds.length >= 3),
          joint_assignment: () => c.decision === 'joint_branch' && c.survey!.fullMembers < 3 && total > 0,
          established_joint: () => c.decision === 'joint_branch' && !!c.jointBranchId,
          instructor_assignment: () => c.decision === 'instructor' && total === 0,
          monitoring: () => !!c.instructorId && c.nextRecountDue === '2026-09-02',
          closed: () => c.closedOn === '2026-03-02',
        };
        expect({ where, consistent: checks[v]() }).toEqual({ where, consistent: true });
      }
    });

    it('replaying each path to a final state emits the effects of that final state', () => {
      const expectedKinds: Record<string, string[]> = {
        established: ['org.createForFirm', 'firm.setCoverage'],
        established_joint: ['firm.setCoverage'],
        closed: ['firm.setCoverage', 'firm.close'],
      };
      const finalPaths = paths.filter((p) => FINAL.includes(p.state.value as string));
      expect(finalPaths.length).toBeGreaterThan(3);
      for (const path of finalPaths) {
        let snap = start();
        let last: Effect[] = [];
        for (const step of path.steps) {
          const r = send(snap, step.event as Ev);
          snap = r.next;
          last = r.effects;
        }
        expect(snap.value).toBe(path.state.value);
        expect(last.map((e) => e.kind)).toEqual(expectedKinds[snap.value as string]);
      }
    });
  });
});
