import 'reflect-metadata';
import { initialTransition, transition } from 'xstate';
import { definitionProblems } from '../kernel/definition-problems';
import {
  GradeUpgradeCreateInput,
  gradeUpgradeDefinition,
  GradeUpgradeEvent,
  gradeUpgradeMachine as machine,
  upgradeOutcome,
} from './index';

const ORG = '00000000-0000-4000-8000-000000000001';
const AT = '2027-04-10T02:00:00.000Z';
const start = (input: GradeUpgradeCreateInput = { year: 2026, grade: 'III', score: 62 }) =>
  initialTransition(machine, { subject: { orgId: ORG }, input, policy: {}, at: AT })[0];
type Snap = ReturnType<typeof start>;
const send = (snap: Snap, event: Omit<GradeUpgradeEvent, 'at'>) =>
  transition(machine, snap, { at: AT, ...event } as GradeUpgradeEvent)[0];
const rule = (type: string, snap: Snap, data?: object) =>
  gradeUpgradeDefinition.events[type].rule!(snap.context, { type, at: AT, data } as any);
const plan = {
  type: 'SUBMIT_PLAN',
  data: { measures: '每月主题党日、书记讲党课、规范台帐', targetGrade: 'II' },
} as const;
const progress = { type: 'RECORD_PROGRESS', data: { on: '2027-04-01', summary: '一季度主题党日已按月开展' } } as const;

describe('grade-upgrade (晋位升级 after 分类定级)', () => {
  it('metadata matches the machine; opened by the committee above; only for grades II and III; once per year', () => {
    expect(definitionProblems(gradeUpgradeDefinition)).toEqual([]);
    expect(gradeUpgradeDefinition.openingRule!({ year: 2026, grade: 'I' }, {}, AT)).toBe(
      '只有定级为一般（II）或后进（III）的党组织需要晋位升级',
    );
    expect(gradeUpgradeDefinition.openingRule!({ year: 2026, grade: 'II' }, {}, AT)).toBeNull();
    expect(gradeUpgradeDefinition.onceKey!({ orgId: ORG }, { year: 2026 })).toBe(`grade-upgrade:${ORG}:2026`);
    expect(start().context.rectifyBy).toBe('2027-12-31');
  });

  it('plan → review (returned once) → rectifying with progress → accepted by the upper committee', () => {
    let s = start();
    expect(rule('SUBMIT_PLAN', s, { ...plan.data, targetGrade: 'I' })).toBeNull();
    s = send(s, plan);
    expect(s.value).toBe('plan_review');
    s = send(s, { type: 'RETURN_PLAN', data: { reason: '措施不具体' } });
    expect(s.value).toBe('plan');
    expect(s.context.returns).toEqual([{ on: '2027-04-10', reason: '措施不具体' }]);
    s = send(send(s, plan), { type: 'APPROVE_PLAN' });
    expect(s.value).toBe('rectifying');
    expect(s.context.plan).toMatchObject({ targetGrade: 'II', submittedOn: '2027-04-10', approvedOn: '2027-04-10' });
    expect(rule('ACCEPT_RECTIFICATION', s, { summary: '整改到位' })).toBe('尚未登记任何整改进展，不能验收');
    expect(send(s, { type: 'ACCEPT_RECTIFICATION', data: { summary: '整改到位' } }).value).toBe('rectifying');
    s = send(s, progress);
    expect(s.context.progress).toEqual([{ on: '2027-04-01', summary: '一季度主题党日已按月开展' }]);
    s = send(s, { type: 'ACCEPT_RECTIFICATION', data: { summary: '整改到位' } });
    expect(s.value).toBe('completed');
    expect(s.status).toBe('done');
    expect(s.context.acceptance).toEqual({ on: '2027-04-10', summary: '整改到位' });
  });

  it('the target is a better grade; progress is dated after the graded year and not in the future', () => {
    const two = start({ year: 2026, grade: 'II' });
    expect(rule('SUBMIT_PLAN', two, { ...plan.data, targetGrade: 'II' })).toBe(
      '晋位升级的目标等次须高于2026年度的定级（一般）',
    );
    expect(send(two, plan).value).toBe('plan');
    const rectifying = send(send(start(), plan), { type: 'APPROVE_PLAN' });
    expect(rule('RECORD_PROGRESS', rectifying, { on: '2027-04-11', summary: 'x' })).toBe('整改进展的日期不得晚于今天');
    expect(rule('RECORD_PROGRESS', rectifying, { on: '2026-12-31', summary: 'x' })).toBe(
      '整改进展的日期应在2026年度之后',
    );
  });

  it.each([
    ['III', 'II', 'upgraded'],
    ['III', 'I', 'upgraded'],
    ['II', 'I', 'upgraded'],
    ['II', 'II', 'unchanged'],
    ['II', 'III', 'downgraded'],
    ['III', null, 'pending'],
  ])('graded %s, next year %s → %s', (grade, next, outcome) => {
    expect(upgradeOutcome(grade, next)).toBe(outcome);
  });
});
