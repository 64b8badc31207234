import { resolve } from 'node:path';
import { WorkingCalendar } from '../libs/calendar/working-calendar';
import { DeadlinePlanner } from '../libs/engine/deadline-planner';
import { PolicyService } from '../libs/engine/policy.service';
import { PolicyStore } from '../libs/policy/policy-store';
import { branchFormationDefinition as def } from '../workflows/branch-formation';

const CONFIG = resolve(__dirname, '../config');

/**
 * The overall period of branch formation follows the case's policy: a region's policy file sets it as the
 * deadline `formation.overall` (the one setting; the former parameter `overallMonths` was read by nothing).
 * Pure: the shipped policy files plus a region policy, resolved and planned as the engine does.
 */
describe('branch formation: the overall deadline follows the policy', () => {
  const calendar = WorkingCalendar.fromDirectory(resolve(CONFIG, 'calendars'), { logger: { warn: () => {} } });
  const shipped = PolicyStore.fromDirectory(resolve(CONFIG, 'policies'));
  const region = (deadlines: Record<string, unknown>, params: Record<string, unknown> = {}) => ({
    id: 'test-region',
    title: '测试地区规则',
    description: 'a region that changes the overall period of branch formation',
    region: '360700',
    effectiveFrom: '2025-01-01',
    enabled: true,
    extends: 'cn-2014',
    workflows: { 'branch-formation': { deadlines, params } },
  });
  const store = (regional: ReturnType<typeof region>) =>
    PolicyStore.fromObjects([...shipped.list().filter((p) => p.id === 'cn-2014'), regional]);

  /** the `formation.overall` due date of a case in `survey` for a firm established on 2026-03-02 */
  const overallDue = (policies: PolicyStore) => {
    const policy = new PolicyService(policies).forCase('360702', new Date('2026-03-10T02:00:00Z'), def);
    const timers = new DeadlinePlanner(calendar).plan({
      def,
      activePaths: ['survey'],
      entered: { survey: { at: '2026-03-10T10:00:00+08:00', version: 1 } },
      context: { establishedOn: '2026-03-02' },
      deadlineOverrides: policy.deadlineOverrides,
      policyId: policy.id,
      engine: policy.engine,
    });
    return timers.find((t) => t.deadlineKey === 'formation.overall')!;
  };

  it('is 3 months after establishment by default, and what a region policy file sets otherwise', () => {
    const byDefault = overallDue(shipped);
    const sixMonths = overallDue(store(region({ 'formation.overall': { amount: 6, unit: 'm' } })));
    expect(byDefault.dueAt.getTime()).toBeLessThan(sixMonths.dueAt.getTime());
    expect(byDefault.rule).toMatch(/^3个月/);
    expect(sixMonths.rule).toMatch(/^6个月.*test-region/);
    // the title states no period of its own: it would contradict a region's
    expect(sixMonths.title).not.toMatch(/\d个月/);
  });

  it('offers no parameter that nothing reads (the period is the deadline, not `overallMonths`)', () => {
    expect(def.policyDefaults).not.toHaveProperty('overallMonths');
    const policy = new PolicyService(store(region({}, { overallMonths: 6 }))).forCase(
      '360702',
      new Date('2026-03-10T02:00:00Z'),
      def,
    );
    expect(policy.id).toBe('test-region');
    // a stray `overallMonths` in a policy file is not the period: the deadline stays the default
    expect(overallDue(store(region({}, { overallMonths: 6 }))).rule).toMatch(/^3个月/);
  });
});
