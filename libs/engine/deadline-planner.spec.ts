import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeDeadline } from '../calendar/deadline-calculator';
import { WorkingCalendar } from '../calendar/working-calendar';
import type { DeadlineSpec, WorkflowDefinition } from '../../workflows/kernel/definition';
import { WORKFLOW_DEFINITIONS } from '../../workflows';
import { DeadlinePlanner, plannedPerEntryDay } from './deadline-planner';

const CALENDARS = resolve(__dirname, '../../config/calendars');
const quiet = { logger: { warn: () => {} } };

/** What a planned timer takes from a computed deadline (anchorAt is the one field it does not use). */
const planned = (c: ReturnType<typeof computeDeadline>) =>
  c && { dueAt: c.dueAt, provisional: c.provisional, rule: c.rule, reminders: c.reminders, escalations: c.escalations };

/** Instants of one Shanghai day: its first and last millisecond, around the 09:00 reminders, and noon. */
const sameDay = (date: string) =>
  ['00:00:00.000', '08:59:59.999', '09:00:00.000', '09:00:00.001', '12:00:00.000', '23:59:59.999'].map(
    (t) => `${date}T${t}+08:00`,
  );

/** Every day from `from` on, `n` of them (weekends, holidays, make-up days, a year without data). */
const days = (from: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
  );

const specsOf = (def: WorkflowDefinition) =>
  Object.entries(def.states).flatMap(([path, s]) => (s.deadlines ?? []).map((spec) => ({ path, spec })));

/**
 * The planner answers a deadline per entry day when its computation depends on the entry only through that
 * day (plannedPerEntryDay). Pure: the shipped calendars, the shipped definitions' deadlines and synthetic ones.
 */
describe('DeadlinePlanner: deadlines planned per entry day', () => {
  const calendar = WorkingCalendar.fromDirectory(CALENDARS, quiet);
  // around the 2025/2026 new year and spring festival, the 2026 national day, and into 2027 (no data yet)
  const entryDays = [...days('2025-12-20', 70), ...days('2026-09-25', 14), ...days('2026-12-24', 14)];
  // working days and calendar days, with the reminder fractions definitions use (and 0, which is excluded)
  const synthetic: DeadlineSpec[] = (['wd', 'd'] as const).flatMap((unit) =>
    [1, 2, 5, 15, 30].flatMap((amount) =>
      [undefined, [0.5], [0.1, 0.7, 1], [1], [0, 1]].map(
        (remindAt) =>
          ({ key: `${unit}${amount}`, title: 't', anchor: { kind: 'entry' }, amount, unit, remindAt }) as DeadlineSpec,
      ),
    ),
  );

  it('holds for every deadline it answers per day: any instant of the entry day computes the same', () => {
    const cases = [
      ...WORKFLOW_DEFINITIONS.flatMap((def) => specsOf(def).map(({ spec }) => ({ spec, key: def.key }))),
      ...synthetic.map((spec) => ({ spec, key: 'synthetic' })),
    ].filter(({ spec }) => plannedPerEntryDay(spec));
    // the shipped definitions have such deadlines (the test would otherwise only check synthetic ones)
    expect(cases.filter((c) => c.key !== 'synthetic').length).toBeGreaterThan(3);
    let compared = 0;
    for (const { spec, key } of cases)
      for (const date of entryDays) {
        const [first, ...others] = sameDay(date).map((enteredAt) =>
          planned(
            computeDeadline(spec, undefined, { enteredAt, context: {} }, calendar, { policyId: 'p', workflowKey: key }),
          ),
        );
        for (const other of others) {
          expect(other).toEqual(first);
          compared++;
        }
      }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('does not hold for the deadlines it computes each time: the entry instant changes them', () => {
    const varies = (spec: DeadlineSpec) =>
      entryDays.some((date) => {
        const answers = sameDay(date).map((enteredAt) =>
          JSON.stringify(planned(computeDeadline(spec, undefined, { enteredAt, context: {} }, calendar))),
        );
        return new Set(answers).size > 1;
      });
    const excluded: DeadlineSpec[] = [
      // a reminder at fraction 0 falls on the entry day itself: before or after the entry, by the hour
      { key: 'f0', title: 't', anchor: { kind: 'entry' }, amount: 5, unit: 'wd', remindAt: [0, 1] },
      // calendar days: the 70 % point is measured from the entry instant
      { key: 'd', title: 't', anchor: { kind: 'entry' }, amount: 3, unit: 'd' },
    ] as DeadlineSpec[];
    for (const spec of excluded) {
      expect(plannedPerEntryDay(spec)).toBe(false);
      expect(varies(spec)).toBe(true);
    }
    // a policy override that turns a working-day deadline into calendar days takes it out too
    const wd = synthetic.find((s) => s.unit === 'wd' && s.amount === 5 && !s.remindAt)!;
    expect(plannedPerEntryDay(wd)).toBe(true);
    expect(plannedPerEntryDay(wd, { amount: 3, unit: 'd' })).toBe(false);
    expect(plannedPerEntryDay(wd, { amount: 0, unit: 'wd' })).toBe(false);
  });

  it('plans what a fresh computation plans, for other instants of the day and after the calendar changes', () => {
    const cal = new WorkingCalendar(
      ['2025', '2026'].map((y) => JSON.parse(readFileSync(resolve(CALENDARS, `${y}.json`), 'utf8'))),
      quiet,
    );
    const def = WORKFLOW_DEFINITIONS.find((d) => specsOf(d).some(({ spec }) => plannedPerEntryDay(spec)))!;
    const { path, spec } = specsOf(def).find(({ spec }) => plannedPerEntryDay(spec))!;
    const planWith =
      (planner: DeadlinePlanner) =>
      (at: string, overrides = {}) =>
        planner
          .plan({
            def,
            activePaths: [path],
            entered: { [path]: { at, version: 1 } },
            context: {},
            deadlineOverrides: overrides,
            policyId: 'p',
          })
          .filter((t) => t.deadlineKey === spec.key);
    const plan = planWith(new DeadlinePlanner(cal));
    // a planner of its own for every answer: nothing remembered
    const fresh = (at: string, overrides = {}) => planWith(new DeadlinePlanner(cal))(at, overrides);
    // the last working days of 2026: the deadline runs into 2027, which has no data yet
    const morning = '2026-12-30T08:00:00+08:00';
    const evening = '2026-12-30T21:00:00+08:00';
    const before = plan(morning);
    expect(before[0].provisional).toBe(true);
    expect(plan(evening)).toEqual(fresh(evening));
    // another policy's override is another deadline, not the one answered for the day
    const key = spec.key;
    expect(plan(evening, { [key]: { amount: 20, unit: 'wd' } })).toEqual(
      fresh(evening, { [key]: { amount: 20, unit: 'wd' } }),
    );
    expect(plan(evening, { [key]: { amount: 20, unit: 'wd' } })[0].dueAt.getTime()).toBeGreaterThan(
      before[0].dueAt.getTime(),
    );
    // 2027 arrives (here: with 2027-01-04 made a holiday): the day is planned again with it
    cal.addYear({
      year: 2027,
      source: 'test',
      holidays: [{ name: '测试假日', dates: ['2027-01-04'] }],
      workdays: [],
    });
    const after = plan(evening);
    expect(after[0].provisional).toBe(false);
    expect(after).toEqual(fresh(evening));
    expect(after).not.toEqual(before);
  });
});
