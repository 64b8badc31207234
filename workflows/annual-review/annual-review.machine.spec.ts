import 'reflect-metadata';
import { getShortestPaths } from '@xstate/graph';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { initialTransition, transition } from 'xstate';
import { Effect } from '../kernel/definition';
import { definitionProblems } from '../kernel/definition-problems';
import {
  ANNUAL_REVIEW_POLICY_DEFAULTS,
  ANNUAL_REVIEW_STEPS,
  AnnualReviewContext,
  AnnualReviewEvent,
  annualReviewDefinition,
  annualReviewMachine as machine,
  gradeFor,
} from './index';

// ------------------------------------------------------------------ fixtures

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ORG = U(800);
const AT = '2027-01-10T02:00:00.000Z'; // 2027-01-10 10:00 Asia/Shanghai
const FULL = [U(1), U(2), U(3), U(4), U(5), U(6)];
const PROBATIONARY = U(7);

type Ev = AnnualReviewEvent;
type Snap = ReturnType<typeof start>;

const caseInput = (input: Record<string, unknown> = { year: 2026 }, policy: Record<string, unknown> = {}) => ({
  subject: { orgId: ORG },
  input: input as any,
  policy: { ...ANNUAL_REVIEW_POLICY_DEFAULTS, ...policy },
  at: AT,
});
const start = (input?: Record<string, unknown>, policy?: Record<string, unknown>) =>
  initialTransition(machine, caseInput(input, policy))[0];
function send(snap: Snap, event: Ev) {
  const [next, actions] = transition(machine, snap, { at: AT, ...event } as Ev);
  return { next, effects: actions.filter((a: any) => a.type === 'effect').map((a: any) => a.params as Effect) };
}
function run(snap: Snap, ...events: Ev[]): { next: Snap; effects: Effect[] } {
  let effects: Effect[] = [];
  for (const e of events) {
    expect({ state: snap.value, event: e.type, can: snap.can({ at: AT, ...e } as Ev) }).toEqual({
      state: snap.value,
      event: e.type,
      can: true,
    });
    ({ next: snap, effects } = send(snap, e));
  }
  return { next: snap, effects };
}
const ctx = (s: Snap) => s.context as AnnualReviewContext;

const selfAssessments: Ev = { type: 'RECORD_SELF_ASSESSMENTS', data: { memberIds: [...FULL, PROBATIONARY] } };
const peerReview: Ev = { type: 'RECORD_PEER_REVIEW', data: { heldOn: '2027-01-08' } };
const meeting: Ev = { type: 'RECORD_MEETING', data: { heldOn: '2027-01-09', branchComment: '支部讲评：整体表现良好' } };
const leaderComment: Ev = { type: 'RECORD_LEADER_COMMENT', data: { comment: '领导点评：继续加强学习' } };
/** `full: null` = the engine sent no facts. */
const ratingsEvent = (ratings: Record<string, string>, full: string[] | null = FULL): Ev =>
  ({ type: 'SUBMIT_RATINGS', data: { ratings }, ...(full ? { facts: { fullMemberIdsOfOrg: full } } : {}) }) as Ev;
const allQualified = Object.fromEntries(FULL.map((id) => [id, 'qualified']));
/** 2 excellent of 6 (= ⅓), one unqualified. */
const mixed = {
  ...allQualified,
  [U(1)]: 'excellent',
  [U(4)]: 'excellent',
  [U(6)]: 'unqualified',
  [U(5)]: 'basically_qualified',
};
const report: Ev = { type: 'SUBMIT_REPORT', data: { summary: '书记述职报告' } };
const score = (n: number): Ev => ({ type: 'SCORE', data: { score: n } });

const toRatings = () => run(start(), selfAssessments, peerReview, meeting, leaderComment).next;
const toAssessment = (ratings: Record<string, string> = mixed) => run(toRatings(), ratingsEvent(ratings), report).next;

// ------------------------------------------------------------------ tests

