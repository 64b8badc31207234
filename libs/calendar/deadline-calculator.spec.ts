import { resolve } from 'node:path';
import type { DeadlineSpec } from '../../workflows/kernel/definition';
import { computeDeadline, readPath } from './deadline-calculator';
import { WorkingCalendar } from './working-calendar';

const CONFIG_DIR = resolve(__dirname, '../../config/calendars');
const OPTS = { policyId: 'cn-2014', workflowKey: 'membership-transfer' };

const spec = (over: Partial<DeadlineSpec> = {}): DeadlineSpec => ({
  key: 'release_review.due',
  title: '党组织关系转出审核期限',
  amount: 5,
  unit: 'wd',
  anchor: { kind: 'entry' },
  ...over,
});

describe('computeDeadline', () => {
  let cal: WorkingCalendar;
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    cal = WorkingCalendar.fromDirectory(CONFIG_DIR, { logger: { warn: (m) => warnings.push(m) } });
  });

  describe('working days from entry', () => {
    it('is due at the end of the 5th working day across 国庆 2025, with reminders and escalations', () => {
      const r = computeDeadline(spec(), undefined, { enteredAt: '2025-09-26T15:00:00+08:00', context: {} }, cal, OPTS)!;
      // 09-28 (make-up Sun) 1, 09-29 2, 09-30 3, 10-09 4, 10-10 5
      expect(r.dueAt).toBe('2025-10-10T23:59:59.999+08:00');
      expect(r.provisional).toBe(false);
      expect(r.rule).toBe('5个工作日（自进入本环节起，政策 cn-2014 membership-transfer.release_review.due）');
      expect(r.amount).toBe(5);
      expect(r.unit).toBe('wd');
      expect(r.anchorAt).toBe('2025-09-26T15:00:00.000+08:00');
      // 70 % of 5 wd = 3.5 → 4th working day, 09:00
      expect(r.reminders).toEqual([
        { at: '2025-10-09T09:00:00.000+08:00', fraction: 0.7, provisional: false },
        { at: '2025-10-10T09:00:00.000+08:00', fraction: 1, provisional: false },
      ]);
      // level 2: 10-11 (make-up Sat) 1, 10-13 2, 10-14 3, 10-15 4, 10-16 5
      expect(r.escalations).toEqual([
        { at: '2025-10-10T23:59:59.999+08:00', level: 1, provisional: false },
        { at: '2025-10-16T23:59:59.999+08:00', level: 2, provisional: false },
      ]);
    });

    it('counts from the Shanghai date of a UTC entry instant (春节 2026)', () => {
      // 2026-02-13T16:30Z = 2026-02-14 00:30 Shanghai (the make-up Saturday): the next working day is 02-24
      const r = computeDeadline(
        spec({ amount: 1 }),
        undefined,
        { enteredAt: '2026-02-13T16:30:00Z', context: {} },
        cal,
      )!;
      expect(r.dueAt).toBe('2026-02-24T23:59:59.999+08:00');
      // 70 % of 1 wd rounds up to the due day itself: one reminder only
      expect(r.reminders.map((x) => x.at)).toEqual(['2026-02-24T09:00:00.000+08:00']);
      const before = computeDeadline(
        spec({ amount: 1 }),
        undefined,
        { enteredAt: '2026-02-13T15:59:00Z', context: {} },
        cal,
      )!;
      expect(before.dueAt).toBe('2026-02-14T23:59:59.999+08:00');
    });

    it('puts the 70 % reminder of 10 wd on the 7th working day', () => {
      const r = computeDeadline(
        spec({ amount: 10 }),
        undefined,
        { enteredAt: '2026-03-02T10:00:00+08:00', context: {} },
        cal,
      )!;
      expect(r.dueAt).toBe('2026-03-16T23:59:59.999+08:00');
      expect(r.reminders[0].at).toBe('2026-03-11T09:00:00.000+08:00');
    });

    it('rounds up without floating-point drift (0.55 × 100 = 55.00000000000001 → 55, not 56)', () => {
      expect(0.55 * 100).toBeGreaterThan(55);
      const r = computeDeadline(
        spec({ amount: 100, remindAt: [0.55] }),
        undefined,
        { enteredAt: '2026-03-02T10:00:00+08:00', context: {} },
        cal,
      )!;
      expect(r.reminders[0].at).toBe(cal.atHour(cal.addWorkingDays('2026-03-02', 55).date, 9));
      expect(r.reminders[0].at).not.toBe(cal.atHour(cal.addWorkingDays('2026-03-02', 56).date, 9));
    });

    it('takes the amount and unit of a policy override and says so', () => {
      const r = computeDeadline(
        spec(),
        { amount: 10, unit: 'wd' },
        { enteredAt: '2026-03-02T10:00:00+08:00', context: {} },
        cal,
        {
          policyId: 'ganzhou',
          workflowKey: 'membership-transfer',
        },
      )!;
      expect(r.dueAt).toBe('2026-03-16T23:59:59.999+08:00');
      expect(r.rule).toBe(
        '10个工作日（自进入本环节起，政策 ganzhou membership-transfer.release_review.due；默认 5个工作日）',
      );
      const same = computeDeadline(
        spec(),
        { amount: 5, unit: 'wd' },
        { enteredAt: '2026-03-02T10:00:00+08:00', context: {} },
        cal,
        OPTS,
      )!;
      expect(same.rule).not.toContain('默认');
      const days = computeDeadline(
        spec(),
        { amount: 7, unit: 'd' },
        { enteredAt: '2026-03-02T10:00:00+08:00', context: {} },
        cal,
        OPTS,
      )!;
      expect(days.dueAt).toBe('2026-03-09T23:59:59.999+08:00');
      expect(days.unit).toBe('d');
    });

    it('honours the engine settings (reminder hour, second escalation gap)', () => {
      const r = computeDeadline(spec(), undefined, { enteredAt: '2025-09-26T15:00:00+08:00', context: {} }, cal, {
        engine: { reminderHour: 8, escalationSecondLevelWd: 2 },
      })!;
      expect(r.reminders.map((x) => x.at)).toEqual(['2025-10-09T08:00:00.000+08:00', '2025-10-10T08:00:00.000+08:00']);
      expect(r.escalations[1].at).toBe('2025-10-13T23:59:59.999+08:00');
      expect(r.rule).toBe('5个工作日（自进入本环节起，release_review.due）');
    });
  });

  describe('provisional years', () => {
    it('marks a deadline crossing into a year without data provisional and warns once', () => {
      const ctx = { enteredAt: '2026-12-30T10:00:00+08:00', context: {} };
      const r = computeDeadline(spec({ amount: 3 }), undefined, ctx, cal, OPTS)!;
      // 12-31, then 2027-01-04 and 01-05: 2027-01-01 is 元旦 by law even before the 2027 notice
      expect(r.dueAt).toBe('2027-01-05T23:59:59.999+08:00');
      expect(r.provisional).toBe(true);
      expect(r.rule).toContain('暂定：2027年法定节假日安排尚未录入');
      expect(r.escalations.every((e) => e.provisional)).toBe(true);
      // 70 % of 3 = 2.1 → 3rd working day = due day; the 2-wd point is not a reminder
      expect(r.reminders).toEqual([{ at: '2027-01-05T09:00:00.000+08:00', fraction: 1, provisional: true }]);
      computeDeadline(spec({ amount: 3 }), undefined, ctx, cal, OPTS);
      expect(warnings).toHaveLength(1);

      // the 2027 notice arrives (test fixture: 元旦 on 2027-01-01 and a bridged 01-04): recomputing gives the exact date
      expect(
        cal.addYear({
          year: 2027,
          source: 'test fixture',
          holidays: [{ name: '元旦', dates: ['2027-01-01', '2027-01-04'] }],
          workdays: [],
        }),
      ).toBe(true);
      const again = computeDeadline(spec({ amount: 3 }), undefined, ctx, cal, OPTS)!;
      expect(again.dueAt).toBe('2027-01-06T23:59:59.999+08:00');
      expect(again.provisional).toBe(false);
      expect(again.rule).not.toContain('暂定');
    });

    it('a deadline inside a data year whose second escalation crosses into a year without data', () => {
      const r = computeDeadline(
        spec({ amount: 1 }),
        undefined,
        { enteredAt: '2026-12-29T10:00:00+08:00', context: {} },
        cal,
      )!;
      expect(r.dueAt).toBe('2026-12-30T23:59:59.999+08:00');
      expect(r.provisional).toBe(false);
      expect(r.escalations.map((e) => e.provisional)).toEqual([false, true]);
    });
  });

  describe('calendar days', () => {
    it('is due at the end of the Nth calendar day; the 70 % reminder moves off the 春节 holiday', () => {
      const r = computeDeadline(
        spec({ amount: 30, unit: 'd' }),
        undefined,
        { enteredAt: '2026-01-30T10:00:00+08:00', context: {} },
        cal,
        OPTS,
      )!;
      expect(r.dueAt).toBe('2026-03-01T23:59:59.999+08:00');
      expect(r.provisional).toBe(false);
      expect(r.rule).toBe('30天（自进入本环节起，政策 cn-2014 membership-transfer.release_review.due）');
      // 70 % falls on 2026-02-20 (春节) → next working morning 02-24; 100 % on the due date at 09:00
      expect(r.reminders.map((x) => x.at)).toEqual(['2026-02-24T09:00:00.000+08:00', '2026-03-01T09:00:00.000+08:00']);
      // 2026-03-01 is a Sunday: +5 wd = 03-06
      expect(r.escalations[1].at).toBe('2026-03-06T23:59:59.999+08:00');
    });

    it('amount 0 with a context date means "on that date", end of day; reminders span from entry', () => {
      const s = spec({
        key: 'awaiting_report.due',
        amount: 0,
        unit: 'd',
        anchor: { kind: 'context', path: 'letter.validUntil' },
      });
      const r = computeDeadline(
        s,
        undefined,
        { enteredAt: '2026-01-05T10:00:00+08:00', context: { letter: { validUntil: '2026-03-31' } } },
        cal,
        OPTS,
      )!;
      expect(r.dueAt).toBe('2026-03-31T23:59:59.999+08:00');
      expect(r.rule).toBe('截至 2026-03-31（letter.validUntil，政策 cn-2014 membership-transfer.awaiting_report.due）');
      expect(r.reminders.map((x) => x.at)).toEqual(['2026-03-06T09:00:00.000+08:00', '2026-03-31T09:00:00.000+08:00']);
      // 03-31 + 5 wd: 04-01, 04-02, 04-03, (清明 04-04..06), 04-07, 04-08
      expect(r.escalations[1].at).toBe('2026-04-08T23:59:59.999+08:00');
    });

    it('amount 0 with a context instant means at that very instant', () => {
      const s = spec({ amount: 0, unit: 'd', anchor: { kind: 'context', path: 'validUntil' } });
      const r = computeDeadline(
        s,
        undefined,
        { enteredAt: '2026-03-20T10:00:00+08:00', context: { validUntil: '2026-03-31T07:00:00Z' } },
        cal,
      )!;
      expect(r.dueAt).toBe('2026-03-31T15:00:00.000+08:00');
      expect(r.rule).toContain('截至 2026-03-31 15:00');
      expect(r.reminders.at(-1)!.at).toBe('2026-03-31T09:00:00.000+08:00');
      expect(r.escalations[1].at).toBe('2026-04-08T15:00:00.000+08:00');
      // an instant before 09:00: the due-date reminder is at the instant itself
      const early = computeDeadline(
        s,
        undefined,
        { enteredAt: '2026-03-20T10:00:00+08:00', context: { validUntil: '2026-03-31T08:00:00+08:00' } },
        cal,
      )!;
      expect(early.reminders.at(-1)!.at).toBe('2026-03-31T08:00:00.000+08:00');
    });
  });

  describe('months', () => {
    it('counts calendar months from a context date, clamped to the month end', () => {
      const s = spec({
        key: 'talk_pending.due',
        amount: 1,
        unit: 'm',
        anchor: { kind: 'context', path: 'application.appliedOn' },
      });
      const r = computeDeadline(
        s,
        undefined,
        { enteredAt: '2026-01-31T10:00:00+08:00', context: { application: { appliedOn: '2026-01-31' } } },
        cal,
        {
          policyId: 'cn-2014',
          workflowKey: 'recruitment',
        },
      )!;
      expect(r.dueAt).toBe('2026-02-28T23:59:59.999+08:00');
      expect(r.rule).toBe('1个月（自 application.appliedOn 2026-01-31 起，政策 cn-2014 recruitment.talk_pending.due）');
      expect(r.anchorAt).toBe('2026-01-31T00:00:00.000+08:00');
    });

    it('counts months from entry', () => {
      const r = computeDeadline(
        spec({ amount: 3, unit: 'm' }),
        undefined,
        { enteredAt: '2026-11-30T18:00:00+08:00', context: {} },
        cal,
      )!;
      expect(r.dueAt).toBe('2027-02-28T23:59:59.999+08:00');
      expect(r.provisional).toBe(false);
      expect(r.escalations[1].provisional).toBe(true);
    });

    it('drops reminders that fall before the entry into the state', () => {
      // due 1 m after appliedOn 2026-01-10, but the case entered the state on 02-05: the 70 % point (02-01) is past
      const s = spec({ amount: 1, unit: 'm', anchor: { kind: 'context', path: 'appliedOn' } });
      const r = computeDeadline(
        s,
        undefined,
        { enteredAt: '2026-02-05T10:00:00+08:00', context: { appliedOn: '2026-01-10' } },
        cal,
      )!;
      expect(r.dueAt).toBe('2026-02-10T23:59:59.999+08:00');
      expect(r.reminders.map((x) => x.at)).toEqual(['2026-02-10T09:00:00.000+08:00']);
    });
  });

  describe('reminders and escalations options', () => {
    const ctx = { enteredAt: '2026-03-02T10:00:00+08:00', context: {} };

    it('no reminders when remindAt is empty, no escalations when escalate is false', () => {
      const r = computeDeadline(spec({ remindAt: [], escalate: false }), undefined, ctx, cal)!;
      expect(r.reminders).toEqual([]);
      expect(r.escalations).toEqual([]);
    });

    it('custom fractions, sorted and de-duplicated', () => {
      const r = computeDeadline(spec({ amount: 10, remindAt: [1, 0.5, 0.45] }), undefined, ctx, cal)!;
      // 0.5 × 10 = 5 → 03-09; 0.45 × 10 = 4.5 → 5 → 03-09 (duplicate)
      expect(r.reminders.map((x) => [x.at, x.fraction])).toEqual([
        ['2026-03-09T09:00:00.000+08:00', 0.5],
        ['2026-03-16T09:00:00.000+08:00', 1],
      ]);
    });

    it('drops a reminder that would be before the anchor', () => {
      // fraction 0 = the anchor day at 09:00, but the state was entered at 10:00
      const r = computeDeadline(spec({ remindAt: [0] }), undefined, ctx, cal)!;
      expect(r.reminders).toEqual([]);
      const morning = computeDeadline(
        spec({ remindAt: [0] }),
        undefined,
        { enteredAt: '2026-03-02T08:00:00+08:00', context: {} },
        cal,
      )!;
      expect(morning.reminders.map((x) => x.at)).toEqual(['2026-03-02T09:00:00.000+08:00']);
    });

    it('rejects fractions outside [0, 1], unknown units and bad amounts', () => {
      expect(() => computeDeadline(spec({ remindAt: [1.5] }), undefined, ctx, cal)).toThrow(RangeError);
      expect(() => computeDeadline(spec(), { amount: 5, unit: 'w' as any }, ctx, cal)).toThrow(/unknown unit/);
      expect(() => computeDeadline(spec({ amount: -1 }), undefined, ctx, cal)).toThrow(/non-negative integer/);
      expect(() => computeDeadline(spec(), undefined, { enteredAt: 'yesterday', context: {} }, cal)).toThrow(
        RangeError,
      );
    });
  });

  describe('context anchors that are not there', () => {
    const s = spec({ anchor: { kind: 'context', path: 'letter.validUntil' } });
    it.each<[string, object]>([
      ['missing path', {}],
      ['missing leaf', { letter: {} }],
      ['null', { letter: { validUntil: null } }],
      ['not a date', { letter: { validUntil: 'soon' } }],
      ['impossible date', { letter: { validUntil: '2026-02-30' } }],
      ['a number', { letter: { validUntil: 20260301 } }],
      ['an object', { letter: { validUntil: { y: 2026 } } }],
      ['empty string', { letter: { validUntil: '' } }],
    ])('returns null for %s', (_label, context) => {
      expect(computeDeadline(s, undefined, { enteredAt: '2026-03-02T10:00:00+08:00', context }, cal)).toBeNull();
    });

    it('accepts a Date object in the context', () => {
      const r = computeDeadline(
        spec({ amount: 0, unit: 'd', anchor: { kind: 'context', path: 'at' } }),
        undefined,
        {
          enteredAt: '2026-03-02T10:00:00+08:00',
          context: { at: new Date('2026-03-10T02:00:00Z') },
        },
        cal,
      )!;
      expect(r.dueAt).toBe('2026-03-10T10:00:00.000+08:00');
      // the second escalation keeps the instant's time of day, 5 working days later
      expect(r.escalations).toEqual([
        { at: '2026-03-10T10:00:00.000+08:00', level: 1, provisional: false },
        { at: '2026-03-17T10:00:00.000+08:00', level: 2, provisional: false },
      ]);
    });

    it('working days from a context date', () => {
      const r = computeDeadline(
        spec({ amount: 2, anchor: { kind: 'context', path: 'letter.receivedOn' } }),
        undefined,
        {
          enteredAt: '2025-09-30T10:00:00+08:00',
          context: { letter: { receivedOn: '2025-09-30' } },
        },
        cal,
      )!;
      expect(r.dueAt).toBe('2025-10-10T23:59:59.999+08:00');
      expect(r.rule).toBe('2个工作日（自 letter.receivedOn 2025-09-30 起，release_review.due）');
    });
  });

  it('readPath walks dotted paths', () => {
    expect(readPath({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
    expect(readPath({ a: 1 }, 'a.b')).toBeUndefined();
    expect(readPath(null, 'a')).toBeUndefined();
  });
});