describe('annual-review definition metadata', () => {
  it('covers every state and event of the machine', () => {
    expect(definitionProblems(annualReviewDefinition)).toEqual([]);
    expect(Object.keys(annualReviewDefinition.states)).toEqual([...ANNUAL_REVIEW_STEPS, 'completed']);
  });

  it('the metadata check detects missing states and events', () => {
    const { completed: _c, ...states } = annualReviewDefinition.states;
    const { SCORE: _s, ...events } = annualReviewDefinition.events;
    expect(definitionProblems({ ...annualReviewDefinition, states, events })).toEqual(
      expect.arrayContaining(['state completed has no StateMeta', 'event SCORE has no EventMeta']),
    );
  });

  it('anchors each step deadline at its fixed date in context', () => {
    for (const s of ANNUAL_REVIEW_STEPS) {
      expect(annualReviewDefinition.states[s].deadlines).toEqual([
        expect.objectContaining({
          key: `${s}.due`,
          amount: 0,
          unit: 'd',
          anchor: { kind: 'context', path: `due.${s}` },
        }),
      ]);
    }
  });

  it('actors: the branch, except leader comment and assessment by the upper committee', () => {
    const branch = [{ role: 'clerk', party: 'branch' }];
    const upper = [{ role: 'clerk', party: 'branchUpper' }];
    const s = annualReviewDefinition.states;
    for (const st of ['self_assessment', 'peer_review', 'org_life_meeting', 'member_ratings', 'secretary_report'])
      expect(s[st].actors).toEqual(branch);
    expect(s.leader_comment.actors).toEqual(upper);
    expect(s.committee_assessment.actors).toEqual(upper);
    expect(annualReviewDefinition.events.SUBMIT_RATINGS.facts).toEqual([
      'fullMemberIdsOfOrg',
      'orgMembersOnPartyProbation',
    ]);
  });

  it('policy defaults: ⅓ excellent, grade thresholds 85 / 70', () => {
    expect(annualReviewDefinition.policyDefaults).toMatchObject({
      excellentMaxRatio: 1 / 3,
      gradeThresholds: { I: 85, II: 70 },
    });
  });

  it('parties: the subject organization is the branch', () => {
    expect(
      annualReviewDefinition.parties({ org: { id: ORG, name: '某律所党支部', type: 'branch' } }, { year: 2026 }),
    ).toEqual({ branch: ORG });
    expect(annualReviewDefinition.parties({}, { year: 2026 })).toHaveProperty('error');
  });

  it('payload classes accept the samples and refuse bad payloads', () => {
    const check = (cls: any, data: object) =>
      validateSync(plainToInstance(cls, data) as object, { whitelist: true, forbidNonWhitelisted: true })
        .map((e) => e.property)
        .sort();
    const ev = annualReviewDefinition.events;
    for (const e of [selfAssessments, peerReview, meeting, leaderComment, ratingsEvent(mixed), report, score(90)]) {
      expect({ type: e.type, errors: check(ev[e.type].payload, (e as any).data) }).toEqual({
        type: e.type,
        errors: [],
      });
    }
    expect(check(ev.RECORD_PEER_REVIEW.payload, {})).toEqual([]);
    expect(check(annualReviewDefinition.createInput, { year: 2026, campaignId: U(9) })).toEqual([]);
    expect(check(annualReviewDefinition.createInput, { year: 1999.5, campaignId: 'x' })).toEqual([
      'campaignId',
      'year',
    ]);
    expect(check(annualReviewDefinition.createInput, { year: 2101 })).toEqual(['year']);
    expect(check(ev.RECORD_SELF_ASSESSMENTS.payload, { memberIds: [] })).toEqual(['memberIds']);
    expect(check(ev.RECORD_MEETING.payload, { heldOn: '2027-01-09' })).toEqual(['branchComment']);
    expect(check(ev.SUBMIT_RATINGS.payload, { ratings: 'all excellent' })).toEqual(['ratings']);
    expect(check(ev.SCORE.payload, { score: 101 })).toEqual(['score']);
    expect(check(ev.SCORE.payload, { score: 80.5 })).toEqual(['score']);
    expect(check(ev.SCORE.payload, { score: -1 })).toEqual(['score']);
    expect(check(ev.SUBMIT_REPORT.payload, { summary: 'x', extra: true })).toEqual(['extra']);
  });
});

describe('annual-review machine', () => {
  it('computes the fixed due dates of year Y+1 at creation', () => {
    const c = ctx(start({ year: 2026, campaignId: U(9) }));
    expect(c).toMatchObject({ orgId: ORG, year: 2026, campaignId: U(9), openedAt: AT });
    expect(c.due).toEqual({
      self_assessment: '2027-01-15',
      peer_review: '2027-01-31',
      org_life_meeting: '2027-01-31',
      leader_comment: '2027-02-15',
      member_ratings: '2027-02-28',
      secretary_report: '2027-03-15',
      committee_assessment: '2027-03-31',
    });
    expect(ctx(start({ year: 2030 })).due.self_assessment).toBe('2031-01-15');
  });

  it('policy may move a due date and the grade thresholds; missing keys keep the defaults', () => {
    const [s] = initialTransition(machine, {
      subject: { orgId: ORG },
      input: { year: 2026 },
      policy: { dueDates: { member_ratings: '03-05' }, gradeThresholds: { I: 90 } },
      at: AT,
    });
    const c = s.context as AnnualReviewContext;
    expect(c.due.member_ratings).toBe('2027-03-05');
    expect(c.due.self_assessment).toBe('2027-01-15');
    expect(c.policy.gradeThresholds).toEqual({ I: 90, II: 70 });
    expect(c.policy.excellentMaxRatio).toBeCloseTo(1 / 3);
  });

  it('runs 一会四评 in order, recording each step', () => {
    const s0 = start();
    expect(s0.value).toBe('self_assessment');
    // Out-of-order events are refused.
    for (const e of [peerReview, meeting, leaderComment, ratingsEvent(mixed), report, score(90)])
      expect(s0.can({ at: AT, ...e } as Ev)).toBe(false);
    const s1 = run(s0, selfAssessments).next;
    expect(s1.value).toBe('peer_review');
    expect(ctx(s1).selfAssessedMemberIds).toEqual([...FULL, PROBATIONARY]);
    const s2 = run(s1, peerReview).next;
    expect(s2.value).toBe('org_life_meeting');
    expect(ctx(s2).peerReviewedOn).toBe('2027-01-08');
    const s3 = run(s2, meeting).next;
    expect(s3.value).toBe('leader_comment');
    expect(ctx(s3).meeting).toEqual({ heldOn: '2027-01-09', branchComment: '支部讲评：整体表现良好' });
    const s4 = run(s3, leaderComment).next;
    expect(s4.value).toBe('member_ratings');
    expect(ctx(s4).leaderComment).toBe('领导点评：继续加强学习');
  });

  it('a peer review without a date is recorded on the current Shanghai day', () => {
    const s = run(start(), selfAssessments).next;
    const [next] = transition(machine, s, { type: 'RECORD_PEER_REVIEW', at: '2027-01-11T17:00:00Z' });
    expect(ctx(next).peerReviewedOn).toBe('2027-01-12');
  });

  it('refuses a meeting or peer review dated in the future', () => {
    const rule = annualReviewDefinition.events.RECORD_MEETING.rule!;
    const s2 = run(start(), selfAssessments, peerReview).next;
    const future: Ev = { type: 'RECORD_MEETING', data: { heldOn: '2027-01-11', branchComment: 'x' } };
    expect(rule(ctx(s2), { at: AT, ...future })).toContain('不得晚于今天');
    expect(s2.can({ at: AT, ...future })).toBe(false);
    expect(run(s2, { type: 'RECORD_MEETING', data: { heldOn: '2027-01-10', branchComment: 'x' } }).next.value).toBe(
      'leader_comment',
    );
    const s1 = run(start(), selfAssessments).next;
    expect(s1.can({ at: AT, type: 'RECORD_PEER_REVIEW', data: { heldOn: '2027-02-01' } })).toBe(false);
  });

  describe('member ratings rule', () => {
    const rule = annualReviewDefinition.events.SUBMIT_RATINGS.rule!;
    const refused = (ratings: Record<string, unknown>, message: string, full: string[] | null = FULL) => {
      const s = toRatings();
      const e = { at: AT, ...ratingsEvent(ratings as Record<string, string>, full) };
      expect(rule(ctx(s), e)).toContain(message);
      expect(s.can(e)).toBe(false);
    };
    it('accepts every full member rated with at most ⅓ excellent and records the counts', () => {
      const { next } = run(toRatings(), ratingsEvent(mixed));
      expect(next.value).toBe('secretary_report');
      expect(ctx(next).ratings).toEqual(mixed);
      expect(ctx(next).ratingCounts).toEqual({ excellent: 2, qualified: 2, basically_qualified: 1, unqualified: 1 });
    });
    it('refuses more than ⅓ excellent', () => {
      refused({ ...mixed, [U(2)]: 'excellent' }, '超过参评党员（6人）的三分之一，最多2人');
      // 1 of 3 is exactly ⅓: allowed; 2 of 3 is not.
      const three = [U(1), U(2), U(3)];
      const s = toRatings();
      expect(
        s.can({ at: AT, ...ratingsEvent({ [U(1)]: 'excellent', [U(2)]: 'qualified', [U(3)]: 'qualified' }, three) }),
      ).toBe(true);
      expect(
        s.can({ at: AT, ...ratingsEvent({ [U(1)]: 'excellent', [U(2)]: 'excellent', [U(3)]: 'qualified' }, three) }),
      ).toBe(false);
    });
    it('uses the policy ratio', () => {
      const s = run(
        start(undefined, { excellentMaxRatio: 0.5 }),
        selfAssessments,
        peerReview,
        meeting,
        leaderComment,
      ).next;
      const half = { ...allQualified, [U(1)]: 'excellent', [U(2)]: 'excellent', [U(3)]: 'excellent' };
      expect(s.can({ at: AT, ...ratingsEvent(half) })).toBe(true);
      expect(rule(ctx(s), ratingsEvent({ ...half, [U(4)]: 'excellent' }))).toContain('50%');
    });
    it('refuses a missing full member', () => {
      const { [U(3)]: _dropped, ...rest } = mixed;
      refused(rest, `尚未评定等次：${U(3)}`);
    });
    it('refuses rating a probationary member or a stranger', () => {
      refused({ ...mixed, [PROBATIONARY]: 'qualified' }, '预备党员参加评议但不评定等次');
      refused({ ...mixed, [U(99)]: 'qualified' }, U(99));
    });
    it('refuses invalid ratings, ids, shapes, and unknown full-member facts', () => {
      refused({ ...mixed, [U(2)]: 'good' }, '评议等次“good”无效');
      refused({ ...mixed, 'not-a-uuid': 'qualified' }, '格式不正确');
      refused(mixed, '无法获取本支部正式党员名单', null);
      const s = toRatings();
      const arr = {
        type: 'SUBMIT_RATINGS',
        data: { ratings: [] },
        facts: { fullMemberIdsOfOrg: FULL },
      } as unknown as Ev;
      expect(rule(ctx(s), arr)).toContain('格式不正确');
      expect(s.can({ at: AT, ...arr })).toBe(false);
    });
    // 党章: no vote, no right to elect or be elected during 留党察看; the member takes part but gets no rating
    it('a member under 留党察看 is neither rated nor missing, and the ⅓ counts the rated only', () => {
      const withProbation = (ratings: Record<string, string>): Ev =>
        ({
          type: 'SUBMIT_RATINGS',
          data: { ratings },
          facts: {
            fullMemberIdsOfOrg: FULL,
            orgMembersOnPartyProbation: [{ id: U(6), name: '赵六', until: '2027-09-30' }],
          },
        }) as Ev;
      const { [U(6)]: _onProbation, ...rest } = mixed;
      const others = { ...rest, [U(4)]: 'qualified' };
      const s = toRatings();
      expect(rule(ctx(s), { at: AT, ...withProbation(mixed) })).toBe(
        '受留党察看处分、尚未恢复党员权利的党员参加评议但不评定等次：赵六（留党察看期 2027-09-30 届满）',
      );
      expect(s.can({ at: AT, ...withProbation(mixed) })).toBe(false);
      expect(rule(ctx(s), { at: AT, ...withProbation(others) })).toBeNull();
      // 2 excellent of the 5 rated is more than ⅓
      expect(rule(ctx(s), { at: AT, ...withProbation({ ...others, [U(2)]: 'excellent' }) })).toContain('（5人）');
      const { next } = run(s, withProbation(others));
      expect(ctx(next).ratings).toEqual(others);
    });
    it('a branch without full members submits an empty rating table', () => {
      expect(run(toRatings(), ratingsEvent({}, [])).next.value).toBe('secretary_report');
    });
  });

  // Ganzhou / Hunan: the organization's secretary gives the 述职, not any clerk of the branch
  describe('secretary report rule', () => {
    const SECRETARY = U(2);
    const reportWith = (facts: Record<string, unknown>, data: Record<string, unknown> = {}): Ev =>
      ({ type: 'SUBMIT_REPORT', data: { summary: '书记述职报告', ...data }, facts }) as Ev;
    const secretary = { orgSecretary: { memberId: SECRETARY, name: '钱二', termEndsOn: '2029-05-01' } };
    it('is refused while no secretary is on record, or when it names another member as 述职人', () => {
      const s = run(toRatings(), ratingsEvent(mixed)).next;
      const rule = annualReviewDefinition.events.SUBMIT_REPORT.rule!;
      const none = reportWith({ orgSecretary: null });
      expect(rule(ctx(s), none)).toBe(
        '本组织尚未登记书记，述职须由书记作出：请先登记书记及任期（换届）后再提交述职报告',
      );
      expect(s.can({ at: AT, ...none })).toBe(false);
      const other = reportWith(secretary, { reporterId: U(3) });
      expect(rule(ctx(s), other)).toBe('述职须由本组织书记钱二本人作出，所填述职人不是登记的书记');
      expect(s.can({ at: AT, ...other })).toBe(false);
      expect(annualReviewDefinition.events.SUBMIT_REPORT.facts).toEqual(['orgSecretary']);
    });
    it('records the secretary on record as the 述职人', () => {
      const s = run(toRatings(), ratingsEvent(mixed)).next;
      for (const data of [{}, { reporterId: SECRETARY }]) {
        const { next } = run(s, reportWith(secretary, data));
        expect(ctx(next).report).toEqual({
          summary: '书记述职报告',
          submittedOn: '2027-01-10',
          reporterId: SECRETARY,
          reporterName: '钱二',
        });
      }
    });
  });

  it('records the secretary report', () => {
    const s = toAssessment();
    expect(s.value).toBe('committee_assessment');
    expect(ctx(s).report).toEqual({ summary: '书记述职报告', submittedOn: '2027-01-10' });
  });

  describe('grading and completion', () => {
    it.each([
      [100, 'I'],
      [85, 'I'],
      [84, 'II'],
      [70, 'II'],
      [69, 'III'],
      [0, 'III'],
    ])('score %i → grade %s', (n, grade) => {
      const { next } = run(toAssessment(), score(n));
      expect(next.value).toBe('completed');
      expect(next.status).toBe('done');
      expect(ctx(next)).toMatchObject({ score: n, grade, completedOn: '2027-01-10' });
    });

    it('thresholds come from the policy', () => {
      expect(gradeFor(88, { I: 90, II: 75 })).toBe('II');
      expect(gradeFor(74, { I: 90, II: 75 })).toBe('III');
      const s = run(
        start(undefined, { gradeThresholds: { I: 90, II: 60 } }),
        selfAssessments,
        peerReview,
        meeting,
        leaderComment,
        ratingsEvent(mixed),
        report,
      ).next;
      expect(ctx(run(s, score(88)).next).grade).toBe('II');
      expect(ctx(run(s, score(65)).next).grade).toBe('II');
    });

    it('grade I: records the grade, opens a nonconforming case per unqualified member, commends excellent members and the org', () => {
      const { effects } = run(toAssessment({ ...mixed, [U(2)]: 'unqualified' }), score(90));
      expect(effects).toEqual([
        { kind: 'org.recordGrade', orgId: ORG, year: 2026, score: 90, grade: 'I' },
        {
          kind: 'case.open',
          workflow: 'nonconforming',
          subject: { memberId: U(2) },
          input: { trigger: 'annual_rating', grounds: '年度民主评议被评为不合格' },
        },
        {
          kind: 'case.open',
          workflow: 'nonconforming',
          subject: { memberId: U(6) },
          input: { trigger: 'annual_rating', grounds: '年度民主评议被评为不合格' },
        },
        { kind: 'commendation.add', year: 2026, memberIds: [U(1), U(4)], orgIds: [ORG] },
      ]);
    });

    it('grade II: excellent members are commended but not the organization', () => {
      const { effects } = run(toAssessment(), score(75));
      expect(effects.find((e) => e.kind === 'commendation.add')).toEqual({
        kind: 'commendation.add',
        year: 2026,
        memberIds: [U(1), U(4)],
        orgIds: [],
      });
      // one nonconforming case, and the branch's 晋位升级 task
      expect(effects.filter((e) => e.kind === 'case.open')).toEqual([
        expect.objectContaining({ workflow: 'nonconforming' }),
        {
          kind: 'case.open',
          workflow: 'grade-upgrade',
          subject: { orgId: ORG },
          input: { year: 2026, grade: 'II', score: 75 },
        },
      ]);
    });

    it('no commendation entry when nobody qualifies; no nonconforming case when nobody is unqualified; 后进 → 晋位升级', () => {
      const { effects } = run(toAssessment(allQualified), score(60));
      expect(effects).toEqual([
        { kind: 'org.recordGrade', orgId: ORG, year: 2026, score: 60, grade: 'III' },
        {
          kind: 'case.open',
          workflow: 'grade-upgrade',
          subject: { orgId: ORG },
          input: { year: 2026, grade: 'III', score: 60 },
        },
      ]);
    });

    it('the completed case accepts nothing', () => {
      const done = run(toAssessment(), score(90)).next;
      for (const e of [score(50), report, selfAssessments]) expect(done.can({ at: AT, ...e } as Ev)).toBe(false);
    });
  });

  describe('graph traversal', () => {
    const samples = [
      selfAssessments,
      peerReview,
      { type: 'RECORD_PEER_REVIEW', data: { heldOn: '2027-03-01' } }, // refused: future
      meeting,
      { type: 'RECORD_MEETING', data: { heldOn: '2027-02-01', branchComment: 'x' } }, // refused: future
      leaderComment,
      ratingsEvent(mixed),
      ratingsEvent(allQualified),
      ratingsEvent({ ...mixed, [U(2)]: 'excellent' }), // refused: > ⅓
      ratingsEvent({ ...mixed, [PROBATIONARY]: 'qualified' }), // refused: probationary rated
      ratingsEvent(allQualified, null), // refused: no facts
      report,
      score(95),
      score(80),
      score(50),
    ].map((e) => ({ at: AT, ...e }) as Ev);
    const paths = getShortestPaths(machine, { input: caseInput(), events: samples });

    it('reaches every state', () => {
      expect([...new Set(paths.map((p) => p.state.value))].sort()).toEqual(
        [...ANNUAL_REVIEW_STEPS, 'completed'].sort(),
      );
    });

    it('every path ends in a consistent state and replays to the same effects', () => {
      const order = [...ANNUAL_REVIEW_STEPS, 'completed'];
      for (const path of paths) {
        const s = path.state;
        const c = s.context as AnnualReviewContext;
        const v = s.value as string;
        const i = order.indexOf(v);
        const where = `${v} via ${path.steps.map((st) => st.event.type).join(' → ')}`;
        const consistent =
          i >= 1 === !!c.selfAssessedMemberIds &&
          i >= 2 === !!c.peerReviewedOn &&
          i >= 3 === !!c.meeting &&
          i >= 4 === !!c.leaderComment &&
          i >= 5 === !!c.ratings &&
          i >= 6 === !!c.report &&
          i >= 7 === (c.grade !== undefined) &&
          (c.grade === undefined || c.grade === gradeFor(c.score!, { I: 85, II: 70 })) &&
          (!c.ratings ||
            (Object.keys(c.ratings).sort().join() === [...FULL].sort().join() &&
              (c.ratingCounts?.excellent ?? 0) <= 2)) &&
          s.status === (v === 'completed' ? 'done' : 'active');
        expect({ where, consistent }).toEqual({ where, consistent: true });

        if (v === 'completed') {
          let snap = start();
          let effects: Effect[] = [];
          for (const step of path.steps) ({ next: snap, effects } = send(snap, step.event as Ev));
          const unqualified = Object.values(c.ratings!).filter((r) => r === 'unqualified').length;
          expect(effects[0]).toEqual({
            kind: 'org.recordGrade',
            orgId: ORG,
            year: 2026,
            score: c.score,
            grade: c.grade,
          });
          const upgrade = c.grade === 'I' ? 0 : 1;
          expect(effects.filter((e) => e.kind === 'case.open')).toHaveLength(unqualified + upgrade);
          const commended = c.grade === 'I' || (c.ratingCounts?.excellent ?? 0) > 0;
          expect(effects.some((e) => e.kind === 'commendation.add')).toBe(commended);
        }
      }
      expect(paths.filter((p) => p.state.value === 'completed')).toHaveLength(6);
    });
  });
});
